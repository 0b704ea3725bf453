-- One chunk of the merge (see finalize.sql): the span trees of the runs of chunk getvariable('wb_chunk'),
-- whose staged rows lie between rows getvariable('wb_lo') and getvariable('wb_hi') of stage_n (section chunk),
-- or of every affected run when the call stages fewer steps than a chunk holds (section whole, the driver's
-- choice: finalize.sql's merge_chunks would put all of them in chunk 0, its range all their rows).

-- [section chunk]
CREATE OR REPLACE TEMP TABLE chunk_runs AS
SELECT run_id FROM merge_chunks WHERE chunk = getvariable('wb_chunk');

-- The chunk's staged rows: a range of row ids, so that a scan of stage_n reads only the row groups in it.
CREATE OR REPLACE TEMP VIEW chunk_n AS
SELECT * FROM stage_n WHERE rid BETWEEN getvariable('wb_lo') AND getvariable('wb_hi');

-- The span trees of the chunk's runs: stored steps plus new ones (stage_new is in row id order: the range
-- skips most of it before the join). A call of new runs only (the driver sets wb_new_runs: finalize.sql's
-- new_steps) has no stored step of them, and its affected_steps are the rows its earlier chunks inserted, of other
-- runs (a chunk holds whole runs): read and matched with nothing each chunk, 0.18 -> 0.35 CPU s from the first
-- chunk to the tenth at 5M spans (perf47). The variable is a constant to DuckDB: the branch is planned away.
CREATE OR REPLACE TEMP TABLE tree_rows AS
SELECT s.run_id, s.step_id, s.parent_id, s.agent_own, NULL::BIGINT AS rid
FROM affected_steps s SEMI JOIN chunk_runs a ON a.run_id = s.run_id
WHERE NOT coalesce(getvariable('wb_new_runs'), false)
UNION ALL
SELECT run_id, step_id, parent_id, agent, rid FROM stage_new SEMI JOIN chunk_runs c ON c.run_id = stage_new.run_id
WHERE stage_new.rid BETWEEN getvariable('wb_lo') AND getvariable('wb_hi');

-- [section whole]
-- (chunk_n is read only joined on the row ids of the tree and of stage_completes / stage_fuller_stored, all
-- rows of affected runs: stage_n's other rows, of no run, are never matched)
CREATE OR REPLACE TEMP VIEW chunk_n AS
SELECT * FROM stage_n;

-- The span trees of every affected run (the chunk's runs are all of them: no table of them is made).
CREATE OR REPLACE TEMP TABLE tree_rows AS
SELECT s.run_id, s.step_id, s.parent_id, s.agent_own, NULL::BIGINT AS rid FROM affected_steps s
UNION ALL
SELECT run_id, step_id, parent_id, agent, rid FROM stage_new SEMI JOIN affected a ON a.run_id = stage_new.run_id;

-- [section tree]

-- Each step of the trees numbered (node), with its parent's number (pnode, NULL when the parent is not in
-- the tree): one join on the text ids here, so that the walks below join on integers.
CREATE OR REPLACE TEMP TABLE tree AS
SELECT t.rowid AS node, p.rowid AS pnode, t.*
FROM tree_rows t LEFT JOIN tree_rows p ON p.run_id = t.run_id AND p.step_id = t.parent_id;

DROP TABLE tree_rows;

-- [section orphan_rows]
-- The tree's orphans without an agent: steps whose parent is not in the tree, that name a parent and act for no
-- agent. Not run as such: the driver counts them and gives them to the two sections below as orphan_rows
-- (WITH orphan_rows AS (this) before each of their statements).
SELECT * FROM tree WHERE pnode IS NULL AND parent_id IS NOT NULL AND agent_own IS NULL;

-- [section orphans]
-- (this section and orphan_roots left out when the tree has no orphan without an agent: a step whose parent is
-- not in the tree, that names a parent, and acts for no agent. Both change such steps only, and nothing
-- between them makes one: the driver counts them first)
-- OpenLLMetry (Traceloop) before 0.4x: a @tool that raises never ends its span and leaves its context current,
-- so the failed span is not exported and the spans after it name it as their parent (orphans). Each span
-- still names the @agent / @workflow it runs in as traceloop.workflow.name: an orphan acts for the agent of
-- that name when a step of its run is that agent (0.4x names the top @workflow there, no agent: no change).
-- Only the orphans' attributes are read (staged by row id, stored by key), not every step's.
UPDATE tree SET agent_own = h.agent
FROM (SELECT o.node, any_value(a.agent_own) AS agent
      FROM (SELECT t.node, t.run_id,
                   coalesce(json_extract_string(n.attributes, '$."traceloop.workflow.name"'),
                            json_extract_string(s.attributes, '$."traceloop.workflow.name"')) AS workflow
            FROM orphan_rows t
            LEFT JOIN chunk_n n ON n.rid = t.rid
            LEFT JOIN steps s ON t.rid IS NULL AND s.run_id = t.run_id AND s.step_id = t.step_id) o
      JOIN tree a ON a.run_id = o.run_id AND a.agent_own = o.workflow
      GROUP BY o.node HAVING count(DISTINCT a.agent_own) = 1) h
WHERE tree.node = h.node;

-- (here the driver runs the frameworks' rules on who acts for a step of the tree: tree_idle_executors.sql)
-- [section orphan_roots]

-- A step whose parent the source names but never gave (an exporter left that span out: any-agent's dump
-- of a Google ADK run holds its LLM and tool spans, not ADK's spans between them and the agent's) is
-- acted for by its run's agent when the run's true roots name exactly one; otherwise it stays nobody's.
-- Here in the walk's tree only (the stored agent_own stays what the source said), so a later call that
-- brings the missing parent gives the step its parent's agent instead.
UPDATE tree SET agent_own = r.agent
FROM (SELECT run_id, min(agent_own) AS agent FROM tree
      WHERE pnode IS NULL AND parent_id IS NULL AND agent_own IS NOT NULL
        AND run_id IN (SELECT run_id FROM orphan_rows)
      GROUP BY run_id HAVING count(DISTINCT agent_own) = 1) r
WHERE tree.run_id = r.run_id AND tree.node IN (SELECT node FROM orphan_rows);

-- [section walk]
-- Runs that had steps in the store before this call. The steps of the others are all new: they get their
-- order as they are inserted, and only these runs are renumbered after the insert.
CREATE OR REPLACE TEMP TABLE stored_runs AS
SELECT DISTINCT run_id FROM tree WHERE rid IS NULL;

-- Agent (own, else its parent's) and depth of every step reached by walking down from the roots (steps
-- whose parent is not in the tree): one row per step, so the walk costs the steps, not steps times depth.
-- Not bounded: each step has one parent, so a walk down from the roots never comes back to a step (a step
-- on a parent cycle, or under one, is never reached) and ends after the deepest chain's length. (It was
-- bounded at 512: the steps of a longer chain, as linked traces calling one another make, got depth 512 or
-- less and no agent from above, silently.) rid is that of a new step, NULL for a stored one.
CREATE OR REPLACE TEMP TABLE down AS
WITH RECURSIVE d(node, rid, agent, depth) AS (
    SELECT node, rid, agent_own, 0 FROM tree WHERE pnode IS NULL
    UNION ALL
    SELECT c.node, c.rid, coalesce(c.agent_own, d.agent), d.depth + 1
    FROM d JOIN tree c ON c.pnode = d.node
)
SELECT * FROM d;

