-- AG2 _Group_Tool_Executor turns an earlier call stored before the turn they act for arrived (a trace split
-- over files read one call each, the later spans first): each takes, in the merge's transaction, the agent
-- of the latest step under the same parent that started before it and names one (staged now or stored),
-- as agent_of_previous.sql gives a staged one; the walk down the tree (finalize_tree.sql) then gives its
-- tool calls that agent. Only the AG2 runs staged now ($runs).
UPDATE steps SET agent_own = r.agent
FROM (
    SELECT m.run_id, m.step_id, arg_max(s.agent, s.start_ns) AS agent
    FROM (SELECT o.run_id, o.step_id, o.parent_id, epoch_us(o.started_at) * 1000 AS start_ns
          FROM steps o
          WHERE o.run_id IN (SELECT unnest($runs)) AND o.agent_own IS NULL AND o.kind = 'chain'
            AND ends_with(o.name, '_Group_Tool_Executor')
            AND json_extract_string(o.attributes, '$."ag2.span.type"') IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)) m
    JOIN (SELECT run_id, step_id, parent_id, start_ns, agent FROM stage_steps WHERE run_id IN (SELECT unnest($runs))
          UNION ALL
          SELECT run_id, step_id, parent_id, epoch_us(started_at) * 1000, agent_own FROM steps o
          WHERE run_id IN (SELECT unnest($runs))
            AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)) s
      ON s.run_id = m.run_id AND s.parent_id IS NOT DISTINCT FROM m.parent_id AND s.step_id <> m.step_id
     AND s.start_ns <= m.start_ns AND s.agent IS NOT NULL
    GROUP BY m.run_id, m.step_id
) r
WHERE steps.run_id = r.run_id AND steps.step_id = r.step_id AND steps.agent_own IS NULL;
