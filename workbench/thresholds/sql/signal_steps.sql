-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): $silent true counts the runs taken as failed
-- as failed (as workbench investigate), false the stored outcome only.
-- Every step's value of the signals a HITL rule can read, as the decision core reads them at the end
-- of a step (policy/_core.py): running counts include the step itself; a step enclosing others (an agent
-- span, a trace's root span, a scope span: column_steps.sql) carries no signal, one enclosing nothing
-- does, whatever its kind. Only runs with a known outcome,
-- or every run when $every_run (a review load: thresholds/_review_load.py).
-- Retries: a tool call whose previous identical call (agent, tool, whitespace-free lower-cased
-- arguments: the detectors' normalisation) in the run failed.
WITH ordered AS (
    SELECT s.run_id, s.seq, s.agent, s.kind, p.parent_id IS NOT NULL AS encloses, s.depth, s.latency_ms,
           s.confidence, s.entropy,
           s.tokens_in, s.tokens_out, s.cost,
           CASE WHEN s.kind = 'tool' AND lag(s.status) OVER (
                    PARTITION BY s.run_id, s.agent, s.tool,
                                 lower(regexp_replace(coalesce(s.input, ''), '\s+', '', 'g'))
                    ORDER BY s.seq) = 'error' THEN 1 ELSE 0 END AS is_retry
    FROM steps s
    JOIN {run_outcomes} r ON r.run_id = s.run_id AND ($every_run OR r.outcome IN ('success', 'failure'))
    -- a step enclosing others carries no signal; one enclosing nothing (a Who&When turn) does
    LEFT JOIN (SELECT DISTINCT run_id, parent_id FROM steps WHERE parent_id IS NOT NULL) p
           ON p.run_id = s.run_id AND p.parent_id = s.step_id
), counted AS (
    SELECT *,
           sum(CASE WHEN kind = 'tool' THEN 1 ELSE 0 END) OVER w AS tool_calls,
           sum(is_retry) OVER w AS retries
    FROM ordered
    WINDOW w AS (PARTITION BY run_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT run_id, seq, agent,
       latency_ms, confidence, entropy, tokens_in::DOUBLE AS tokens_in, tokens_out::DOUBLE AS tokens_out,
       cost, tool_calls::DOUBLE AS tool_calls, retries::DOUBLE AS retries, depth::DOUBLE AS depth,
       -- handoffs rest on what the steps stated: thresholds/_handoff_signal.py replays them
       NULL::DOUBLE AS handoffs
FROM counted
WHERE NOT encloses
