-- Traces that only create an agent, joined to the run where it is first invoked (ingest/_links.py's
-- created_agent_targets): (created trace, its create_agent step, trace of the invoking span, that span). A trace
-- qualifies when it is one root `create_agent` span (gen_ai.operation.name create_agent) naming its agent; its
-- target is the staged `invoke_agent` span of the same agent that starts first at or after the creation, in
-- another trace of the same file and the same resource (the process that created the agent invokes it).
WITH created AS (
    SELECT DISTINCT run_id FROM stage_steps WHERE parent_id IS NULL AND starts_with(name, 'create_agent ')
),
made AS (
    SELECT s.run_id, any_value(s.step_id) AS step_id, min(s.start_ns) AS at, any_value(s.file) AS file
    FROM stage_steps s SEMI JOIN created c ON c.run_id = s.run_id
    GROUP BY s.run_id
    HAVING count(*) = 1
       AND bool_and(s.parent_id IS NULL AND s.agent IS NOT NULL AND s.start_ns IS NOT NULL AND s.step_id IS NOT NULL
                    AND json_extract_string(s.attributes, '$."gen_ai.operation.name"') = 'create_agent')
),
made_agents AS (
    SELECT DISTINCT s.run_id, s.agent FROM stage_steps s SEMI JOIN made m ON m.run_id = s.run_id
),
invoked AS (
    SELECT s.run_id, s.agent, s.start_ns, s.file, s.step_id
    FROM stage_steps s SEMI JOIN made_agents a ON a.agent = s.agent
    WHERE starts_with(s.name, 'invoke_agent ') AND s.start_ns IS NOT NULL
      AND json_extract_string(s.attributes, '$."gen_ai.operation.name"') = 'invoke_agent'
)
SELECT m.run_id, any_value(m.step_id), arg_min(i.run_id, (i.start_ns, i.run_id, i.step_id)) AS target,
       arg_min(i.step_id, (i.start_ns, i.run_id, i.step_id)) AS invoked
FROM made m
JOIN made_agents a ON a.run_id = m.run_id
JOIN invoked i ON i.agent = a.agent AND i.file = m.file AND i.run_id <> m.run_id AND i.start_ns >= m.at
JOIN stage_runs rm ON rm.run_id = m.run_id
JOIN stage_runs ri ON ri.run_id = i.run_id AND ri.attributes IS NOT DISTINCT FROM rm.attributes
GROUP BY m.run_id
ORDER BY m.run_id;

-- [section set_up]
-- The create_agent steps of the traces that join a run (created_traces: their run ids, before the move) are
-- set-up: kind system (no move of their agent's).
UPDATE stage_steps SET kind = 'system' WHERE run_id IN (SELECT run_id FROM created_traces);
