-- The drift detector's findings as change points (agent, since, severity, detail, run_id), of the runs of
-- $system only ('' = the runs with no system name; NULL: every run).
SELECT f.agent, try_cast(json_extract_string(f.attributes, '$.since') AS TIMESTAMP) AS since,
       f.severity, f.detail, f.run_id
FROM findings f LEFT JOIN runs r ON r.run_id = f.run_id
WHERE f.detector = 'drift' AND ($system IS NULL OR coalesce(r.system, '') = $system)
ORDER BY f.agent, since
