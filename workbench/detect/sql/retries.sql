-- Retries: the same call (agent, tool, arguments) made again right after it failed. More than
-- $max_retries retries is a retry without end (critical); fewer are reported as warnings.
-- (a retry follows a failed call: the chunk's runs with one, or none and nothing below is planned)
CREATE OR REPLACE TEMP TABLE det_failed_call_runs AS SELECT DISTINCT run_id FROM det_calls WHERE status = 'error';

-- [section needs_det_failed_call_runs]
INSERT INTO det_out
-- the call before is the one numbered k - 1 (a hash join; a window would sort every call)
WITH marked AS (
    SELECT c.* FROM det_calls c
    JOIN det_calls b ON b.run_id = c.run_id AND b.k = c.k - 1
    WHERE c.sig = b.sig AND b.status = 'error'
),
islands AS (
    SELECT *, k - row_number() OVER (PARTITION BY run_id ORDER BY k) AS grp FROM marked
),
chains AS (
    SELECT run_id, grp, min(k) - 1 AS k_first, count(*) AS retries,
           arg_max(status, k) AS final_status, arg_max(error, k) FILTER (WHERE error IS NOT NULL) AS last_error
    FROM islands GROUP BY run_id, grp
)
SELECT ch.run_id, c.step_id, c.agent, 'retry',
       CASE WHEN ch.retries > $max_retries THEN 'critical' ELSE 'warning' END,
       coalesce(c.agent, 'a span outside any agent') || ' retried ' || coalesce(c.tool, 'a tool') || ' ' || ch.retries || ' time(s) after "'
       || det_quote(coalesce(c.error, 'an error'), 80) || '"; the last attempt '
       || CASE WHEN ch.final_status = 'error' THEN 'failed too' ELSE 'succeeded' END,
       json_object('retries', ch.retries, 'recovered', ch.final_status <> 'error', 'first_step', c.step_id)
FROM chains ch JOIN det_calls c ON c.run_id = ch.run_id AND c.k = ch.k_first;
