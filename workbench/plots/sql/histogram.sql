-- One step signal ($signal picks the column: no SQL text is built from it) binned in DuckDB by run
-- outcome, optionally of one agent: the browser receives at most bins × 3 rows whatever the store's size.
-- Runs of unknown outcome only with $all_runs (outcome 'unknown'): a store with no labels still has its
-- signals' distributions to show.
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
    FROM steps s JOIN runs r USING (run_id)
    -- as the sweep, the review load and the guard read signals: a step enclosing others (a trace's root
    -- span, an agent span) carries none (its latency is its children's)
    ANTI JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
      ON p.run_id = s.run_id AND p.parent_id = s.step_id
    WHERE (r.outcome IN ('success', 'failure') OR $all_runs) AND ($agent IS NULL OR s.agent = $agent)
), w AS (SELECT * FROM v WHERE x IS NOT NULL AND isfinite(x)),
r AS (SELECT min(x) AS lo, greatest(max(x) - min(x), 1e-12) AS span FROM w)
SELECT outcome,
       r.lo + least(floor((x - r.lo) / r.span * $bins), $bins - 1) * r.span / $bins AS bin_start,
       r.lo + (least(floor((x - r.lo) / r.span * $bins), $bins - 1) + 1) * r.span / $bins AS bin_end,
       count(*) AS n
FROM w, r
GROUP BY ALL
ORDER BY outcome, bin_start
