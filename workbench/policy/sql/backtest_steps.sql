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
SELECT s.run_id, s.step_id, s.seq, s.agent, s.kind,
       CASE WHEN s.kind = 'tool' THEN coalesce(s.tool, s.name) ELSE s.tool END AS tool,
       CASE WHEN s.kind = 'tool' THEN s.input END AS args,
       s.depth, epoch(s.started_at) AS t0, epoch(s.ended_at) AS t1, s.latency_ms, s.status,
       s.confidence, s.entropy, s.tokens_in, s.tokens_out, s.cost,
       s.output, p.parent_id IS NOT NULL AS encloses
FROM steps s
JOIN {run_outcomes} r ON r.run_id = s.run_id AND ($every_run OR r.outcome IN ('success', 'failure'))
LEFT JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
       ON p.run_id = s.run_id AND p.parent_id = s.step_id
WHERE NOT $scoped OR s.run_id IN (SELECT run_id FROM _bt_scope)
ORDER BY s.run_id, s.seq
