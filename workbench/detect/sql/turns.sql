-- Agent turns: the run's steps in order, collapsed to one row per stretch of the same agent.
-- Shared by the ping-pong and hand-off detectors.
CREATE OR REPLACE TEMP TABLE det_turns AS
WITH ordered AS (
    SELECT run_id, step_id, seq, agent, lag(agent) OVER (PARTITION BY run_id ORDER BY seq) AS before
    FROM steps SEMI JOIN det_scope USING (run_id)
    WHERE agent IS NOT NULL AND kind <> 'system'
)
SELECT run_id, step_id, seq, agent, before AS prev_agent,
       row_number() OVER (PARTITION BY run_id ORDER BY seq) AS t
FROM ordered
WHERE before IS NULL OR before <> agent;
