-- Silent failures the log itself shows: a run reported as a success in which an agent's last
-- invocation ended in error (openai-agents' "Max turns exceeded" ends the Pricer's agent span in
-- error and raises to the caller, while the trace's root span says OK). An agent invoked again
-- after an error and ending well recovered, so only its last invocation counts; tool, retriever and
-- LLM errors are often retried and recovered within the agent (the retry detector sees those).
-- A warning when nobody reported the outcome (most OTel root spans leave their status unset), and
-- only when the run went on to answer after the error: a step began after the failed invocation
-- ended and gave the final answer (an app that caught the error and answered anyway). A run that
-- ended on the error shows its failure to whoever called it: no silent failure to assert.
-- (an agent's span in error first, or none and nothing below is planned)
CREATE OR REPLACE TEMP TABLE det_agent_errors AS
SELECT DISTINCT run_id FROM steps SEMI JOIN det_scope USING (run_id)
WHERE kind = 'agent' AND status = 'error' AND steps.rowid BETWEEN $row_lo AND $row_hi;

-- [section needs_det_agent_errors]
INSERT INTO det_out
SELECT s.run_id, s.step_id, s.agent, 'silent_failure',
       CASE WHEN r.reported_outcome = 'success' THEN 'critical' ELSE 'warning' END,
       CASE WHEN r.reported_outcome = 'success' THEN 'reported success, but '
            ELSE 'outcome not reported; ' END
       || coalesce(s.agent, 'an agent') || ' ended in error: ' || det_quote(coalesce(s.error, 'no message'), 120)
       || CASE WHEN r.reported_outcome = 'success' THEN '' ELSE '; the run answered after it at step ' || a.step_id END,
       CASE WHEN r.reported_outcome = 'success' THEN json_object('error_step', s.step_id, 'kind', s.kind)
            ELSE json_object('error_step', s.step_id, 'kind', s.kind, 'answer_step', a.step_id,
                             'reported_outcome', r.reported_outcome) END
FROM (SELECT run_id, step_id, agent, kind, status, error,
             coalesce(epoch_us(ended_at)::DOUBLE, seq + 0.5) AS t_end,
             row_number() OVER (PARTITION BY run_id, agent ORDER BY seq DESC) AS latest
      FROM steps SEMI JOIN det_scope USING (run_id)
      WHERE kind = 'agent' AND steps.rowid BETWEEN $row_lo AND $row_hi) s
JOIN runs r ON r.run_id = s.run_id
LEFT JOIN det_answer a ON a.run_id = s.run_id
WHERE s.latest = 1 AND s.status = 'error'
  AND (r.reported_outcome = 'success'
       OR (r.reported_outcome = 'unknown' AND r.outcome IS DISTINCT FROM 'failure'
           AND EXISTS (SELECT 1 FROM steps x
                       WHERE x.run_id = a.run_id AND x.step_id = a.step_id AND x.status IS DISTINCT FROM 'error'
                         AND x.agent IS DISTINCT FROM s.agent
                         AND x.rowid BETWEEN $row_lo AND $row_hi
                         AND coalesce(epoch_us(x.started_at)::DOUBLE, x.seq::DOUBLE) >= s.t_end)));
