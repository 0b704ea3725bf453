-- Tool-call storms: more tool calls than the budget, per run and per agent within a run.
-- (the runs with more tool calls than the smaller budget first: a storm of a run or of one of its agents is one of
-- them, and with none nothing below is planned)
CREATE OR REPLACE TEMP TABLE det_storm_runs AS
SELECT run_id FROM steps SEMI JOIN det_scope USING (run_id)
WHERE kind = 'tool' AND steps.rowid BETWEEN $row_lo AND $row_hi
GROUP BY run_id
HAVING count(*) > least($max_tool_calls_run, $max_tool_calls_agent);

-- [section needs_det_storm_runs]
INSERT INTO det_out
SELECT run_id, arg_min(step_id, seq), NULL, 'storm',
       CASE WHEN count(*) > 2 * $max_tool_calls_run THEN 'critical' ELSE 'warning' END,
       count(*) || ' tool calls in the run (budget ' || $max_tool_calls_run || ')',
       json_object('tool_calls', count(*), 'budget', $max_tool_calls_run, 'scope', 'run')
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE kind = 'tool' AND steps.rowid BETWEEN $row_lo AND $row_hi
GROUP BY run_id
HAVING count(*) > $max_tool_calls_run;

INSERT INTO det_out
SELECT run_id, arg_min(step_id, seq), agent, 'storm',
       CASE WHEN count(*) > 2 * $max_tool_calls_agent THEN 'critical' ELSE 'warning' END,
       agent || ' made ' || count(*) || ' tool calls (budget ' || $max_tool_calls_agent || ' per agent)',
       json_object('tool_calls', count(*), 'budget', $max_tool_calls_agent, 'scope', 'agent')
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE kind = 'tool' AND agent IS NOT NULL AND steps.rowid BETWEEN $row_lo AND $row_hi
GROUP BY run_id, agent
HAVING count(*) > $max_tool_calls_agent;
