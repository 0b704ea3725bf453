-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): $silent true counts the runs taken as failed
-- as failed (as workbench investigate), false the stored outcome only.
-- Runs with a known outcome, whether they failed, and the seq of their decisive step (the earliest
-- labelled culprit step; NULL when no step is labelled: a failure then counts as caught anywhere).
SELECT r.run_id, r.outcome = 'failure' AS failed, min(s.seq) AS decisive_seq
FROM {run_outcomes} r
LEFT JOIN labels l ON l.run_id = r.run_id AND l.step_id IS NOT NULL
LEFT JOIN steps s ON s.run_id = l.run_id AND s.step_id = l.step_id
WHERE r.outcome IN ('success', 'failure')
GROUP BY r.run_id, r.outcome
