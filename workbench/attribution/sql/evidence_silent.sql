-- attribution/_evidence.py: each run in scope (_ev_scope) with a silent_failure finding, its agent being the
-- first stater of the wrong value (detect/sql/silent.sql): run_id, agent, step_id, seq, detail.
SELECT run_id, arg_min(agent, k), arg_min(step_id, k), arg_min(seq, k), arg_min(detail, k)
FROM (  -- a critical finding before a warning, then the earliest step
    SELECT f.run_id, f.agent, f.step_id, s.seq, f.detail,
           [CASE f.severity WHEN 'critical' THEN 0 ELSE 1 END, coalesce(s.seq, 9223372036854775807)] AS k
    FROM findings f SEMI JOIN _ev_scope USING (run_id)
    LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
    WHERE f.detector = 'silent_failure' AND f.agent IS NOT NULL AND f.severity IN ('critical', 'warning'))
GROUP BY run_id
