-- Tool-call loops: a cycle of p calls (p = 1: the same call) repeating at least $loop_min_turns
-- times in a row. Streaks of failing calls are retries (retries.sql), not loops.
CREATE OR REPLACE TEMP TABLE det_loop_streaks AS
WITH periods AS (SELECT unnest(range(1, $loop_max_period + 1)) AS p),
-- the call p places back is the one numbered k - p (a run's calls are numbered consecutively): a hash join
-- finds it, where a window would sort every call once per period
matched AS (
    SELECT c.run_id, c.k, p.p, c.status
    FROM det_calls c CROSS JOIN periods p
    JOIN det_calls b ON b.run_id = c.run_id AND b.k = c.k - p.p
    -- a call repeated after a failure is a retry (retries.sql), not a loop
    WHERE c.sig = b.sig AND b.status IS DISTINCT FROM 'error'
),
islands AS (
    SELECT run_id, k, p, status, k - row_number() OVER (PARTITION BY run_id, p ORDER BY k) AS grp
    FROM matched
)
SELECT run_id, p, min(k) - p AS k_start, max(k) AS k_end, count(*) AS n,
       bool_and(status = 'error') AS all_failed
FROM islands
GROUP BY run_id, p, grp
HAVING count(*) >= p * ($loop_min_turns - 1);

-- [section needs_det_loop_streaks]
-- (every loop below is a streak of det_loop_streaks: none, no finding; skipped then, by the runner)
-- Keep the shortest period where streaks overlap (A A A A is a 1-cycle, not also a 2-cycle).
INSERT INTO det_out
SELECT s.run_id, c.step_id, c.agent, 'loop',
       CASE WHEN s.n // s.p + 1 >= 2 * $loop_min_turns THEN 'critical' ELSE 'warning' END,
       CASE WHEN s.p = 1
            THEN coalesce(c.agent, 'a span outside any agent') || ' called ' || coalesce(c.tool, 'a tool')
                 || ' with the same arguments ' || (s.n + 1) || ' times in a row'
            WHEN cyc.n_agents = 1
            THEN coalesce(c.agent, 'a span outside any agent') || ': a cycle of ' || s.p || ' tool calls (' || cyc.path || ') turned '
                 || (s.n // s.p + 1) || ' times'
            ELSE array_to_string(cyc.agents, ' and ') || ': a cycle of ' || s.p || ' tool calls (' || cyc.whose
                 || ') turned ' || (s.n // s.p + 1) || ' times' END,
       CASE WHEN cyc.n_agents = 1
            THEN json_object('period', s.p, 'turns', s.n // s.p + 1, 'first_step', c.step_id,
                             'last_step', last.step_id, 'calls', s.n + s.p)
            ELSE json_object('period', s.p, 'turns', s.n // s.p + 1, 'first_step', c.step_id,
                             'last_step', last.step_id, 'calls', s.n + s.p, 'agents', cyc.agents) END
FROM det_loop_streaks s
JOIN det_calls c ON c.run_id = s.run_id AND c.k = s.k_start
JOIN det_calls last ON last.run_id = s.run_id AND last.k = s.k_end
-- A cycle through calls of more than one agent (a quoter's report, its auditor's lookup and verdict, again and
-- again) is theirs together: the agents named, and each call with its agent (named by its first call's agent
-- alone, the cycle read as that agent's own).
JOIN (SELECT s2.run_id, s2.p, s2.k_start,
             string_agg(coalesce(c2.tool, '?'), ' → ' ORDER BY c2.k) AS path,
             count(DISTINCT coalesce(c2.agent, '')) AS n_agents,
             list_sort(list_distinct(list(coalesce(c2.agent, 'a span outside any agent')))) AS agents,
             string_agg(coalesce(c2.agent, '?') || '''s ' || coalesce(c2.tool, '?'), ' → ' ORDER BY c2.k) AS whose
      FROM det_loop_streaks s2
      JOIN det_calls c2 ON c2.run_id = s2.run_id AND c2.k >= s2.k_start AND c2.k < s2.k_start + s2.p
      GROUP BY ALL) cyc ON cyc.run_id = s.run_id AND cyc.p = s.p AND cyc.k_start = s.k_start
WHERE NOT s.all_failed
  AND NOT EXISTS (
      SELECT 1 FROM det_loop_streaks o
      WHERE o.run_id = s.run_id AND o.p < s.p AND NOT o.all_failed
        AND o.k_start <= s.k_end AND o.k_end >= s.k_start);
