-- One step signal ($signal picks the column: no SQL text is built from it) binned in DuckDB by run
-- outcome, optionally of one agent and of one system ($system, '' = no system name): the browser receives at most bins × 3 rows whatever the store's size.
-- Runs of unknown outcome only with $all_runs (outcome 'unknown'): a store with no labels still has its
-- signals' distributions to show. Outcomes from store/sql/run_outcomes.sql (spliced in by name): with $silent
-- a run taken as failed (a silent failure) is a failure, as workbench investigate and the sweep count it.
WITH v AS (
    SELECT CASE $signal
               WHEN 'confidence' THEN s.confidence
               WHEN 'entropy' THEN s.entropy
               WHEN 'latency_ms' THEN s.latency_ms
               WHEN 'tokens_in' THEN s.tokens_in
               WHEN 'tokens_out' THEN s.tokens_out
               WHEN 'cost' THEN s.cost
               WHEN 'depth' THEN s.depth
           END::DOUBLE AS x,
           CASE WHEN r.outcome IN ('success', 'failure') THEN r.outcome ELSE 'unknown' END AS outcome
    FROM steps s JOIN {run_outcomes} r USING (run_id)
    -- as the sweep, the review load and the guard read signals: a step enclosing others (a trace's root
    -- span, an agent span) carries none (its latency is its children's)
    ANTI JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
      ON p.run_id = s.run_id AND p.parent_id = s.step_id
    WHERE (r.outcome IN ('success', 'failure') OR $all_runs) AND ($agent IS NULL OR s.agent = $agent)
      AND ($system IS NULL OR coalesce(r.system, '') = $system)
), w AS (SELECT * FROM v WHERE x IS NOT NULL AND isfinite(x)),
-- A far tail is not binned with the rest: one 30 s call among 300 ms ones put every other step in the first
-- bin. The bins end at hi, the largest value within the larger of a wide Tukey fence (q3 + 3 IQR) and the
-- 98th percentile, when the largest value is more than twice as far from the smallest as the fence is; the
-- steps above hi (2 % at most) are counted in one more bin past the last (above = true; top: the largest).
q AS (SELECT min(x) AS lo, max(x) AS top, quantile_cont(x, 0.25) AS q1, quantile_cont(x, 0.75) AS q3,
             quantile_disc(x, 0.98) AS p98 FROM w),
f AS (SELECT *, least(top, greatest(q3 + 3 * (q3 - q1), p98)) AS fence FROM q),
-- the bins end at the largest value inside the fence (not at the fence: no empty bins before the tail's)
r AS (SELECT f.lo, f.top, CASE WHEN f.fence > f.lo AND f.top - f.lo > 2 * (f.fence - f.lo)
                               THEN (SELECT max(x) FROM w WHERE x <= f.fence) ELSE f.top END AS hi
      FROM f),
b AS (SELECT w.outcome, w.x > r.hi AS above, r.lo, r.hi, r.top, greatest(r.hi - r.lo, 1e-12) AS span,
             CASE WHEN w.x > r.hi THEN $bins ELSE least(floor((w.x - r.lo) / greatest(r.hi - r.lo, 1e-12) * $bins), $bins - 1) END AS k
      FROM w, r)
SELECT outcome,
       lo + k * span / $bins AS bin_start,
       lo + (k + 1) * span / $bins AS bin_end,
       count(*) AS n,
       above,
       top
FROM b
GROUP BY ALL
ORDER BY outcome, bin_start
