-- Tool steps whose input is the text of the call's one argument, each beside the last LLM step before it in
-- its run (of the same agent, as staged) that asked for tools: OpenInference's LangChain.js instrumentation
-- writes a tool's input `{"item": "widget"}` as `widget` (text/plain) when the arguments hold one string, so
-- the argument's name is lost; the model's request for the call still has it (ingest/_tool_text_input.py
-- matches them). An ASOF join: one row per tool step, whatever the length of the run. The LLM step is named
-- by its row (rid), its output read once apart: a row per tool step carrying the output held one copy of it
-- per tool step (400 tool steps after a 1 MB model output: 938 MB peak against 151 for 10).
WITH tools AS (
    SELECT run_id, step_id, tool, input, start_ns, coalesce(agent, '') AS agent FROM stage_steps
    WHERE kind = 'tool' AND tool IS NOT NULL AND input IS NOT NULL AND step_id IS NOT NULL AND run_id IS NOT NULL
      AND start_ns IS NOT NULL
      AND coalesce(CASE WHEN json_valid(input) THEN json_type(input::JSON) END, '') NOT IN ('OBJECT', 'ARRAY')
),
asked AS (
    SELECT rowid AS rid, run_id, start_ns, coalesce(agent, '') AS agent FROM stage_steps
    WHERE kind = 'llm' AND run_id IS NOT NULL AND start_ns IS NOT NULL AND contains(output, 'tool_calls')
)
SELECT t.run_id, t.step_id, t.tool, t.input, a.rid
FROM tools t ASOF JOIN asked a ON a.run_id = t.run_id AND a.agent = t.agent AND t.start_ns >= a.start_ns;
