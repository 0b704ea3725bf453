-- A framework rule of the merge, run on each chunk's span tree (finalize_tree.sql, between its tree and its
-- walk: `tree`, `chunk_n`, the stored `steps`), so that a trace split over ingest calls reads the same.
-- Microsoft Agent Framework: an agent's workflow executor (executor.type HandoffAgentExecutor, AgentExecutor …)
-- gets an `executor.process <id>` span for every message delivered to it, and a hand-off workflow delivers
-- the whole conversation to every participant at each turn: the executors not addressed only keep it, their
-- spans have no child. Such a span ran nothing (unless it failed) and acts for no agent (read as its agent's,
-- every delivery was a turn: a planner -> researcher -> writer hand-off read as 11 changes of agent). Only
-- leaf spans whose parent names no agent (the workflow's run span is theirs) are looked up, so the other
-- steps' names and attributes are not read.
-- The driver runs the update as WITH idle_leaves AS (leaves) UPDATE ..., and leaves it out when the tree has
-- no such leaf (counted with the tree's orphans, before their update, which only gives steps with no parent in
-- the tree an agent: it can take a leaf out of these, never add one).

-- [section leaves]
-- Leaf spans acting for an agent under a parent that names none.
SELECT t.* FROM tree t JOIN tree p ON p.node = t.pnode
WHERE t.agent_own IS NOT NULL AND p.agent_own IS NULL
  AND NOT EXISTS (SELECT 1 FROM tree c WHERE c.pnode = t.node);

-- [section update]
UPDATE tree SET agent_own = NULL
FROM (SELECT l.node
      FROM idle_leaves l
      LEFT JOIN chunk_n n ON n.rid = l.rid
      LEFT JOIN steps s ON l.rid IS NULL AND s.run_id = l.run_id AND s.step_id = l.step_id
      WHERE starts_with(coalesce(n.name, s.name), 'executor.process ')
        AND coalesce(n.status, s.status) IS DISTINCT FROM 'error'  -- (one that failed did something: its agent's)
        AND contains(lower(coalesce(json_extract_string(n.attributes, '$."executor.type"'),
                                    json_extract_string(s.attributes, '$."executor.type"'))), 'agent')) h
WHERE tree.node = h.node;
