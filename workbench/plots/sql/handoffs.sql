-- Work passed from one agent's lane to another's in run $run_id. A log that records its hand-offs
-- (Who&When's turns, the native format's handoff edges) gets one arrow per hand-off edge. An
-- OpenTelemetry trace records none as an edge: the hand-off is a span of the agent handing over
-- (openai-agents' "handoff to Billing agent") or a tool call (Strands' handoff_to_agent), and it had no
-- arrow at all. There an arrow goes from a move to the next move when another agent makes it (the
-- timeline's moves, as in timeline.sql).
WITH recorded AS (
    SELECT e.src_step, e.dst_step, a.agent AS src_agent, b.agent AS dst_agent,
           coalesce(a.ended_at, a.started_at) AS t0, b.started_at AS t1, a.seq
    FROM edges e
    JOIN steps a ON a.run_id = e.run_id AND a.step_id = e.src_step
    JOIN steps b ON b.run_id = e.run_id AND b.step_id = e.dst_step
    WHERE e.run_id = $run_id AND e.kind = 'handoff'
      AND a.agent IS NOT NULL AND b.agent IS NOT NULL AND a.agent <> b.agent
),
moves AS (
    SELECT s.step_id, s.seq, s.agent, s.started_at, coalesce(s.ended_at, s.started_at) AS ended_at
    FROM steps s
    WHERE s.run_id = $run_id AND coalesce(s.kind, 'other') <> 'system' AND s.agent IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM steps c WHERE c.run_id = $run_id AND c.parent_id = s.step_id)
      AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.run_id = $run_id AND e.kind = 'handoff')
),
changes AS (
    SELECT lag(step_id) OVER w AS src_step, step_id AS dst_step, lag(agent) OVER w AS src_agent,
           agent AS dst_agent, lag(ended_at) OVER w AS t0, started_at AS t1, lag(seq) OVER w AS seq
    FROM moves
    WINDOW w AS (ORDER BY seq)
)
SELECT src_step, dst_step, src_agent, dst_agent, t0, t1
FROM (SELECT * FROM recorded
      UNION ALL
      SELECT * FROM changes WHERE src_agent <> dst_agent)
ORDER BY t0, seq
LIMIT $max_steps
