-- The staged model calls a reader did not list in node_agents but flagged (Stage.node_calls: the OTLP reader, whose
-- per-span list would hold every model call of a large LangGraph file): no agent, a parent neither staged nor stored,
-- and attributes that may hold LangGraph / LangChain run metadata. ingest/_step_agents.py node_agents reads each
-- one's metadata (_langgraph_shape.node_agent) and names those it can, as node_agents.sql names the listed ones.
SELECT n.run_id, n.step_id, n.parent_id, n.attributes FROM stage_steps n
WHERE n.kind = 'llm' AND n.agent IS NULL AND n.parent_id IS NOT NULL
  AND (contains(n.attributes, 'langgraph_node') OR contains(n.attributes, 'lc_agent_name'))
  AND NOT EXISTS (SELECT 1 FROM stage_steps p WHERE p.run_id = n.run_id AND p.step_id = n.parent_id)
  AND NOT EXISTS (SELECT 1 FROM steps p WHERE p.run_id = n.run_id AND p.step_id = n.parent_id);
