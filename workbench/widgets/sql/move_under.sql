-- The last move under the scope step $step_id of run $run_id (its step_id and seq; no row when nothing is under
-- it): the move that gave the scope its output, where the timeline draws what points at the scope
-- (plots/sql/timeline.sql carries a finding the same way).
WITH RECURSIVE down(step_id, seq, kind, leaf) AS (
    SELECT c.step_id, c.seq, c.kind,
           NOT EXISTS (SELECT 1 FROM steps g WHERE g.run_id = $run_id AND g.parent_id = c.step_id)
    FROM steps c WHERE c.run_id = $run_id AND c.parent_id = $step_id
    UNION ALL
    SELECT c.step_id, c.seq, c.kind,
           NOT EXISTS (SELECT 1 FROM steps g WHERE g.run_id = $run_id AND g.parent_id = c.step_id)
    FROM down d JOIN steps c ON c.run_id = $run_id AND c.parent_id = d.step_id
)
SELECT step_id, seq FROM down WHERE leaf AND coalesce(kind, 'other') <> 'system' ORDER BY seq DESC LIMIT 1
