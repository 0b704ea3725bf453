-- The systems of the runs with a start time ('' = no system name), ranked for a drift view to open on: the most
-- such runs first.
SELECT coalesce(system, '') AS system, -count(*) AS rank
FROM runs WHERE started_at IS NOT NULL
GROUP BY ALL
