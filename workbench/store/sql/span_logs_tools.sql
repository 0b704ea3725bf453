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
UPDATE steps SET input = coalesce(steps.input, t.input), output = coalesce(steps.output, t.output)
FROM _wb_tool_texts t WHERE steps.run_id = t.run_id AND steps.step_id = t.step_id;
