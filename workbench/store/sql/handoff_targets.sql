-- Hand-offs of this call that name no agent handed to (a built-in hand-off tool traced without its
-- arguments: ingest/_handoff_tool.py), and did not fail: the framework runs the agent handed to once the
-- call returns, so it is the first agent other than the one handing over (the step's own, else its
-- parent's) whose agent step starts in the run at or after the hand-off did. None starting, the hand-off
-- names none. Runs after staging, before the merge; the agent handed to is the step's output, as a hand-off
-- whose arguments name it gives.

-- A hand-off the store holds already naming none, or naming what the rule named (rule_handoffs, or, in a store
-- written before rule_handoffs was kept, an agent of its stored run): given again (the same file read twice, or a
-- file holding part of a trace read again with the rest), it is read as stored, so that it is no step differing
-- in output, and left to stored_handoff_targets.sql, which names it over the whole stored run once this call's
-- steps are stored (the agent starting first after it may have come in either call). An output a log gave stays
-- compared as given.
CREATE OR REPLACE TEMP TABLE held_handoffs AS
SELECT h.rowid AS rid, s.output
FROM stage_steps h
JOIN steps s ON s.run_id = h.run_id AND s.step_id = h.step_id AND s.kind = 'handoff'
WHERE h.kind = 'handoff' AND h.output IS NULL AND h.status IS DISTINCT FROM 'error'
  AND (s.output IS NULL
       OR EXISTS (SELECT 1 FROM rule_handoffs r WHERE r.run_id = s.run_id AND r.step_id = s.step_id)
       OR s.output IN (SELECT a.agent_own FROM steps a WHERE a.run_id = s.run_id AND a.kind = 'agent'));

UPDATE stage_steps SET output = x.output
FROM held_handoffs x
WHERE stage_steps.rowid = x.rid AND x.output IS NOT NULL;

-- The rest, named from this call's steps; staged_handoffs keeps which rows the rule named, which the merge keeps
-- in rule_handoffs (store/_stored_rules.py): a later call bringing an agent that starts earlier after the hand-off
-- names it again, as one call of both would.
CREATE OR REPLACE TEMP TABLE staged_handoffs AS
WITH unnamed AS (
    SELECT h.rowid AS rid, h.run_id, h.start_ns, coalesce(h.agent, p.agent) AS agent
    FROM stage_steps h
    LEFT JOIN stage_steps p ON p.run_id = h.run_id AND p.step_id = h.parent_id
    WHERE h.kind = 'handoff' AND h.output IS NULL AND h.status IS DISTINCT FROM 'error'
      AND h.start_ns IS NOT NULL AND h.rowid NOT IN (SELECT rid FROM held_handoffs)
)
SELECT u.rid, arg_min(a.agent, (a.start_ns, a.step_id)) AS target
FROM unnamed u
JOIN stage_steps a ON a.run_id = u.run_id AND a.kind = 'agent' AND a.agent IS NOT NULL
    AND a.agent IS DISTINCT FROM u.agent AND a.start_ns >= u.start_ns
GROUP BY u.rid;

UPDATE stage_steps SET output = x.target
FROM staged_handoffs x
WHERE stage_steps.rowid = x.rid AND stage_steps.output IS NULL;

DROP TABLE held_handoffs;
