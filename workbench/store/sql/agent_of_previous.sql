-- Staged steps that act for the agent of the step before them (ingest/_step_agents.py lists them in
-- agent_of_previous(run_id, step_id)): each takes the agent of the latest step under the same parent (the
-- same run, staged or stored: a trace split over files read one call each may hold the turn before in the
-- earlier file) that started before it and names one (previous_agent.sql, run between these two
-- statements). Runs after staging, before the merge.
CREATE OR REPLACE TEMP TABLE previous_wanted AS
SELECT n.run_id, n.step_id, n.parent_id, n.start_ns // 1000 AS start_us
FROM stage_steps n SEMI JOIN agent_of_previous t ON t.run_id = n.run_id AND t.step_id = n.step_id
WHERE n.agent IS NULL;

UPDATE stage_steps SET agent = r.agent
FROM previous_agent r
WHERE stage_steps.run_id = r.run_id AND stage_steps.step_id = r.step_id AND stage_steps.agent IS NULL;
