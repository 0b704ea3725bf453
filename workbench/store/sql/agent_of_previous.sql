-- Staged steps that act for the agent of the step before them (ingest/_step_agents.py lists them in
-- agent_of_previous(run_id, step_id)): each takes the agent of the latest step under the same parent (the
-- same run, staged or stored) that started before it and names one. Runs after staging, before the merge.
UPDATE stage_steps SET agent = r.agent
FROM (
    SELECT m.run_id, m.step_id, arg_max(s.agent, s.start_ns) AS agent
    FROM (SELECT n.run_id, n.step_id, n.parent_id, n.start_ns
          FROM stage_steps n SEMI JOIN agent_of_previous t ON t.run_id = n.run_id AND t.step_id = n.step_id
          WHERE n.agent IS NULL) m
    JOIN (SELECT run_id, step_id, parent_id, start_ns, agent FROM stage_steps
          WHERE run_id IN (SELECT run_id FROM agent_of_previous)
          UNION ALL
          -- and the steps an earlier call stored (a trace split over files read one call each: the turn
          -- before may be in the earlier file), by their own agent; a step given again is the staged copy
          SELECT run_id, step_id, parent_id, epoch_us(started_at) * 1000, agent_own FROM steps o
          WHERE run_id IN (SELECT run_id FROM agent_of_previous)
            AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)) s
      ON s.run_id = m.run_id AND s.parent_id IS NOT DISTINCT FROM m.parent_id AND s.step_id <> m.step_id
     AND s.start_ns <= m.start_ns AND s.agent IS NOT NULL
    GROUP BY m.run_id, m.step_id
) r
WHERE stage_steps.run_id = r.run_id AND stage_steps.step_id = r.step_id AND stage_steps.agent IS NULL;
