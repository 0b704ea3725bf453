-- Findings per detector and severity, with how many distinct runs they touch.
SELECT detector, severity, count(*) AS findings, count(DISTINCT run_id) AS runs
FROM findings
GROUP BY ALL
ORDER BY runs DESC, detector, severity
