-- After the log records' messages are in (ingest/_otlp_logs.py), in the runs they touched: the tool steps
-- with no arguments or no result that name their call (gen_ai.tool.call.id), then the LLM steps' messages,
-- where the model's call of that id and the tool's answer to it are.
SELECT run_id, step_id, json_extract_string(attributes, '$."gen_ai.tool.call.id"') AS call_id
FROM steps
WHERE kind = 'tool' AND (input IS NULL OR output IS NULL)
  AND run_id IN (SELECT DISTINCT run_id FROM stage_span_logs)
  AND json_extract_string(attributes, '$."gen_ai.tool.call.id"') IS NOT NULL;
SELECT input, output FROM steps
WHERE kind = 'llm' AND run_id = $run AND (input IS NOT NULL OR output IS NOT NULL);
-- (the columns filled are named in otel.log_filled, as span_logs_attach.sql does)
UPDATE steps SET input = coalesce(steps.input, t.input), output = coalesce(steps.output, t.output),
    attributes = json_merge_patch(coalesce(steps.attributes, '{}'), json_object('otel.log_filled', to_json(
        list_distinct(list_concat(
            coalesce(CAST(json_extract(steps.attributes, '$."otel.log_filled"') AS VARCHAR[]), []),
            [c FOR c IN ['input', 'output'] IF (c = 'input' AND steps.input IS NULL AND t.input IS NOT NULL)
                                            OR (c = 'output' AND steps.output IS NULL AND t.output IS NOT NULL)])))))
FROM _wb_tool_texts t WHERE steps.run_id = t.run_id AND steps.step_id = t.step_id;
