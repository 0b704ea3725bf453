-- Staged steps given an agent by their reader after staging (ingest/_step_agents.py node_agents lists them in
-- node_agents(run_id, step_id, agent)): a LangSmith model call whose LangGraph node's run is not in the file
-- (list_runs(run_type="llm") exports the calls alone) is the agent its metadata names. Only a step with no agent.
UPDATE stage_steps SET agent = n.agent
FROM node_agents n
WHERE stage_steps.run_id = n.run_id AND stage_steps.step_id = n.step_id AND stage_steps.agent IS NULL;
