-- Tool steps whose input is the text of the call's one argument, beside the LLM steps before them in their
-- run that asked for that tool (latest first): OpenInference's LangChain.js instrumentation writes a tool's
-- input `{"item": "widget"}` as `widget` (text/plain) when the arguments hold one string, so the argument's
-- name is lost; the model's request for the call still has it (ingest/_tool_text_input.py matches them).
SELECT t.run_id, t.step_id, t.tool, t.input, l.output
FROM stage_steps t JOIN stage_steps l
  ON l.run_id = t.run_id AND l.kind = 'llm' AND l.start_ns <= t.start_ns
 AND contains(l.output, 'tool_calls') AND contains(l.output, t.tool)
WHERE t.kind = 'tool' AND t.tool IS NOT NULL AND t.input IS NOT NULL AND t.step_id IS NOT NULL
  AND coalesce(CASE WHEN json_valid(t.input) THEN json_type(t.input::JSON) END, '') NOT IN ('OBJECT', 'ARRAY')
ORDER BY t.run_id, t.step_id, l.start_ns DESC, l.step_id DESC;
