-- A run's totals, as a trace view's header gives them (Phoenix, Langfuse: latency, tokens, cost): from its first
-- step's start to its last step's end, and the tokens and cost of its moves, the steps with nothing under them
-- (a scope span that carries its children's sum would count them twice).
SELECT date_diff('millisecond', min(started_at), max(coalesce(ended_at, started_at))) AS duration_ms,
       sum(tokens_in) FILTER (WHERE move) AS tokens_in,
       sum(tokens_out) FILTER (WHERE move) AS tokens_out,
       sum(cost) FILTER (WHERE move) AS cost
FROM (
    SELECT s.started_at, s.ended_at, s.tokens_in, s.tokens_out, s.cost,
           NOT EXISTS (SELECT 1 FROM steps c WHERE c.run_id = $run_id AND c.parent_id = s.step_id) AS move
    FROM steps s WHERE s.run_id = $run_id
)
