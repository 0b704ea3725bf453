-- Agent turns: the run's steps in order, collapsed to one row per stretch of the same agent, with
-- the successful tool calls made in the turn (its progress). Shared by ping-pong and hand-offs.
CREATE OR REPLACE TEMP TABLE det_turns AS
WITH ordered AS (
    SELECT run_id, step_id, seq, agent, kind, status,
           lag(agent) OVER (PARTITION BY run_id ORDER BY seq) AS before
    FROM steps SEMI JOIN det_scope USING (run_id)
    WHERE agent IS NOT NULL AND kind <> 'system' AND steps.rowid BETWEEN $row_lo AND $row_hi
),
numbered AS (
    SELECT *, sum(CASE WHEN before IS NULL OR before <> agent THEN 1 ELSE 0 END)
                  OVER (PARTITION BY run_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS t
    FROM ordered
)
SELECT run_id, t, arg_min(step_id, seq) AS step_id, min(seq) AS seq, any_value(agent) AS agent,
       arg_min(before, seq) AS prev_agent,
       count(*) FILTER (WHERE kind = 'tool' AND status = 'ok') AS tool_ok
FROM numbered
GROUP BY run_id, t;
