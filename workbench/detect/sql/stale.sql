-- The runs detected before (marked detected, or holding findings) outside this call's scope whose silent_failure
-- and cascade findings the store's vocabulary may have changed since (_vocab.py): the runs where a contradiction of
-- the backend (values.sql, det_contradictions, read with the vocabulary now) is said by any non-tool step, not only
-- the final answer. The vocabulary only grows, so a run's findings change only where a contradiction appears:
-- these runs are a superset of those, found in one scan of their steps rather than by running the two families
-- again on every run of the store. (A run detected with nothing found is one: its answer's "shipped", no backend's
-- status when it was detected, contradicts its backend's "pending" once another run's backend says "shipped".)
CREATE OR REPLACE TEMP TABLE det_stale AS
WITH done AS (
    SELECT DISTINCT run_id FROM (SELECT run_id FROM detected UNION ALL SELECT run_id FROM findings)
    ANTI JOIN det_scope USING (run_id)
),
pairs AS (
    SELECT run_id, tool, lower(p.k) AS k, p.v AS v
    FROM (SELECT s.run_id, s.kind = 'tool' AS tool,
                 unnest(regexp_extract_all(s.output, '"([A-Za-z0-9_.-]{1,40})"\s*:\s*"([^"]{1,60})"', ['k', 'v'])) AS p
          FROM steps s SEMI JOIN done USING (run_id)
          WHERE s.output LIKE '%":%"%')
)
SELECT DISTINCT a.run_id
FROM pairs a
JOIN pairs b ON b.run_id = a.run_id AND b.tool
 AND (b.k = a.k OR a.k LIKE '%\_' || b.k ESCAPE '\' OR b.k LIKE '%\_' || a.k ESCAPE '\')
WHERE NOT a.tool AND b.v <> a.v
  AND EXISTS (SELECT 1 FROM det_vocab_now w WHERE w.k = b.k AND w.v = a.v)
  AND NOT EXISTS (SELECT 1 FROM pairs x WHERE x.tool AND x.run_id = a.run_id AND x.v = a.v
                  AND (x.k = a.k OR a.k LIKE '%\_' || x.k ESCAPE '\' OR x.k LIKE '%\_' || a.k ESCAPE '\'));
