-- ingest/_mcp_served.py: the other order of mcp_served_calls.sql. A server's span stored by an earlier ingest call
-- (its file read first: the client's span it is a child of was not there yet, so it stayed a call) whose client
-- `tools/call` span is staged now under a tool step of the same tool (staged or stored): found before the merge,
-- rewritten in its transaction (mcp_served_fold.sql), as the staged ones are here.
CREATE OR REPLACE TEMP TABLE mcp_served_stored AS
WITH clients AS (
    SELECT run_id, step_id, parent_id FROM stage_steps
    WHERE kind IS DISTINCT FROM 'tool' AND contains(attributes, 'mcp.method.name') AND run_id IS NOT NULL
      AND json_valid(attributes) AND json_extract_string(attributes, '$."mcp.method.name"') = 'tools/call'
), client_runs AS (
    SELECT DISTINCT run_id FROM clients
), near AS (
    SELECT run_id, step_id, kind, tool FROM stage_steps SEMI JOIN client_runs USING (run_id)
    UNION ALL
    SELECT run_id, step_id, kind, tool FROM steps SEMI JOIN client_runs USING (run_id)
)
SELECT DISTINCT s.run_id, s.step_id
FROM steps s
JOIN clients c ON c.run_id = s.run_id AND c.step_id = s.parent_id
JOIN near g ON g.run_id = c.run_id AND g.step_id = c.parent_id
WHERE s.kind = 'tool' AND g.kind = 'tool' AND g.tool = s.tool
  AND contains(s.attributes::VARCHAR, 'mcp.method.name')
  AND json_extract_string(s.attributes, '$."mcp.method.name"') = 'tools/call';
