-- What the stage holds for the steps between staging and the merge that may have nothing to do, each the
-- test that step makes itself, in one statement (a small call ran them as eight): 1 when it has something
-- to do. Read by ingest/_stage_facts.py; valid until one of those steps changes the stage.
-- nameless: a run naming no agent (_step_agents.loop_agents)
SELECT 'nameless', count(*) FROM (SELECT 1 FROM stage_steps GROUP BY run_id HAVING count(agent) = 0 LIMIT 1)
-- handoff: a hand-off naming no target (_step_agents.handoff_targets)
UNION ALL SELECT 'handoff', count(*) FROM (SELECT 1 FROM stage_steps WHERE kind = 'handoff' AND output IS NULL LIMIT 1)
-- pair / llm_in_stored_run: both halves of a model call's two spans staged, or a model step staged in a run
-- the store holds (_same_call._any_pair's first two tests)
UNION ALL SELECT 'pair', count(*) FROM (
    SELECT 1 FROM stage_steps s SEMI JOIN stage_steps p
    ON p.run_id = s.run_id AND p.step_id = s.parent_id AND p.kind = 'llm' WHERE s.kind = 'llm' LIMIT 1)
UNION ALL SELECT 'llm_in_stored_run', count(*) FROM (
    SELECT 1 FROM runs r SEMI JOIN (SELECT run_id FROM stage_steps WHERE kind = 'llm') s ON s.run_id = r.run_id LIMIT 1)
-- mcp: an MCP span, server's or client's (_mcp_served.fold_served_calls)
UNION ALL SELECT 'mcp', count(*) FROM (SELECT 1 FROM stage_steps WHERE contains(attributes, 'mcp.method.name') LIMIT 1)
-- staged: any step (_links._stored_root_links)
UNION ALL SELECT 'staged', count(*) FROM (SELECT 1 FROM stage_steps LIMIT 1)
-- build: an Agent Framework workflow's build or run root (_workflow_build.join_build_traces)
UNION ALL SELECT 'build', count(*) FROM (
    SELECT 1 FROM stage_steps WHERE parent_id IS NULL AND name IN ($build_span, $run_span) LIMIT 1)
-- small_times: a native or OTLP time small enough to be in seconds, ms or us (_time_units.scale_integer_units)
UNION ALL SELECT 'small_times', count(*) FROM (
    SELECT 1 FROM stage_steps WHERE source IN (SELECT unnest($sources)) AND (start_ns < $small OR end_ns < $small)
    UNION ALL
    SELECT 1 FROM stage_runs WHERE source IN (SELECT unnest($sources)) AND (start_ns < $small OR end_ns < $small)
    LIMIT 1)
