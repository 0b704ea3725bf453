-- The staged tool calls of AutoGen AgentChat traced by OpenInference that may have failed, each with its agent
-- turn's next model call's input (ingest/_agentchat_tool_errors.py reads there the call's result and is_error):
-- (run, tool step, tool, its output, the input). A tool step of the instrumentation's scope whose span says OK,
-- and the first model step under the same parent (the agent's turn) that starts after it and was told of an
-- error result.
WITH tools AS (
    SELECT run_id, step_id, parent_id, tool, output, start_ns FROM stage_steps
    WHERE kind = 'tool' AND status = 'ok' AND tool IS NOT NULL AND output IS NOT NULL AND parent_id IS NOT NULL
      AND start_ns IS NOT NULL AND contains(attributes, '"openinference.instrumentation.autogen_agentchat"')
)
SELECT t.run_id, t.step_id, t.tool, t.output, arg_min(l.input, (l.start_ns, l.step_id)) AS input
FROM tools t
JOIN stage_steps l ON l.run_id = t.run_id AND l.parent_id = t.parent_id AND l.kind = 'llm'
    AND l.start_ns > t.start_ns AND l.input IS NOT NULL
GROUP BY t.run_id, t.step_id, t.tool, t.output
HAVING contains(arg_min(l.input, (l.start_ns, l.step_id)), 'is_error')
ORDER BY t.run_id, t.step_id;

-- [section fail]
UPDATE stage_steps SET status = 'error', error = f.error
FROM agentchat_failed f
WHERE stage_steps.run_id = f.run_id AND stage_steps.step_id = f.step_id;
