-- The systems with runs of known outcome ('' = no system name; outcomes as the sweep counts them, from
-- store/sql/run_outcomes.sql with silent failures failed), ranked for the threshold tuner to open on: first one a
-- threshold can be priced on (a failed and a successful run), then the most runs of known outcome.
SELECT coalesce(system, '') AS system,
       [CASE WHEN bool_or(outcome = 'failure') AND bool_or(outcome = 'success') THEN 0 ELSE 1 END,
        -count(*)] AS rank
FROM (__RUN_OUTCOMES__)
WHERE outcome IN ('success', 'failure')
GROUP BY ALL
