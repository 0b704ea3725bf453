-- Runs flagged per detector, each run once, under the worst severity it has there (a cascade run has a
-- critical origin and info findings on the steps built on it: counted under both, the stacked bar said
-- 656 runs flagged of 328), and the findings of those runs.
WITH per_run AS (
    SELECT detector, run_id, count(*) AS findings,
           arg_min(severity, CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1
                                           WHEN 'info' THEN 2 ELSE 3 END) AS severity
    FROM findings
    GROUP BY detector, run_id
)
SELECT detector, severity, sum(findings)::BIGINT AS findings, count(*) AS runs
FROM per_run
GROUP BY ALL
ORDER BY runs DESC, detector, severity
