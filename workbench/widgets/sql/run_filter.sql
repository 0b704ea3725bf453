-- The runs an explorer's filters keep. Every filter is a bound parameter; NULL means "any".
-- $detector keeps runs with a warning or critical finding of that detector; $culprit runs whose
-- stored verdict (any method) names that agent.
SELECT run_id, system, started_at, outcome, reported_outcome, n_steps, task
FROM runs
WHERE ($outcome IS NULL OR outcome = $outcome)
  AND ($system IS NULL OR system = $system)
  AND ($since IS NULL OR started_at >= $since)
  AND ($until IS NULL OR started_at < $until)
  AND ($detector IS NULL OR run_id IN (
        SELECT run_id FROM findings WHERE detector = $detector AND severity <> 'info'))
  AND ($culprit IS NULL OR run_id IN (
        SELECT run_id FROM attributions WHERE unit = 'verdict' AND target = $culprit))
