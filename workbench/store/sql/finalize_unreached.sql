-- Part of the merge (see finalize.sql), run only when the walk down did not reach every step of the tree:
-- finds the steps on parent cycles and gives the others their agent and depth from their ancestors.

-- The steps the walk down did not reach (most inputs have none): on a parent cycle, or under one.
CREATE OR REPLACE TEMP TABLE unreached AS
SELECT t.* FROM tree t ANTI JOIN down d ON d.node = t.node;

-- Every (unreached step, ancestor id, distance). Bounded so that a cycle cannot run forever (a step more
-- than 512 below a cycle gets depth 512 and no agent from above the cycle: it has no depth from a root).
CREATE OR REPLACE TEMP TABLE ancestry AS
WITH RECURSIVE walk(run_id, step_id, anc, dist) AS (
    SELECT run_id, step_id, parent_id, 1 FROM unreached WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT w.run_id, w.step_id, t.parent_id, w.dist + 1
    FROM walk w JOIN tree t ON t.run_id = w.run_id AND t.step_id = w.anc
    WHERE t.parent_id IS NOT NULL AND w.anc <> w.step_id AND w.dist < 512
)
SELECT * FROM walk;

-- A new step that is its own ancestor sits on a parent cycle.
INSERT INTO stage_bad
SELECT DISTINCT t.rid, 'parent cycle: step ' || t.step_id || ' is its own ancestor in run ' || t.run_id
FROM unreached t JOIN ancestry w ON w.run_id = t.run_id AND w.step_id = t.step_id AND w.anc = t.step_id
WHERE t.rid IS NOT NULL;

-- The steps rejected as on a cycle leave the tree (only unreached steps can have been rejected since
-- stage_new was made).
CREATE OR REPLACE TEMP TABLE cut AS
SELECT node FROM unreached WHERE rid IN (SELECT rid FROM stage_bad);

DELETE FROM tree WHERE node IN (SELECT node FROM cut);

DELETE FROM unreached WHERE node IN (SELECT node FROM cut);

-- Agent (own, else nearest ancestor's) and depth of the unreached steps, from their ancestors still in
-- the tree. rid is that of a new step, NULL for a stored one.
CREATE OR REPLACE TEMP TABLE unreached_resolved AS
SELECT t.run_id, t.step_id, any_value(t.rid) AS rid,
       coalesce(any_value(t.agent_own),
                arg_min(a.agent_own, w.dist) FILTER (WHERE a.agent_own IS NOT NULL)) AS agent,
       coalesce(max(w.dist) FILTER (WHERE a.step_id IS NOT NULL), 0) AS depth
FROM unreached t
LEFT JOIN ancestry w ON w.run_id = t.run_id AND w.step_id = t.step_id
LEFT JOIN tree a ON a.run_id = w.run_id AND a.step_id = w.anc
GROUP BY t.run_id, t.step_id;

