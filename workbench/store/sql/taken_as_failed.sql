-- Runs taken as failed (workbench/_failed.py says why): not known to have failed, no label saying how
-- they ended, and a critical silent_failure finding; with the worst finding's detail (the earliest
-- step's) as the reason. A label's outcome is the user's word and wins.
SELECT r.run_id,
       -- (a finding without a detail, from an export or a user's hand, still says why: NULL reads as a failure
       -- known from the run's outcome to investigate and as "not taken" to ws.runs(silent=True))
       arg_min(coalesce(f.detail, 'a critical silent_failure finding'),
               [coalesce(s.seq, 9223372036854775807), hash(f.detail)]) AS why
FROM runs r
JOIN findings f ON f.run_id = r.run_id AND f.detector = 'silent_failure' AND f.severity = 'critical'
LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
WHERE r.outcome IS DISTINCT FROM 'failure' AND r.outcome_source IS DISTINCT FROM 'label'
GROUP BY r.run_id
