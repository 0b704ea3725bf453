-- bench/_span_ranker46.py: where each step sits in its run's span tree, for the runs in the temp table
-- _sr_scope (store/_run_scope.py): its depth below the run's shallowest non-root step, its place among its
-- siblings (the steps of the same parent, in the run's order), whether its parent (the scope span it belongs to:
-- an agent's step, a chain) ended in error, its parent's place among the parent's own siblings, and whether a
-- sibling after it failed (a model call whose tool call then failed). Meanings any span tree has; no name read.
WITH s AS (
    SELECT s.run_id, s.step_id, s.parent_id, s.depth, s.status,
           row_number() OVER (PARTITION BY s.run_id ORDER BY s.seq NULLS LAST, s.order_hint NULLS LAST, s.step_id) AS ord
    FROM steps s SEMI JOIN _sr_scope c ON c.run_id = s.run_id),
sib AS (
    SELECT s.*, row_number() OVER w - 1 AS sib_idx, count(*) OVER (PARTITION BY run_id, parent_id) AS sib_n,
           max((status = 'error')::INT) OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS later_sib_error,
           min(depth) FILTER (parent_id IS NOT NULL) OVER (PARTITION BY run_id) AS top_depth
    FROM s WINDOW w AS (PARTITION BY run_id, parent_id ORDER BY ord))
SELECT c.run_id, c.step_id,
       c.depth - c.top_depth AS tree_depth,
       c.sib_idx, c.sib_n, c.sib_idx / greatest(c.sib_n - 1, 1) AS sib_rel,
       c.sib_idx = 0 AS sib_first, c.sib_idx = c.sib_n - 1 AS sib_last,
       coalesce(c.later_sib_error, 0) AS later_sib_error,
       coalesce(p.status = 'error', false) AS parent_error,
       p.sib_idx / greatest(p.sib_n - 1, 1) AS parent_rel
FROM sib c LEFT JOIN sib p ON p.run_id = c.run_id AND p.step_id = c.parent_id
