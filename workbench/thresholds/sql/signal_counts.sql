-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): $silent true counts the runs taken as failed
-- as failed (as workbench investigate), false the stored outcome only.
-- What available_signals counts: the steps that can carry a column signal (column_steps.sql's rule: a
-- step enclosing others carries none, one enclosing nothing does), in every run, and whether the run's
-- outcome is known: a sweep reads only those (it prices a threshold by the failures it catches).
SELECT coalesce(r.outcome IN ('success', 'failure'), false) AS known,
       s.latency_ms, s.confidence, s.entropy, s.tokens_in, s.tokens_out, s.cost, s.depth,
       NULL::DOUBLE AS tool_calls, NULL::DOUBLE AS retries, NULL::DOUBLE AS handoffs
FROM steps s
LEFT JOIN {run_outcomes} r ON r.run_id = s.run_id
ANTI JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
  ON p.run_id = s.run_id AND p.parent_id = s.step_id
