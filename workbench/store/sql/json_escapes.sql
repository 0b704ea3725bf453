-- Staged inputs, outputs and run tasks that are JSON text with escapes JSON lets stand (.NET's \u0027, Python's
-- ensure_ascii \u00e9), written with their characters: one place every adapter's rows pass (the Python readers'
-- buffered rows, the OTLP and native SQL fast paths' INSERTs, the tool calls read out of model messages), after the
-- steps that add or rewrite staged steps and before the merge.
-- wb_unescaped_json_text is ingest/_json_escapes.unescaped_json_text (a Python function, registered by
-- unescape_staged), which keeps anything that is not such JSON text as written; CASE calls it only for the
-- values with a \u (contains: cheap), once each (a row with a \u that stays as written is written again unchanged).
UPDATE stage_steps SET
    input = CASE WHEN contains(input, '\u') THEN wb_unescaped_json_text(input) ELSE input END,
    output = CASE WHEN contains(output, '\u') THEN wb_unescaped_json_text(output) ELSE output END
WHERE contains(input, '\u') OR contains(output, '\u');

UPDATE stage_runs SET task = wb_unescaped_json_text(task) WHERE contains(task, '\u');
