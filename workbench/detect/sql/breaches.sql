-- Circuit-breaker breaches: chain depth, hand-offs that bring nothing, run latency and step latency
-- over budget.
INSERT INTO det_out
SELECT run_id, arg_max(step_id, depth), arg_max(agent, depth), 'depth_breach', 'critical',
       'span chain ' || max(depth) || ' deep (limit ' || $max_depth || ')',
       json_object('depth', max(depth), 'limit', $max_depth)
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE steps.rowid BETWEEN $row_lo AND $row_hi
GROUP BY run_id
HAVING max(depth) > $max_depth;

-- Hand-offs that bring nothing: more than $max_handoffs hand-offs in a row after which the agent
-- handed the work brought no new tool result (a successful call whose output the run had not seen)
-- and stated no new value (identifier, decimal, number from $silent_min_value, as ping-pong counts
-- them) that neither the task nor any earlier step had stated. A fixed count of hand-offs per run
-- would be a per-system threshold: an orchestrator that hands off twice a round (Magentic-One) makes
-- sixty in a healthy run. Work that keeps bringing results is work, however often it changes hands;
-- the breaker is for delegation that has stopped moving. Only runs with more hand-offs than the
-- limit can have such a stretch, so only theirs are read.
CREATE OR REPLACE TEMP TABLE det_ho_runs AS
SELECT run_id FROM det_turns WHERE prev_agent <> agent GROUP BY run_id HAVING count(*) > $max_handoffs;

-- [section needs_det_ho_runs]
-- (the hand-off statements read only det_ho_runs' runs: none, no finding; skipped then, by the runner)
-- the seq at which the run first stated each value (the task: before its first step) and at which
-- each new tool result came
CREATE OR REPLACE TEMP TABLE det_ho_news AS
WITH said AS (
    SELECT run_id, seq, kind, status, tool, name, output, det_value_tokens(output) AS found
    FROM steps SEMI JOIN det_ho_runs USING (run_id)
    WHERE output IS NOT NULL AND steps.rowid BETWEEN $row_lo AND $row_hi
),
vals AS (
    SELECT run_id, seq, unnest(found) AS v FROM said
    UNION ALL
    SELECT run_id, -1, unnest(det_value_tokens(task)) FROM runs SEMI JOIN det_ho_runs USING (run_id)
),
firsts AS (
    SELECT run_id, min(seq) AS seq FROM vals
    WHERE (ascii(v) >= 65 OR contains(v, '.') OR abs(det_value_num(v)) >= $silent_min_value)
      AND NOT ((contains(v, '-') OR contains(v, '_')) AND regexp_matches(v, $not_value))
    GROUP BY run_id, v
),
results AS (
    SELECT run_id, seq FROM (
        SELECT run_id, seq, status,
               row_number() OVER (PARTITION BY run_id, hash(coalesce(tool, name), output) ORDER BY seq) = 1 AS first_time
        FROM said WHERE kind = 'tool')
    WHERE first_time AND status IS DISTINCT FROM 'error'
)
SELECT DISTINCT run_id, seq FROM (SELECT * FROM firsts WHERE seq >= 0 UNION ALL SELECT * FROM results);

INSERT INTO det_out
WITH turns AS (
    -- (a run's first turn is no hand-off, though det_turns gives it a prev_agent when it has two steps)
    SELECT d.run_id, d.t, d.step_id, d.agent, coalesce(d.prev_agent <> d.agent, false) AS handoff,
           EXISTS (SELECT 1 FROM det_ho_news n WHERE n.run_id = d.run_id AND n.seq >= d.seq
                   AND (d.next_seq IS NULL OR n.seq < d.next_seq)) AS news
    FROM det_turns d SEMI JOIN det_ho_runs USING (run_id)
),
-- stretches of hand-offs that brought nothing: a turn that brought something ends one
idle AS (
    SELECT *, sum(CASE WHEN handoff AND NOT news THEN 0 ELSE 1 END)
                  OVER (PARTITION BY run_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS grp
    FROM turns
),
stretches AS (
    SELECT run_id, grp, count(*) AS n, arg_min(step_id, t) AS first_step, min(t) AS t0,
           list(DISTINCT agent ORDER BY agent) AS agents
    FROM idle WHERE handoff AND NOT news GROUP BY run_id, grp
),
totals AS (
    SELECT run_id, count(*) FILTER (handoff) AS handoffs, count(*) FILTER (handoff AND news) AS productive
    FROM turns GROUP BY run_id
),
worst AS (
    SELECT run_id, arg_max(first_step, [n, -t0]) AS first_step, arg_max(agents, [n, -t0]) AS agents,
           max(n) AS n,
           -- a breaker trips in the first stretch past the limit, which need not be the longest:
           -- tripped_at is the first step of the turn that passed it (the guard, policy/_handoffs.py,
           -- judges a turn when it ends and cuts at the next turn's first step)
           min(t0) FILTER (n > $max_handoffs) AS t_trip
    FROM stretches GROUP BY run_id HAVING max(n) > $max_handoffs
)
SELECT w.run_id, w.first_step, NULL, 'handoff_breach', 'warning',
       w.n || ' hand-offs in a row between ' || array_to_string(w.agents, ', ')
       || ' brought no new tool result or value (limit ' || $max_handoffs || '); the run made '
       || o.handoffs || ' hand-offs, ' || o.productive || ' of them bringing something new',
       json_object('handoffs', w.n, 'limit', $max_handoffs, 'agents', w.agents, 'first_step', w.first_step,
                   'tripped_at', tr.step_id, 'run_handoffs', o.handoffs, 'productive_handoffs', o.productive)
FROM worst w
JOIN totals o USING (run_id)
JOIN det_turns tr ON tr.run_id = w.run_id AND tr.t = w.t_trip + $max_handoffs;

-- [section every]
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
