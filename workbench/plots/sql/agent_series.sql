-- Per agent and time bucket: the mean of each behaviour the drift detector tests, over the runs
-- started in the bucket ($buckets equal-width buckets between the first and the last run, numbered from 0:
-- a chart breaks an agent's line where its buckets are not consecutive). failure_rate reads
-- store/sql/run_outcomes.sql (spliced in by name): with $silent a silent failure counts as failed. $system: the
-- runs of that system only ('' = no system name), NULL: every run.
WITH per_run AS (
    SELECT s.run_id, s.agent, min(r.started_at) AS t,
           count(*) FILTER (WHERE s.kind = 'tool') AS tool_calls,
           sum(s.latency_ms) FILTER (WHERE s.kind IN ('llm', 'tool')) AS latency_ms,
           avg(CASE WHEN s.status = 'error' THEN 1.0 ELSE 0.0 END) AS error_rate,
           avg(s.confidence) AS confidence,
           avg(s.entropy) AS entropy,
           any_value(CASE WHEN r.outcome = 'failure' THEN 1.0 WHEN r.outcome = 'success' THEN 0.0 END) AS failure_rate
    FROM steps s JOIN {run_outcomes} r ON r.run_id = s.run_id
    WHERE s.agent IS NOT NULL AND r.started_at IS NOT NULL
      -- one system's runs ($system NULL: all): a "writer" of three systems drew as one agent's line
      AND ($system IS NULL OR coalesce(r.system, '') = $system)
    GROUP BY s.run_id, s.agent
), span AS (
    SELECT min(t) AS lo, greatest(epoch(max(t)) - epoch(min(t)), 1e-6) AS width FROM per_run
), bucketed AS (
    SELECT p.*, least(floor((epoch(p.t) - epoch(span.lo)) / span.width * $buckets), $buckets - 1) AS b,
           span.lo, span.width
    FROM per_run p, span
)
SELECT agent, b AS bucket,
       to_timestamp(epoch(any_value(lo)) + (b + 0.5) * any_value(width) / $buckets)::TIMESTAMP AS t,
       count(*) AS runs,
       avg(tool_calls) AS tool_calls, avg(latency_ms) AS latency_ms, avg(error_rate) AS error_rate,
       avg(confidence) AS confidence, avg(entropy) AS entropy, avg(failure_rate) AS failure_rate
FROM bucketed
GROUP BY agent, b
ORDER BY agent, t
