-- The filtered runs in list order with their position, detector hits and stored culprit: built once
-- per filter change, so that a page is a range scan on pos.
WITH f AS (__FILTER__),
hits AS (
    SELECT run_id, count(*) AS hits, string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
    FROM findings WHERE severity <> 'info' GROUP BY run_id
), verdicts AS (
    SELECT run_id, arg_max(nullif(target, ''), created_at) AS culprit
    FROM attributions WHERE unit = 'verdict' GROUP BY run_id
)
SELECT (row_number() OVER (ORDER BY f.started_at DESC NULLS LAST, f.run_id) - 1) AS pos,
       f.run_id, f.system, f.started_at, f.outcome, f.reported_outcome, f.n_steps, f.task,
       coalesce(h.hits, 0) AS hits, coalesce(h.detectors, '') AS detectors, v.culprit
FROM f LEFT JOIN hits h USING (run_id) LEFT JOIN verdicts v USING (run_id)
ORDER BY pos
