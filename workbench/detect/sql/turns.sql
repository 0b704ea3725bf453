-- Agent turns: the run's steps in order, collapsed to one row per stretch of the same agent, with
-- the seq where the next turn starts (a turn's steps are its agent's steps in [seq, next_seq)).
-- Shared by ping-pong and hand-offs. One sort of the steps: lag and lead find the turns' first
-- steps. seq is unique within a run.
CREATE OR REPLACE TEMP TABLE det_turns AS
-- One ordering of the whole chunk (cheaper than a partition per run): neighbours count only
-- within the same run.
WITH ordered AS (
    SELECT run_id, step_id, seq, agent,
           CASE WHEN lag(run_id) OVER w = run_id THEN lag(agent) OVER w END AS before,
           CASE WHEN lead(run_id) OVER w = run_id THEN lead(agent) OVER w END AS after
    FROM steps SEMI JOIN det_scope USING (run_id)
    WHERE agent IS NOT NULL AND kind <> 'system' AND steps.rowid BETWEEN $row_lo AND $row_hi
    WINDOW w AS (ORDER BY run_id, seq)
)
SELECT run_id, row_number() OVER v AS t, step_id, seq, agent,
       -- prev_agent of the run's first turn is its own agent when the turn has more than one
       -- step: what the hand-off count has always been based on (it counts that turn as one)
       CASE WHEN before IS NOT NULL THEN before WHEN after = agent THEN agent END AS prev_agent,
       lead(seq) OVER v AS next_seq
FROM ordered
WHERE before IS NULL OR before <> agent
WINDOW v AS (PARTITION BY run_id ORDER BY seq);
