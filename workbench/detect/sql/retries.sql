-- Retries: the same call (agent, tool, arguments) made again right after it failed. More than
-- $max_retries retries is a retry without end (critical); fewer are reported as warnings.
INSERT INTO det_out
WITH marked AS (
    SELECT *, sig = lag(sig) OVER w AND lag(status) OVER w = 'error' AS is_retry
    FROM det_calls WINDOW w AS (PARTITION BY run_id ORDER BY k)
),
islands AS (
    SELECT *, k - row_number() OVER (PARTITION BY run_id ORDER BY k) AS grp FROM marked WHERE is_retry
),
chains AS (
    SELECT run_id, grp, min(k) - 1 AS k_first, count(*) AS retries,
           arg_max(status, k) AS final_status, arg_max(error, k) FILTER (WHERE error IS NOT NULL) AS last_error
    FROM islands GROUP BY run_id, grp
)
SELECT ch.run_id, c.step_id, c.agent, 'retry',
       CASE WHEN ch.retries > $max_retries THEN 'critical' ELSE 'warning' END,
       c.agent || ' retried ' || c.tool || ' ' || ch.retries || ' time(s) after "'
       || left(coalesce(c.error, 'an error'), 80) || '"; the last attempt '
       || CASE WHEN ch.final_status = 'error' THEN 'failed too' ELSE 'succeeded' END,
       json_object('retries', ch.retries, 'recovered', ch.final_status <> 'error', 'first_step', c.step_id)
FROM chains ch JOIN det_calls c ON c.run_id = ch.run_id AND c.k = ch.k_first;
