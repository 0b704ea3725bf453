-- Agent turns: the run's steps in order, collapsed to one row per stretch of the same agent, with
-- the successful tool calls made in the turn (its progress). Shared by ping-pong and hand-offs.
-- One sort of the steps: lag and lead find the turns' first steps, and a running count of
-- successful tool calls gives each turn its progress as a difference between the turn's first
-- step and the next turn's (or the run's last step). seq is unique within a run.
CREATE OR REPLACE TEMP TABLE det_turns AS
-- One ordering of the whole chunk (cheaper than a partition per run): neighbours count only
-- within the same run, and the running count runs across runs, which the differences taken
-- within a run below do not see.
WITH ordered AS (
    SELECT run_id, step_id, seq, agent,
           CASE WHEN lag(run_id) OVER w = run_id THEN lag(agent) OVER w END AS before,
           CASE WHEN lead(run_id) OVER w = run_id THEN lead(agent) OVER w END AS after,
           ok, sum(ok) OVER w AS ok_through
    FROM (SELECT run_id, step_id, seq, agent, (kind = 'tool' AND status = 'ok')::INTEGER AS ok
          FROM steps SEMI JOIN det_scope USING (run_id)
          WHERE agent IS NOT NULL AND kind <> 'system' AND steps.rowid BETWEEN $row_lo AND $row_hi)
    WINDOW w AS (ORDER BY run_id, seq ROWS UNBOUNDED PRECEDING)
),
-- the turns' first steps, and each run's last step (where the last turn's count ends)
marks AS (
    SELECT run_id, step_id, seq, agent, before IS NULL OR before <> agent AS is_start,
           -- prev_agent of the run's first turn is its own agent when the turn has more than one
           -- step: what the hand-off count has always been based on (it counts that turn as one)
           CASE WHEN before IS NOT NULL THEN before WHEN after = agent THEN agent END AS prev_agent,
           ok_through - ok AS ok_before, ok_through
    FROM ordered
    WHERE before IS NULL OR before <> agent OR after IS NULL
)
SELECT run_id, t, step_id, seq, agent, prev_agent, tool_ok FROM (
    SELECT run_id, is_start, row_number() OVER v AS t, step_id, seq, agent, prev_agent,
           (CASE WHEN lead(is_start) OVER v THEN lead(ok_before) OVER v
                ELSE coalesce(lead(ok_through) OVER v, ok_through) END - ok_before)::BIGINT AS tool_ok
    FROM marks
    WINDOW v AS (PARTITION BY run_id ORDER BY seq))
WHERE is_start;
