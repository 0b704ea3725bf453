-- attribution/_evidence.py: each run in scope (_ev_scope) that ended bouncing between two agents: a ping_pong
-- finding (detect/sql/pingpong.sql) after whose first step no agent but those two acted. The run stopped in that
-- bounce (a turn budget ran out, a caller gave up), so the bounce is how it failed; a ping-pong the run got out
-- of (a third agent took the work on) says nothing about the failure and is not read. Whatever the run
-- reported: the log's own word on a failure is its error chain (evidence_error.sql, read first), and a turn
-- budget running out is no error of the agent it stopped in.
-- Named: the agent of the first turn from the finding's step on that moved nothing, no tool result the run had
-- not seen (the finding's own agent is the one whose turn opened the streak, which may have been work: the
-- pricer that priced, then was sent back by the executor again and again); its step: that turn's first model
-- call, else its first step. run_id, agent, step_id, seq, detail, quiet (always empty).
WITH pp AS (
    SELECT f.run_id, arg_min(f.step_id, s.seq) AS step_id, min(s.seq) AS seq, arg_min(f.detail, s.seq) AS detail,
           arg_min(CAST(json_extract(f.attributes, '$.agents') AS VARCHAR[]), s.seq) AS pair
    FROM findings f SEMI JOIN _ev_scope USING (run_id)
    JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
    WHERE f.detector = 'ping_pong' AND f.agent IS NOT NULL AND f.severity IN ('critical', 'warning')
    GROUP BY f.run_id
),
ended AS (
    SELECT * FROM pp
    WHERE NOT EXISTS (SELECT 1 FROM steps w WHERE w.run_id = pp.run_id AND w.seq > pp.seq AND w.agent IS NOT NULL
                                               AND NOT list_contains(pp.pair, w.agent))
),
after AS (  -- the two agents' steps from the streak's start, each with whether it brought a new tool result
    SELECT s.run_id, s.seq, s.step_id, s.agent, s.kind,
           s.kind = 'tool' AND s.status IS DISTINCT FROM 'error' AND NOT EXISTS (
               SELECT 1 FROM steps b WHERE b.run_id = s.run_id AND b.kind = 'tool' AND b.seq < s.seq
                 AND coalesce(b.tool, b.name) IS NOT DISTINCT FROM coalesce(s.tool, s.name)
                 AND b.output IS NOT DISTINCT FROM s.output) AS new_result
    FROM steps s JOIN ended e ON e.run_id = s.run_id AND s.seq >= e.seq AND s.agent IS NOT NULL
),
turns AS (
    SELECT *, sum(CASE WHEN agent IS DISTINCT FROM prev THEN 1 ELSE 0 END) OVER (PARTITION BY run_id ORDER BY seq) AS turn
    FROM (SELECT *, lag(agent) OVER (PARTITION BY run_id ORDER BY seq) AS prev FROM after)
),
idle AS (
    SELECT run_id, turn, any_value(agent) AS agent,
           coalesce(arg_min(step_id, seq) FILTER (WHERE kind = 'llm'), arg_min(step_id, seq)) AS step_id,
           coalesce(min(seq) FILTER (WHERE kind = 'llm'), min(seq)) AS seq
    FROM turns GROUP BY run_id, turn
    HAVING NOT bool_or(new_result)
)
SELECT e.run_id, arg_min(i.agent, i.turn) AS agent, arg_min(i.step_id, i.turn) AS step_id,
       arg_min(i.seq, i.turn) AS seq, any_value(e.detail) AS detail, [] AS quiet
FROM ended e JOIN idle i USING (run_id)
GROUP BY e.run_id
