-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): $silent true counts the runs taken as failed
-- as failed (as workbench investigate), false the stored outcome only.
-- The steps a backtest replays through the decision core, run by run in seq order. Runs with a
-- known outcome (or all, see $every_run); arguments only for tool calls (the only steps whose arguments the core
-- reads); every step's output (the ping-pong and repeated-reply rules read those of tool calls and
-- replies, the hand-off breaker the values any step states).
-- $scoped: true when only the runs in the temp table _bt_scope are wanted.
-- $every_run: true for runs of unknown outcome too (limits measured on a store without outcome labels).
-- A tool call's tool is its name when the log gives no tool, as the detectors read it (calls.sql).
-- encloses: the step has steps under it (an agent span, a trace's root span, a framework's scope span): its
-- latency is known only when they are done, after steps that come later in seq order, so it carries no
-- signal; an agent or system step without any (a Who&When turn) is a move of its own.
-- t0, t1: when a live guard hears the step begin and end, no earlier than the step it is under begins (a live
-- system starts a span under one begun; autogen-core's create_agent span, made before its team runs, is stored
-- under its agent's first turn, ingest/_links.py: heard when that turn begins, as the span guard joins it there,
-- _guard_span_created.py, its creation's time not the run's clock); its latency is its own.
SELECT s.run_id, s.step_id, s.seq, s.agent, s.kind,
       CASE WHEN s.kind = 'tool' THEN coalesce(s.tool, s.name) ELSE s.tool END AS tool,
       CASE WHEN s.kind = 'tool' THEN s.input END AS args,
       s.depth,
       epoch(CASE WHEN u.started_at > s.started_at THEN u.started_at ELSE s.started_at END) AS t0,
       epoch(CASE WHEN u.started_at > s.ended_at THEN u.started_at ELSE s.ended_at END) AS t1,
       s.latency_ms, s.status,
       s.confidence, s.entropy, s.tokens_in, s.tokens_out, s.cost,
       s.output, p.parent_id IS NOT NULL AS encloses
FROM steps s
JOIN {run_outcomes} r ON r.run_id = s.run_id AND ($every_run OR r.outcome IN ('success', 'failure'))
LEFT JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
       ON p.run_id = s.run_id AND p.parent_id = s.step_id
LEFT JOIN steps u ON u.run_id = s.run_id AND u.step_id = s.parent_id
WHERE NOT $scoped OR s.run_id IN (SELECT run_id FROM _bt_scope)
ORDER BY s.run_id, s.seq
