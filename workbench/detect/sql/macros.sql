-- Macros of the detector statements, made once on each worker's connection.

-- Text with case and whitespace left out: what "the same arguments" (calls.sql) and "the same reply"
-- (replies.sql) compare. RE2's \s is exactly these five characters; plain replaces cost a fraction of
-- a regex.
CREATE OR REPLACE TEMP MACRO det_squeezed(t) AS
    lower(replace(replace(replace(replace(replace(t, ' ', ''), chr(9), ''), chr(10), ''), chr(12), ''), chr(13), ''));
