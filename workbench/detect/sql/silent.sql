-- Silent failures: a run the system reported as a success whose final answer states values
-- that no tool output (backend record) in the run supports.
INSERT INTO det_out
SELECT u.run_id, first.step_id, first.agent, 'silent_failure', 'critical',
       'reported success, but the final answer states ' || string_agg(DISTINCT u.token, ', ')
       || ' that no tool output supports; first stated by ' || coalesce(first.agent, '?')
       || ' at step ' || first.step_id,
       json_object('values', list(DISTINCT u.token), 'answer_step', any_value(a.step_id),
                   'origin_step', first.step_id)
FROM det_unsupported u
JOIN (SELECT run_id, arg_min({'step_id': origin_step, 'agent': origin_agent}, origin_seq) AS o
      FROM det_unsupported GROUP BY run_id) f ON f.run_id = u.run_id
CROSS JOIN LATERAL (SELECT f.o.step_id AS step_id, f.o.agent AS agent) first
JOIN runs r ON r.run_id = u.run_id
JOIN det_answer a ON a.run_id = u.run_id
WHERE r.reported_outcome = 'success'
GROUP BY u.run_id, first.step_id, first.agent;
