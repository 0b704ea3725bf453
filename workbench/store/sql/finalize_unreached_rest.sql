-- The rest of finalize_unreached.sql, once jump holds each unreached step's ancestor on its cycle.
CREATE OR REPLACE TEMP TABLE on_cycle AS
SELECT DISTINCT anc AS node FROM jump;

-- A new step on a parent cycle is quarantined.
INSERT INTO stage_bad
SELECT t.rid, 'parent cycle: step ' || t.step_id || ' is its own ancestor in run ' || t.run_id
FROM unreached t SEMI JOIN on_cycle c ON c.node = t.node
WHERE t.rid IS NOT NULL;

-- The steps rejected as on a cycle leave the tree (only unreached steps can have been rejected since
-- stage_new was made). Every cycle has a new step (stored steps were checked when they came), so no cycle
-- is left: what stays unreached hangs under a cut step.
CREATE OR REPLACE TEMP TABLE cut AS
SELECT node FROM unreached WHERE rid IN (SELECT rid FROM stage_bad);

DELETE FROM tree WHERE node IN (SELECT node FROM cut);

DELETE FROM unreached WHERE node IN (SELECT node FROM cut);

-- Agent (own, else its parent's) and depth of the unreached steps left, walked down from those whose parent
-- was cut (depth 0), as finalize_tree.sql walks from the roots: one row per step, not bounded. rid is that of
-- a new step, NULL for a stored one. (A stored cycle, which an older version could let in, is never reached
-- by the walk: its steps keep their own agent, depth 0.)
CREATE OR REPLACE TEMP TABLE unreached_resolved AS
WITH RECURSIVE d(node, agent, depth) AS (
    SELECT node, agent_own, 0 FROM unreached u WHERE NOT EXISTS (SELECT 1 FROM unreached p WHERE p.node = u.pnode)
    UNION ALL
    SELECT c.node, coalesce(c.agent_own, d.agent), d.depth + 1
    FROM d JOIN unreached c ON c.pnode = d.node
)
SELECT u.run_id, u.step_id, u.rid, coalesce(d.agent, u.agent_own) AS agent, coalesce(d.depth, 0) AS depth
FROM unreached u LEFT JOIN d ON d.node = u.node;
