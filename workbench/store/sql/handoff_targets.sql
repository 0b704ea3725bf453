-- Hand-offs of this call that name no agent handed to (a built-in hand-off tool traced without its
-- arguments: ingest/_handoff_tool.py), and did not fail: the framework runs the agent handed to once the
-- call returns, so it is the first agent other than the one handing over (the step's own, else its
-- parent's) whose agent step starts in the run at or after the hand-off did. None starting, the hand-off
-- names none. Runs after staging, before the merge; the agent handed to is the step's output, as a hand-off
-- whose arguments name it gives.
CREATE OR REPLACE TEMP TABLE handoff_targets AS
WITH unnamed AS (
    SELECT h.run_id, h.step_id, h.start_ns, coalesce(h.agent, p.agent) AS agent
    FROM stage_steps h
    LEFT JOIN stage_steps p ON p.run_id = h.run_id AND p.step_id = h.parent_id
    WHERE h.kind = 'handoff' AND h.output IS NULL AND h.status IS DISTINCT FROM 'error'
      AND h.start_ns IS NOT NULL
)
SELECT u.run_id, u.step_id, arg_min(a.agent, (a.start_ns, a.step_id)) AS target
FROM unnamed u
JOIN stage_steps a ON a.run_id = u.run_id AND a.kind = 'agent' AND a.agent IS NOT NULL
    AND a.agent IS DISTINCT FROM u.agent AND a.start_ns >= u.start_ns
GROUP BY u.run_id, u.step_id;

UPDATE stage_steps SET output = x.target
FROM handoff_targets x
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.step_id AND stage_steps.output IS NULL;

-- A hand-off still naming none that the store holds already, named by stored_handoff_targets.sql (an earlier
-- call stored the agents it hands to): a step given again (the same file read twice) is read with what that rule
-- wrote, as one call of both names it, not quarantined as differing in output. Only a name the stored run's own
-- agent steps give: an output a log gave stays compared as given.
UPDATE stage_steps SET output = s.output
FROM steps s
WHERE stage_steps.kind = 'handoff' AND stage_steps.output IS NULL AND stage_steps.status IS DISTINCT FROM 'error'
  AND s.run_id = stage_steps.run_id AND s.step_id = stage_steps.step_id AND s.kind = 'handoff'
  AND s.output IN (SELECT a.agent_own FROM steps a WHERE a.run_id = s.run_id AND a.kind = 'agent');

DROP TABLE handoff_targets;
