-- Steps that act for the agent of the step before them (agent_of_previous.sql), stored by an earlier call
-- before that step arrived (a trace split over files read one call each, the later spans first): each takes,
-- in the merge's transaction, the agent of the latest step under the same parent that started before it and
-- names one (staged now or stored: previous_agent.sql, run between these two statements), as
-- agent_of_previous.sql gives a staged one; the walk down the tree (finalize_tree.sql) then gives the steps
-- under it that agent. Only the runs staged now with such frameworks' steps (the temp table _previous_runs). Told apart as the
-- readers tell them (ingest/_map_span.py map_span): AG2's _Group_Tool_Executor turn (its span
-- "invoke_agent <agent>"), a LlamaIndex workflow step handling a tool call's event (its input
-- {"ctx": …, "ev": "ToolCall(…" / "ToolCallResult(…"}), or handling the AgentSetup event the setup_agent step
-- before it emitted, its input cut at an attribute length limit (ingest/_workflow_events.py
-- workflow_chain_agent: the document does not parse, the output is no AgentSetup of its own).
CREATE OR REPLACE TEMP TABLE previous_wanted AS
SELECT o.run_id, o.step_id, o.parent_id, epoch_us(o.started_at) AS start_us
FROM steps o
WHERE o.run_id IN (SELECT run_id FROM _previous_runs) AND o.agent_own IS NULL AND o.kind = 'chain'
  AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)
  AND CASE WHEN ends_with(o.name, '_Group_Tool_Executor')
           THEN json_extract_string(o.attributes, '$."ag2.span.type"') IS NOT NULL
           WHEN contains(o.input, 'ToolCall')
                AND coalesce(regexp_matches(try(json_extract_string(o.input, '$.ev')), '^ToolCall(Result)?\('), false)
           THEN true
           WHEN contains(o.input, '"ev": "AgentSetup(')
           THEN starts_with(o.input, '{') AND NOT contains(o.input, '"ev": "AgentInput(') AND NOT json_valid(o.input)
                AND NOT starts_with(coalesce(o.output, ''), 'AgentSetup(')
           ELSE false END;

UPDATE steps SET agent_own = r.agent
FROM previous_agent r
WHERE steps.run_id = r.run_id AND steps.step_id = r.step_id AND steps.agent_own IS NULL;
