-- attribution/_evidence.py: each run in scope (_ev_scope) that ended bouncing between two agents: a ping_pong
-- finding (detect/sql/pingpong.sql) after whose first step no agent but those two acted. The finding names the
-- agent whose turn first moved nothing (its turn opened the streak: it said the same again after the other's
-- turn); the run stopped in that bounce (a turn budget ran out, a caller gave up), so it is how the run failed.
-- A ping-pong the run got out of (a third agent took the work on) says nothing about the failure: not read.
-- Whatever the run reported: the log's own word on a failure is its error chain (evidence_error.sql, read first),
-- and a turn budget running out is no error of the agent it stopped in. run_id, agent, step_id, seq, detail,
-- quiet (always empty).
SELECT f.run_id, arg_min(f.agent, s.seq) AS agent, arg_min(f.step_id, s.seq) AS step_id, min(s.seq) AS seq,
       arg_min(f.detail, s.seq) AS detail, [] AS quiet
FROM findings f SEMI JOIN _ev_scope USING (run_id)
JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
WHERE f.detector = 'ping_pong' AND f.agent IS NOT NULL AND f.severity IN ('critical', 'warning')
  AND NOT EXISTS (
      SELECT 1 FROM steps w
      WHERE w.run_id = f.run_id AND w.seq > s.seq AND w.agent IS NOT NULL
        AND NOT list_contains(CAST(json_extract(f.attributes, '$.agents') AS VARCHAR[]), w.agent))
GROUP BY f.run_id
