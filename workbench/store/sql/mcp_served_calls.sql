-- ingest/_mcp_served.py: a tool call an MCP server traced too. MCP's Python SDK (2.x) traces both ends by
-- default: the client's `MCP send tools/call <tool>` span puts W3C trace context into the request's _meta and
-- the server's OpenTelemetryMiddleware opens `tools/call <tool>` (gen_ai.operation.name execute_tool) as its
-- child. Under an agent framework's own span of the call (openai-agents' `execute_tool <tool>`) one call was
-- two tool steps. The server's span under a client's tools/call span under a tool step of the same tool is a
-- step of that call: a chain naming no tool (its status, error, timing and output kept). A server span with no
-- call of the agent's above it (the agent side untraced) stays the call. The steps above a staged server span
-- are looked for among the staged steps and the stored ones of its run: a server's file ingested after the
-- agent's (or again) reads the same as both in one call. (A server's spans stored before the agent's:
-- mcp_served_stored.sql.)
CREATE OR REPLACE TEMP TABLE mcp_served AS
WITH mcp AS (
    SELECT run_id, step_id, parent_id, kind, tool
    FROM stage_steps
    WHERE contains(attributes, 'mcp.method.name') AND run_id IS NOT NULL AND step_id IS NOT NULL
      AND json_valid(attributes) AND json_extract_string(attributes, '$."mcp.method.name"') = 'tools/call'
), mcp_runs AS (
    SELECT DISTINCT run_id FROM mcp
), near AS (
    SELECT run_id, step_id, parent_id, kind, tool, attributes::VARCHAR AS attributes
    FROM stage_steps SEMI JOIN mcp_runs USING (run_id)
    UNION ALL
    SELECT run_id, step_id, parent_id, kind, tool, attributes::VARCHAR AS attributes
    FROM steps SEMI JOIN mcp_runs USING (run_id)
), clients AS (
    SELECT run_id, step_id, parent_id FROM near
    WHERE kind IS DISTINCT FROM 'tool' AND contains(attributes, 'mcp.method.name') AND json_valid(attributes)
      AND json_extract_string(attributes, '$."mcp.method.name"') = 'tools/call'
)
SELECT DISTINCT s.run_id, s.step_id
FROM mcp s
JOIN clients c ON c.run_id = s.run_id AND c.step_id = s.parent_id
JOIN near g ON g.run_id = c.run_id AND g.step_id = c.parent_id
WHERE s.kind = 'tool' AND g.kind = 'tool' AND g.tool = s.tool;

UPDATE stage_steps SET kind = 'chain', tool = NULL
FROM mcp_served x
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.step_id AND stage_steps.kind = 'tool';
