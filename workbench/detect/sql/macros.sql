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

-- The words a text opens with: its first line, at most its first 120 characters. What a reply is
-- about comes first (the page a tool opened, the item an instruction names, the question asked):
-- two long texts are nearly the same (replies.sql) only when they open with the same words, so that
-- a templated reply naming another item or value is no repeat, while a page read again with
-- another timestamp or a few words of OCR further down still is.
CREATE OR REPLACE TEMP MACRO det_head_words(t) AS list_sort(list_distinct(regexp_extract_all(
    lower(left(regexp_extract(t, '^[ \t\n\f\r]*([^\n]*)', 1), 120)), '[\pL\pN]+')));
