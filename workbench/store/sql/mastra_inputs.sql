-- Mastra's model steps staged by this call (ingest/_mastra_inputs.py fills their inputs): each `agent_step`
-- (mastra.span.type model_step) under its generation, with its input (Mastra's preview of the request) and the
-- tool calls it asked for (the tool steps under it, in order: what the model was handed back), in the order the
-- generation ran them.
SELECT m.run_id, m.parent_id AS generation, m.step_id, m.input,
       list({'tool': coalesce(t.tool, t.name), 'text': coalesce(t.output, t.error)} ORDER BY t.start_ns, t.step_id)
           FILTER (WHERE t.step_id IS NOT NULL) AS results
FROM stage_steps m
LEFT JOIN stage_steps t ON t.run_id = m.run_id AND t.parent_id = m.step_id AND t.kind = 'tool'
WHERE m.kind = 'chain' AND m.parent_id IS NOT NULL AND contains(m.attributes, '"mastra.span.type":"model_step"')
GROUP BY m.run_id, m.parent_id, m.step_id, m.input, m.start_ns
ORDER BY m.run_id, generation, m.start_ns, m.step_id;

-- [section fill]
-- the model step's input as filled, and the same input for the model call under it that was written with none
-- (Mastra's model_inference span: the request's messages are only on the step)
UPDATE stage_steps SET input = f.input
FROM mastra_filled f
WHERE stage_steps.run_id = f.run_id AND (
    (stage_steps.step_id = f.step_id AND f.changed)
    OR (stage_steps.parent_id = f.step_id AND stage_steps.kind = 'llm' AND stage_steps.input IS NULL
        AND contains(stage_steps.attributes, '"mastra.span.type":"model_inference"')));
