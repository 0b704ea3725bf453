-- Silent failures: a run the system reported as a success, or whose outcome nobody reported (most
-- OTel root spans leave their status unset), whose final answer states values that no tool output
-- (backend record) supports, contradicts one, or carries a value an upstream step made up. The
-- finding sits at the step where the first such value appeared.
-- Critical for a reported success: it said so and was wrong, so `investigate` takes the run as
-- failed. A warning when the outcome is unknown: the answer is suspect, but with no claim of success
-- there is no silent failure to assert; the run is listed as flagged, not attributed as failed. A
-- run reported or labelled failed is a known failure already.
-- (det_reported, the problems reported: reported.sql)
-- [section needs_det_reported]
-- (a finding per run of det_reported: none, nothing to plan)
INSERT INTO det_out
SELECT p.run_id, first.o.step, first.o.agent, 'silent_failure',
       CASE WHEN any_value(r.reported_outcome) = 'success' THEN 'critical' ELSE 'warning' END,
       CASE WHEN any_value(r.reported_outcome) = 'success' THEN 'reported success, but the final answer '
            ELSE 'outcome not reported; the final answer ' END
       || string_agg(DISTINCT p.said, '; ' ORDER BY p.said)
       || '; first stated by ' || coalesce(first.o.agent, '?') || ' at step ' || first.o.step,
       json_object('values', list(DISTINCT p.token ORDER BY p.token), 'answer_step', any_value(a.step_id),
                   'origin_step', first.o.step, 'reported_outcome', any_value(r.reported_outcome))
-- (a value the answering agent itself first stated was made up there, not upstream: "made up upstream" told the
-- user to look before the agent that answered, detect56's adk, vercel and langgraph_js fixtures)
FROM (SELECT p.*, p.token || ' (' || CASE WHEN p.why = 'made up upstream' AND p.origin_agent = s.agent THEN 'made up'
                                          ELSE p.why END || ')' AS said
      FROM det_reported p
      JOIN det_answer a ON a.run_id = p.run_id
      LEFT JOIN steps s ON s.run_id = a.run_id AND s.step_id = a.step_id AND s.rowid BETWEEN $row_lo AND $row_hi) p
JOIN runs r ON r.run_id = p.run_id
JOIN det_answer a ON a.run_id = p.run_id
JOIN (SELECT run_id, arg_min({'step': origin_step, 'agent': origin_agent}, {'t': origin_t, 'step': origin_step}) AS o
      FROM det_reported GROUP BY run_id) first ON first.run_id = p.run_id
GROUP BY p.run_id, first.o.step, first.o.agent;
