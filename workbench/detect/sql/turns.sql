-- Agent turns: the run's steps in order, collapsed to one row per stretch of the same agent, with
-- the successful tool calls made in the turn (its progress). Shared by ping-pong and hand-offs.
-- One sort of the steps (lag and lead share it); the turns are numbered among their first steps
-- only, and each successful tool call finds its turn by an as-of join on seq.
CREATE OR REPLACE TEMP TABLE det_turns AS
WITH ordered AS (
    SELECT run_id, step_id, seq, agent, kind, status, lag(agent) OVER w AS before, lead(agent) OVER w AS after
    FROM steps SEMI JOIN det_scope USING (run_id)
    WHERE agent IS NOT NULL AND kind <> 'system' AND steps.rowid BETWEEN $row_lo AND $row_hi
    WINDOW w AS (PARTITION BY run_id ORDER BY seq)
),
starts AS (
    -- prev_agent of the run's first turn is its own agent when the turn has more than one step:
    -- what the hand-off count has always been based on (it counts that turn as one)
    SELECT run_id, step_id, seq, agent,
           CASE WHEN before IS NOT NULL THEN before WHEN after = agent THEN agent END AS prev_agent,
           row_number() OVER (PARTITION BY run_id ORDER BY seq) AS t
    FROM ordered
    WHERE before IS NULL OR before <> agent
),
progress AS (
    SELECT s.run_id, s.t, count(*) AS n
    FROM (SELECT run_id, seq FROM ordered WHERE kind = 'tool' AND status = 'ok') o
    ASOF JOIN starts s ON s.run_id = o.run_id AND s.seq <= o.seq
    GROUP BY s.run_id, s.t
)
SELECT s.run_id, s.t, s.step_id, s.seq, s.agent, s.prev_agent, coalesce(p.n, 0) AS tool_ok
FROM starts s LEFT JOIN progress p ON p.run_id = s.run_id AND p.t = s.t;
