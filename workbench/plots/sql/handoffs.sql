-- Work passed from one agent's lane to another's in run $run_id: one arrow per hand-off edge.
SELECT e.src_step, e.dst_step, a.agent AS src_agent, b.agent AS dst_agent,
       coalesce(a.ended_at, a.started_at) AS t0, b.started_at AS t1
FROM edges e
JOIN steps a ON a.run_id = e.run_id AND a.step_id = e.src_step
JOIN steps b ON b.run_id = e.run_id AND b.step_id = e.dst_step
WHERE e.run_id = $run_id AND e.kind = 'handoff'
  AND a.agent IS NOT NULL AND b.agent IS NOT NULL AND a.agent <> b.agent
ORDER BY t0
LIMIT $max_steps
