-- Runs of this call in which no staged step names an agent (DSPy's modules, which have no names): a step
-- that calls tools itself (a tool step among its own children) runs an agent loop, and is that agent. It
-- is named by the tool that called it when it runs under one (a sub-agent offered as a tool: DSPy's
-- ask_fx_agent running a ReAct), else by the class its span is a method of (ReAct.forward -> ReAct; a
-- name that is no Class.method call, as Langfuse's claude.conversation, names nothing: the loop stays unnamed). Its
-- steps then act for it (the merge's walk down), so two agents' moves are not one agent's repeats.
CREATE OR REPLACE TEMP TABLE loop_agents AS
WITH loops AS (
    SELECT DISTINCT s.run_id, s.step_id, s.parent_id, s.name
    FROM stage_steps s
    SEMI JOIN (SELECT run_id, parent_id FROM stage_steps
               WHERE kind = 'tool' AND agent IS NULL AND parent_id IS NOT NULL) t
      ON t.run_id = s.run_id AND t.parent_id = s.step_id
    WHERE s.agent IS NULL AND coalesce(s.kind, 'other') IN ('chain', 'agent', 'other')
    UNION
    -- an agent offered as a tool whose graph runs its tools one level down (a LangChain create_agent given no
    -- name: its graph span under the tool, its ToolNode ``tools`` under that, the tools under the node)
    SELECT g.run_id, g.step_id, g.parent_id, g.name
    FROM stage_steps g
    SEMI JOIN (SELECT run_id, step_id FROM stage_steps WHERE kind = 'tool') p
      ON p.run_id = g.run_id AND p.step_id = g.parent_id
    SEMI JOIN (SELECT n.run_id, n.parent_id FROM stage_steps n
               JOIN stage_steps t ON t.run_id = n.run_id AND t.parent_id = n.step_id
               WHERE t.kind = 'tool' AND t.agent IS NULL AND n.agent IS NULL) n
      ON n.run_id = g.run_id AND n.parent_id = g.step_id
    WHERE g.agent IS NULL AND coalesce(g.kind, 'other') IN ('chain', 'agent', 'other')
)
SELECT l.run_id, l.step_id,
       coalesce(nullif(p.tool, ''),
                CASE WHEN regexp_full_match(l.name, '[A-Z][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*')
                     THEN split_part(l.name, '.', 1) END) AS agent
FROM loops l
LEFT JOIN stage_steps p ON p.run_id = l.run_id AND p.step_id = l.parent_id AND p.kind = 'tool'
WHERE NOT EXISTS (SELECT 1 FROM stage_steps s WHERE s.run_id = l.run_id AND s.agent IS NOT NULL);

UPDATE stage_steps SET agent = x.agent
FROM loop_agents x
WHERE x.agent IS NOT NULL AND stage_steps.run_id = x.run_id AND stage_steps.step_id = x.step_id
  AND stage_steps.agent IS NULL;

DROP TABLE loop_agents;
