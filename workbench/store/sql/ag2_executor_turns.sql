-- AG2 group chats (ingest/_ag2_errors.py): each staged _Group_Tool_Executor turn (listed in agent_of_previous,
-- tagged ag2.span.type) with its output and its tool steps in the order they started.
SELECT p.run_id, p.output,
       list(struct_pack(step_id := c.step_id, status := c.status, error := c.error) ORDER BY c.start_ns, c.step_id)
FROM (SELECT n.run_id, n.step_id, n.output
      FROM stage_steps n SEMI JOIN agent_of_previous t ON t.run_id = n.run_id AND t.step_id = n.step_id
      WHERE n.output IS NOT NULL AND json_extract_string(n.attributes, '$."ag2.span.type"') IS NOT NULL) p
JOIN stage_steps c ON c.run_id = p.run_id AND c.parent_id = p.step_id AND c.kind = 'tool'
GROUP BY p.run_id, p.step_id, p.output;
