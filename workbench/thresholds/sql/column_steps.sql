-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): $silent true counts the runs taken as failed
-- as failed (as workbench investigate), false the stored outcome only.
-- The steps whose own columns are a signal (confidence, entropy, latency_ms, tokens, cost), as the
-- decision core reads them at the end of a step: a step enclosing others (an agent span, a trace's root
-- span, a scope span: its latency is known only when they are done; policy/sql/backtest_steps.sql's
-- encloses) carries no signal; one enclosing nothing (a Who&When turn) does, whatever its kind. Only runs
-- with a known outcome, or every run when $every_run (a review load: thresholds/_review_load.py).
-- The cheap path for column signals: no window.
SELECT s.run_id, s.seq, s.agent,
       s.latency_ms, s.confidence, s.entropy, s.tokens_in::DOUBLE AS tokens_in,
       s.tokens_out::DOUBLE AS tokens_out, s.cost,
       NULL::DOUBLE AS tool_calls, NULL::DOUBLE AS retries, s.depth::DOUBLE AS depth, NULL::DOUBLE AS handoffs
FROM steps s
JOIN {run_outcomes} r ON r.run_id = s.run_id AND ($every_run OR r.outcome IN ('success', 'failure'))
ANTI JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
  ON p.run_id = s.run_id AND p.parent_id = s.step_id
