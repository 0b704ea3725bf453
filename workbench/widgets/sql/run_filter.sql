-- The runs an explorer's filters keep. Only the clauses of the filters that are set are used (so an
-- unset detector filter costs no join); every value is a bound parameter.
SELECT run_id, system, started_at, outcome, reported_outcome, n_steps, task
FROM runs
WHERE true
--outcome:  AND outcome = $outcome
--system:   AND system = $system
--since:    AND started_at >= $since
--until:    AND started_at < $until
--detector: AND run_id IN (SELECT run_id FROM findings WHERE detector = $detector AND severity <> 'info')
--culprit:  AND run_id IN (SELECT run_id FROM attributions WHERE unit = 'verdict' AND target = $culprit)
