-- The newest replay attribution of one run over agents (Shapley or ablation) and its verdict row.
-- A run with no agent in its log (a bare LLM call) has a verdict and a decisive step but no agent rows:
-- it is taken when no attribution with agent rows exists.
WITH latest AS (
    SELECT method FROM attributions
    WHERE run_id = $1 AND unit IN ('agent', 'verdict') AND (method LIKE 'shapley%' OR method = 'ablation')
    GROUP BY method
    -- (one stored since created_at is UTC, its params say, over one of an older release: store/sql/verdict_rank.sql)
    ORDER BY bool_or(unit = 'agent') DESC, bool_or(params->>'created_at_utc' = 'true') DESC, max(created_at) DESC LIMIT 1
)
SELECT a.unit, a.target AS player, a.value AS blame, coalesce(a.ci_low, a.value) AS blame_low,
       coalesce(a.ci_high, a.value) AS blame_high, a.method, a.params::VARCHAR AS params
FROM attributions a JOIN latest USING (method)
WHERE a.run_id = $1 AND a.unit IN ('agent', 'verdict')
ORDER BY a.unit, a.value DESC
