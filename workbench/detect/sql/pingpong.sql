-- Ping-pong: the work bounces between the same two agents (A→B→A→B…) at least
-- $pingpong_min_exchanges times in a row without progress: the turns inside the bounce make no
-- successful tool call (a supervisor that sends a worker off twice to do real work is not ping-pong).
INSERT INTO det_out
WITH alt AS (
    SELECT *, agent = lag(agent, 2) OVER w AS bounced, lag(tool_ok) OVER w AS inner_progress FROM det_turns
    WINDOW w AS (PARTITION BY run_id ORDER BY t)
),
islands AS (
    SELECT *, t - row_number() OVER (PARTITION BY run_id ORDER BY t) AS grp FROM alt WHERE bounced
),
streaks AS (
    SELECT run_id, grp, min(t) - 2 AS t_first, count(*) + 1 AS exchanges, sum(inner_progress) AS progress
    FROM islands GROUP BY run_id, grp
)
SELECT s.run_id, a.step_id, a.agent, 'ping_pong',
       CASE WHEN s.exchanges >= 2 * $pingpong_min_exchanges THEN 'critical' ELSE 'warning' END,
       a.agent || ' and ' || b.agent || ' handed the work back and forth ' || s.exchanges || ' times',
       json_object('agents', [a.agent, b.agent], 'exchanges', s.exchanges, 'first_step', a.step_id)
FROM streaks s
JOIN det_turns a ON a.run_id = s.run_id AND a.t = s.t_first
JOIN det_turns b ON b.run_id = s.run_id AND b.t = s.t_first + 1
WHERE s.exchanges >= $pingpong_min_exchanges AND s.progress = 0;
