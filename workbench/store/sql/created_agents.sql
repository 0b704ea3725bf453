-- Traces that only create an agent, joined to the run where it is first invoked (ingest/_links.py's
-- created_agent_targets): (created trace, its create_agent step, trace of the invoking span, that span). A trace
-- qualifies when it is one root `create_agent` span (gen_ai.operation.name create_agent) naming its agent; its
-- target is the staged `invoke_agent` span of the same agent that starts first at or after the creation, in
-- another trace of the same file and the same resource (the process that created the agent invokes it).
-- An agent never invoked (a participant its team's manager never picked: Magentic-One's orchestrator may need
-- no one of them) goes where the invoked agent created nearest in time to it goes (same file and resource; ties:
-- the earlier creation, then the lower trace id), as its sibling's row, under the same turn: made by the same
-- program for the same team, it is set-up of that team's run, not a run of its own (a run of one step of unknown
-- outcome, in every count). A creation with no invoked sibling beside it keeps its run.
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
),
first_turns AS (
    SELECT m.run_id, any_value(m.step_id) AS step_id,
           arg_min(i.run_id, (i.start_ns, i.run_id, i.step_id)) AS target,
           arg_min(i.step_id, (i.start_ns, i.run_id, i.step_id)) AS invoked
    FROM made m
    JOIN made_agents a ON a.run_id = m.run_id
    JOIN invoked i ON i.agent = a.agent AND i.file = m.file AND i.run_id <> m.run_id AND i.start_ns >= m.at
    JOIN stage_runs rm ON rm.run_id = m.run_id
    JOIN stage_runs ri ON ri.run_id = i.run_id AND ri.attributes IS NOT DISTINCT FROM rm.attributes
    GROUP BY m.run_id
),
-- (the nearest sibling among the creations of the file and resource whose agents are invoked)
nearest AS (
    SELECT m.run_id, any_value(m.step_id) AS step_id, arg_min(o.run_id, (abs(o.at - m.at), o.at, o.run_id)) AS sib
    FROM made m
    JOIN made o ON o.file = m.file AND o.run_id <> m.run_id
    JOIN first_turns f ON f.run_id = o.run_id
    JOIN stage_runs rm ON rm.run_id = m.run_id
    JOIN stage_runs ro ON ro.run_id = o.run_id AND ro.attributes IS NOT DISTINCT FROM rm.attributes
    WHERE m.run_id NOT IN (SELECT run_id FROM first_turns)
    GROUP BY m.run_id
)
SELECT run_id, step_id, target, invoked FROM first_turns
UNION ALL
SELECT n.run_id, n.step_id, f.target, f.invoked FROM nearest n JOIN first_turns f ON f.run_id = n.sib
ORDER BY 1;

-- [section set_up]
-- The create_agent steps of the traces that join a run (created_traces: their run ids, before the move) are
-- set-up: kind system (no move of their agent's).
UPDATE stage_steps SET kind = 'system' WHERE run_id IN (SELECT run_id FROM created_traces);
