-- Silent failures the log itself shows: a run reported as a success in which an agent's last
-- invocation ended in error (openai-agents' "Max turns exceeded" ends the Pricer's agent span in
-- error and raises to the caller, while the trace's root span says OK). An agent invoked again
-- after an error and ending well recovered, so only its last invocation counts; tool, retriever and
-- LLM errors are often retried and recovered within the agent (the retry detector sees those).
INSERT INTO det_out
SELECT s.run_id, s.step_id, s.agent, 'silent_failure', 'critical',
       'reported success, but ' || coalesce(s.agent, 'an agent') || ' ended in error: '
       || left(coalesce(s.error, 'no message'), 120),
       json_object('error_step', s.step_id, 'kind', s.kind)
FROM (SELECT run_id, step_id, agent, kind, status, error,
             row_number() OVER (PARTITION BY run_id, agent ORDER BY seq DESC) AS latest
      FROM steps SEMI JOIN det_scope USING (run_id)
      WHERE kind = 'agent' AND steps.rowid BETWEEN $row_lo AND $row_hi) s
JOIN runs r ON r.run_id = s.run_id
WHERE s.latest = 1 AND s.status = 'error' AND r.reported_outcome = 'success';
