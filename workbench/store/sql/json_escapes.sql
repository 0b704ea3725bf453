-- Staged run tasks that are JSON text with escapes JSON lets stand (.NET's \u0027, Python's ensure_ascii \u00e9),
-- written with their characters (the steps' input and output are read so by the merge: finalize.sql's stage_n).
-- wb_unescaped_json_text is ingest/_json_escapes.unescaped_json_text (a Python function, registered by
-- register_unescape), which keeps anything that is not such JSON text as written. (stage_runs is a temporary
-- table of one row a run: an UPDATE costs little.)
UPDATE stage_runs SET task = wb_unescaped_json_text(task) WHERE contains(task, '\u');
