-- The run an explorer opens on, among the runs its filters keep (run_filter.sql): the most recent failed run (a run
-- taken as failed counted so, as the list counts it); with none, the run whose worst finding is the most serious
-- (_worst.py's WORST_FIRST, its tier first), at one tier a run of unknown outcome before a success,
-- then the run with more findings that are not info, then the newer; with no finding either, the newest run.
-- One row: run_id, why it was chosen ('failed', 'finding' or 'newest'), taken_why, and the worst finding's
-- detector, severity and step ('finding' only). The findings are read only when no kept run failed.
WITH kept AS (__FILTER__),
failed AS (
    SELECT run_id, 'failed' AS why, taken_why, NULL AS detector, NULL AS severity, NULL AS step_id, 0 AS rank
    FROM kept WHERE outcome = 'failure' ORDER BY started_at DESC NULLS LAST, run_id LIMIT 1
),
worst AS (
    SELECT f.run_id, min(__WORST_FIRST__) AS w, arg_min(f.severity, __WORST_FIRST__) AS severity,
           count(*) FILTER (WHERE f.severity <> 'info') AS serious
    FROM findings f LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
    WHERE NOT EXISTS (SELECT 1 FROM failed) AND f.run_id IN (SELECT run_id FROM kept)
    GROUP BY f.run_id
),
flagged AS (
    SELECT k.run_id, 'finding' AS why, k.taken_why, w.w.detector AS detector, w.severity,
           nullif(w.w.step, '') AS step_id, 1 AS rank
    FROM kept k JOIN worst w USING (run_id)
    ORDER BY w.w.tier, k.outcome = 'success', w.serious DESC, k.started_at DESC NULLS LAST, k.run_id LIMIT 1
),
newest AS (
    SELECT run_id, 'newest' AS why, taken_why, NULL AS detector, NULL AS severity, NULL AS step_id, 2 AS rank
    FROM kept ORDER BY started_at DESC NULLS LAST, run_id LIMIT 1
)
SELECT run_id, why, taken_why, detector, severity, step_id FROM (
    SELECT * FROM failed UNION ALL SELECT * FROM flagged UNION ALL SELECT * FROM newest
) ORDER BY rank LIMIT 1
