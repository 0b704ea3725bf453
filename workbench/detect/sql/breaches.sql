-- Circuit-breaker breaches: chain depth, hand-offs, run latency and step latency over budget.
INSERT INTO det_out
SELECT run_id, arg_max(step_id, depth), arg_max(agent, depth), 'depth_breach', 'critical',
       'span chain ' || max(depth) || ' deep (limit ' || $max_depth || ')',
       json_object('depth', max(depth), 'limit', $max_depth)
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE steps.rowid BETWEEN $row_lo AND $row_hi
GROUP BY run_id
HAVING max(depth) > $max_depth;

INSERT INTO det_out
SELECT run_id, arg_min(step_id, seq), NULL, 'handoff_breach', 'warning',
       count(*) || ' hand-offs between agents (limit ' || $max_handoffs || ')',
       json_object('handoffs', count(*), 'limit', $max_handoffs)
FROM det_turns
WHERE prev_agent IS NOT NULL
GROUP BY run_id
HAVING count(*) > $max_handoffs;

INSERT INTO det_out
SELECT r.run_id, NULL, NULL, 'latency_breach', 'critical',
       'run took ' || round(epoch_ms(r.ended_at) - epoch_ms(r.started_at)) || ' ms (limit '
       || $max_run_latency_ms || ' ms)',
       json_object('latency_ms', epoch_ms(r.ended_at) - epoch_ms(r.started_at), 'limit', $max_run_latency_ms,
                   'scope', 'run')
FROM runs r SEMI JOIN det_scope USING (run_id)
WHERE epoch_ms(r.ended_at) - epoch_ms(r.started_at) > $max_run_latency_ms;

-- Only leaf work (LLM and tool calls): an agent span is as slow as everything inside it.
INSERT INTO det_out
SELECT run_id, step_id, agent, 'latency_breach', 'warning',
       coalesce(agent, '?') || ' ' || kind || ' ' || coalesce(tool, name, '') || ' took '
       || round(latency_ms) || ' ms (limit ' || $max_step_latency_ms || ' ms)',
       json_object('latency_ms', latency_ms, 'limit', $max_step_latency_ms, 'scope', 'step')
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE kind IN ('llm', 'tool') AND latency_ms > $max_step_latency_ms AND steps.rowid BETWEEN $row_lo AND $row_hi;
