-- The store's side of a model call's two spans split over two ingest calls (same_call_llm.sql found them while
-- staging, reading the store only): written inside the merge's transaction, before the merge, so that a
-- failed ingest leaves the store as it was and the merge then walks the run as one call would have stored it.

-- A stored parent whose child came now takes what the child adds (same_call_folded); the child's staged row is
-- a copy of it, which the merge counts as its repeat.
UPDATE steps SET input = f.input, output = f.output, cost = f.cost, confidence = f.confidence, entropy = f.entropy,
                 status = f.status, error = f.error, attributes = f.attributes
FROM same_call_folded f
WHERE steps.run_id = f.run_id AND steps.step_id = f.step_id;

-- A stored child whose parent came now is the parent's step (the staged parent took what it gave): its row goes.
DELETE FROM steps
WHERE EXISTS (SELECT 1 FROM same_call_down x WHERE x.run_id = steps.run_id AND x.child = steps.step_id);

-- What pointed at a child's span points at the step that holds it now: its children, the edges, the labels
-- naming it. (An edge that would repeat another one, or join the step to itself, goes.)
CREATE OR REPLACE TEMP TABLE same_call_moved AS
SELECT run_id, parent, child FROM same_call_down UNION SELECT run_id, parent, child FROM same_call_up;

UPDATE steps SET parent_id = x.parent
FROM same_call_moved x WHERE steps.run_id = x.run_id AND steps.parent_id = x.child;

CREATE OR REPLACE TEMP TABLE same_call_edges AS
SELECT e.run_id, e.src_step, e.dst_step, e.kind,
       coalesce(s.parent, e.src_step) AS new_src, coalesce(d.parent, e.dst_step) AS new_dst
FROM edges e
LEFT JOIN same_call_moved s ON s.run_id = e.run_id AND s.child = e.src_step
LEFT JOIN same_call_moved d ON d.run_id = e.run_id AND d.child = e.dst_step
WHERE s.child IS NOT NULL OR d.child IS NOT NULL;

DELETE FROM edges
WHERE EXISTS (SELECT 1 FROM same_call_edges x WHERE x.run_id = edges.run_id AND x.src_step = edges.src_step
                AND x.dst_step = edges.dst_step AND x.kind = edges.kind);

INSERT INTO edges
SELECT DISTINCT run_id, new_src, new_dst, kind FROM same_call_edges x
WHERE new_src <> new_dst
  AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.run_id = x.run_id AND e.src_step = x.new_src
                    AND e.dst_step = x.new_dst AND e.kind = x.kind);

UPDATE labels SET step_id = x.parent
FROM same_call_moved x WHERE labels.run_id = x.run_id AND labels.step_id = x.child;

-- What was found or computed about a run one of whose steps went counted the call twice (a loop of model calls,
-- the tokens, the steps' Shapley players): it goes with it, as for a run moved into another (join_linked_stored.sql).
-- Detect and attribute the run again. (A stored parent that took its child keeps its run's findings: no step
-- went, as when any stored run grows by a later call.)
DELETE FROM findings WHERE run_id IN (SELECT run_id FROM same_call_down);

DELETE FROM attributions WHERE run_id IN (SELECT run_id FROM same_call_down);
