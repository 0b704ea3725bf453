-- The runs an explorer's filters keep. Only the clauses of the filters that are set are used (so an
-- unset detector filter costs no join); every value is a bound parameter.
-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): with $silent a run taken as failed (a
-- silent failure) is a 'failure' with taken_why saying why, as workbench investigate counts it; without,
-- the stored (labelled/declared) outcome.
SELECT run_id, system, started_at, outcome, reported_outcome, n_steps, task, taken_why
FROM {run_outcomes}
WHERE true
--outcome:  AND outcome = $outcome
--system:   AND system = $system
--since:    AND started_at >= $since
--until:    AND started_at < $until
--detector: AND run_id IN (SELECT run_id FROM findings WHERE detector = $detector AND severity <> 'info')
--culprit:  AND run_id IN (SELECT run_id FROM attributions WHERE unit = 'verdict' AND target = $culprit)
