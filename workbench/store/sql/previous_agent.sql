-- The one definition of "the agent of the step before it", shared by agent_of_previous.sql (steps staged
-- now) and stored_agent_of_previous.sql (steps an earlier call stored): for each step of previous_wanted
-- (run_id, step_id, parent_id, start_us), which each of those files fills first, the agent of the latest
-- step under the same parent, staged now or stored (a step given again is the staged copy), that started
-- before it (or in the same µs) and names one. Times are compared at the store's resolution (µs: finalize
-- stores start_ns // 1000), never staged ns against stored µs: two siblings within one µs would otherwise
-- be ordered one way when read in one call and the other way when split over calls. A same-µs tie goes to
-- the greater step_id: arbitrary, but the same whichever call stored which step.
CREATE OR REPLACE TEMP TABLE previous_agent AS
SELECT m.run_id, m.step_id, arg_max(s.agent, (s.start_us, s.step_id)) AS agent
FROM previous_wanted m
JOIN (SELECT run_id, step_id, parent_id, start_ns // 1000 AS start_us, agent FROM stage_steps
      WHERE run_id IN (SELECT run_id FROM previous_wanted)
      UNION ALL
      SELECT run_id, step_id, parent_id, epoch_us(started_at), agent_own FROM steps o
      WHERE run_id IN (SELECT run_id FROM previous_wanted)
        AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)) s
  ON s.run_id = m.run_id AND s.parent_id IS NOT DISTINCT FROM m.parent_id AND s.step_id <> m.step_id
 AND s.start_us <= m.start_us AND s.agent IS NOT NULL
GROUP BY m.run_id, m.step_id;
