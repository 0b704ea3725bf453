-- Model calls given an agent by their reader's note after staging (ingest/_step_agents.py node_agents lists them in
-- node_agents(run_id, step_id, parent_id, agent)): a model call whose LangGraph node's span is neither staged nor
-- stored (Phoenix's LLM spans exported alone, LangSmith's list_runs(run_type="llm")) is the agent its metadata
-- names; a call under its node's span takes the node's agent as every other step does. Only a step with no agent.
-- staged_node_agents: the calls so named (the merge keeps them in rule_agents: a later call bringing their node's
-- span takes the name back, store/_stored_rules.py).
CREATE OR REPLACE TEMP TABLE staged_node_agents AS
SELECT n.run_id, n.step_id, n.agent FROM node_agents n
WHERE NOT EXISTS (SELECT 1 FROM stage_steps p WHERE p.run_id = n.run_id AND p.step_id = n.parent_id)
  AND NOT EXISTS (SELECT 1 FROM steps p WHERE p.run_id = n.run_id AND p.step_id = n.parent_id);

UPDATE stage_steps SET agent = n.agent
FROM staged_node_agents n
WHERE stage_steps.run_id = n.run_id AND stage_steps.step_id = n.step_id AND stage_steps.agent IS NULL;
