-- Macros of the detector statements, made once on each worker's connection.

-- Text with case and whitespace left out: what "the same arguments" (calls.sql) and "the same reply"
-- (replies.sql) compare. RE2's \s is exactly these five characters; plain replaces cost a fraction of
-- a regex.
CREATE OR REPLACE TEMP MACRO det_squeezed(t) AS
    lower(replace(replace(replace(replace(replace(t, ' ', ''), chr(9), ''), chr(10), ''), chr(12), ''), chr(13), ''));

-- The values a text states (values.sql: what a step brings in and what later steps rest on): a UUID
-- (LangChain's lc_run--<uuid>-0 suffix included) as one token, an identifier such as SKU-7, a number.
CREATE OR REPLACE TEMP MACRO det_value_tokens(t) AS regexp_extract_all(t,
    '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?:-[0-9]+)?|\b[A-Za-z]{1,12}[-_][0-9][A-Za-z0-9_-]*|\b[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?\b');
