-- The last move under the scope step $step_id of run $run_id (its step_id and seq; no row when nothing is under
-- it): the move that gave the scope its output, where the timeline draws what points at the scope
-- (plots/sql/timeline.sql carries a finding the same way, over the run's steps read once as here: walked level by
-- level over the steps table, a chain of thousands of nested spans cost a scan and an anti-join per level).
WITH RECURSIVE tree AS MATERIALIZED (
    SELECT s.step_id, s.parent_id, s.seq, s.kind,
           NOT EXISTS (SELECT 1 FROM steps g WHERE g.run_id = $run_id AND g.parent_id = s.step_id) AS leaf
    FROM steps s WHERE s.run_id = $run_id
),
down(step_id, seq, kind, leaf) AS (
    SELECT c.step_id, c.seq, c.kind, c.leaf FROM tree c WHERE c.parent_id = $step_id
    UNION ALL
    SELECT c.step_id, c.seq, c.kind, c.leaf FROM down d JOIN tree c ON c.parent_id = d.step_id
)
SELECT step_id, seq FROM down WHERE leaf AND coalesce(kind, 'other') <> 'system' ORDER BY seq DESC LIMIT 1
