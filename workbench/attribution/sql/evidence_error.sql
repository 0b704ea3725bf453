-- attribution/_evidence.py: the error that ended each run in scope (the temp table _ev_scope, filled by
-- store/_run_scope.py), as the first step to end of an unbroken chain of error spans from below the root up
-- to the root of a run reported failed: run_id, agent, step_id, seq, what (tool or name), kind, error.
-- A root left unset in a run whose root status said failure (store/sql/refresh_runs.sql's root_said: the
-- framework ends its root with no status however the run ended, and says so on a child) heads a chain too, as
-- does a root whose OK that file reads as unset.
WITH RECURSIVE scope AS (SELECT run_id FROM _ev_scope),
failed AS (SELECT r.run_id, r.outcome_source = 'root_status' AS by_root
           FROM runs r SEMI JOIN scope USING (run_id) WHERE r.reported_outcome = 'failure'),
errs AS (  -- the error steps of those runs, read once (the recursion walks these only)
    SELECT run_id, step_id, parent_id, kind FROM steps SEMI JOIN failed USING (run_id) WHERE status = 'error'),
blind AS (
    -- the agent in error of a run whose root says OK however it ended (the OpenAI Agents SDK's trace span as
    -- OpenInference and OpenLLMetry write it: refresh_runs.sql's blind_ok_roots), failed by that agent; its error
    -- steps one step below a step of its own that says OK (OpenInference's span of the agent's turn) go on the chain
    SELECT e.run_id, e.step_id FROM errs e JOIN failed f ON f.run_id = e.run_id
    JOIN steps r ON r.run_id = e.run_id AND r.parent_id IS NULL AND r.status = 'ok'
    WHERE f.by_root AND e.kind = 'agent'
      AND json_extract_string(r.attributes, '$."otel.scope.name"') IN (
          'openinference.instrumentation.openai_agents', 'opentelemetry.instrumentation.openai_agents')),
chain(run_id, step_id, depth) AS (
    -- from each error root of a run reported failed, down through children with an error status
    SELECT run_id, step_id, 0 FROM errs WHERE parent_id IS NULL
    UNION
    SELECT s.run_id, s.step_id, 0 FROM steps s JOIN failed f ON f.run_id = s.run_id
    WHERE f.by_root AND s.parent_id IS NULL AND s.status = 'unset'
    UNION
    SELECT run_id, step_id, 0 FROM blind
    UNION
    SELECT e.run_id, e.step_id, 2 FROM blind b
    JOIN steps t ON t.run_id = b.run_id AND t.parent_id = b.step_id AND t.status = 'ok'
    JOIN errs e ON e.run_id = t.run_id AND e.parent_id = t.step_id
    UNION
    SELECT c.run_id, c.step_id, ch.depth + 1 FROM chain ch
    JOIN errs c ON c.run_id = ch.run_id AND c.parent_id = ch.step_id
    WHERE ch.depth < 256
)
SELECT run_id, arg_min(agent, k) AS agent, arg_min(step_id, k) AS step_id, arg_min(seq, k) AS seq,
       arg_min(coalesce(tool, name), k) AS what, arg_min(kind, k) AS kind, arg_min(error, k) AS error
FROM (  -- the origin: the chain's first step to end (the one that raised), then the deepest, then the first
    SELECT s.run_id, s.agent, s.step_id, s.seq, s.tool, s.name, s.kind, s.error,
           [coalesce(epoch_us(s.ended_at), 9223372036854775807), -ch.depth, s.seq] AS k
    FROM chain ch JOIN steps s ON s.run_id = ch.run_id AND s.step_id = ch.step_id
    WHERE ch.depth > 0 AND s.kind IS DISTINCT FROM 'system' AND s.agent IS NOT NULL)
GROUP BY run_id
