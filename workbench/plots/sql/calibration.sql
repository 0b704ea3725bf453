-- Reliability of step confidence: in each confidence bin, the mean confidence and the share of
-- those steps whose run succeeded. Outcomes from store/sql/run_outcomes.sql (spliced in by name):
-- $silent true counts the runs taken as failed (silent failures), as investigate and the tuner do.
SELECT least(floor(s.confidence * $bins), $bins - 1) AS bin,
       avg(s.confidence) AS mean_confidence,
       avg(CASE WHEN r.outcome = 'success' THEN 1.0 ELSE 0.0 END) AS success_rate,
       count(*) AS n
FROM steps s JOIN {run_outcomes} r USING (run_id)
WHERE s.confidence IS NOT NULL AND r.outcome IN ('success', 'failure')
GROUP BY bin
ORDER BY bin
