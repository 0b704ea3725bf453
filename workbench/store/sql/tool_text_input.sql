-- Tool steps whose input is the text of the call's one argument, each beside the last LLM step before it in
-- its run (of the same agent, as staged) that asked for tools: OpenInference's LangChain.js instrumentation
-- writes a tool's input `{"item": "widget"}` as `widget` (text/plain) when the arguments hold one string, so
-- the argument's name is lost; the model's request for the call still has it (ingest/_tool_text_input.py
-- matches them). A model's request may be in any provider's shape (ingest/_call_shapes.py), in the step's
-- output or in the raw output.value its instrumentation kept beside it (LangChain's message holds it when the
-- flattened output messages name no call: ChatAnthropic's tool_use blocks). An ASOF join: one row per tool
-- step, whatever the length of the run. The LLM step is named by its row (rid), its output read once apart
-- (the second statement): a row per tool step carrying the output held one copy of it per tool step (400 tool
-- steps after a 1 MB model output: 938 MB peak against 151 for 10). The tool steps (`tools`) are
-- stage_facts.sql's tool_text rows: ingest/_tool_text_input.py puts them before this WITH.
WITH asked AS (
    SELECT rid, run_id, start_ns, agent FROM (
        SELECT rowid AS rid, run_id, start_ns, coalesce(agent, '') AS agent, output,
               CASE WHEN json_valid(attributes) THEN json_extract_string(attributes, '$."output.value"') END AS raw_output
        FROM stage_steps WHERE kind = 'llm' AND run_id IS NOT NULL AND start_ns IS NOT NULL)
    -- ($markers: _call_shapes.MARKERS, the words every shape of a request holds, joined by |)
    WHERE regexp_matches(output, $markers) OR regexp_matches(raw_output, $markers)
)
SELECT t.run_id, t.step_id, t.tool, t.input, a.rid
FROM tools t ASOF JOIN asked a ON a.run_id = t.run_id AND a.agent = t.agent AND t.start_ns >= a.start_ns;

-- The outputs (and raw output.value) of the LLM rows the first statement named, once each.
SELECT rowid, output,
       CASE WHEN json_valid(attributes) THEN json_extract_string(attributes, '$."output.value"') END
FROM stage_steps WHERE rowid IN (SELECT unnest($rids::BIGINT[]));
