-- handoff_targets.sql over the stored steps of the runs this call touched that the store held before (the
-- driver runs it only then: a call of new runs named every target at staging). A hand-off naming no agent stored
-- by one call and the agent steps that follow it stored by another (a trace read in two files, either order) named
-- none, or the agent of its own call that starts first after it, where one call of both names the first of all
-- the run's agents to start after it. The same rule on the stored rows, for a hand-off still naming none or naming
-- what the rule named (rule_handoffs; a log's own output is kept): the step's own agent (else its parent's), the
-- first agent step of another agent starting at or after it (microseconds: the stored times), its status no error.
CREATE OR REPLACE TEMP TABLE stored_handoffs AS
SELECT u.run_id, u.step_id, arg_min(a.agent_own, (a.started_at, a.step_id)) AS target
FROM (
    SELECT h.run_id, h.step_id, h.started_at, coalesce(h.agent_own, p.agent_own) AS agent
    FROM affected_steps h
    LEFT JOIN affected_steps p ON p.run_id = h.run_id AND p.step_id = h.parent_id
    WHERE h.kind = 'handoff' AND h.status IS DISTINCT FROM 'error' AND h.started_at IS NOT NULL
      AND (h.output IS NULL
           OR EXISTS (SELECT 1 FROM rule_handoffs r WHERE r.run_id = h.run_id AND r.step_id = h.step_id))
) u
LEFT JOIN affected_steps a ON a.run_id = u.run_id AND a.kind = 'agent' AND a.agent_own IS NOT NULL
    AND a.agent_own IS DISTINCT FROM u.agent AND a.started_at >= u.started_at
GROUP BY u.run_id, u.step_id;

UPDATE steps SET output = x.target
FROM stored_handoffs x
WHERE steps.run_id = x.run_id AND steps.step_id = x.step_id AND steps.output IS DISTINCT FROM x.target;

-- (which of them the rule names now: a later call names them again)
DELETE FROM rule_handoffs r USING stored_handoffs x WHERE r.run_id = x.run_id AND r.step_id = x.step_id;

INSERT INTO rule_handoffs SELECT run_id, step_id FROM stored_handoffs WHERE target IS NOT NULL;
