-- ingest/_mcp_served.py, inside the merge's transaction: the stored server spans mcp_served_stored.sql found are
-- steps of the agent's call now, as mcp_served_calls.sql makes the staged ones.
UPDATE steps SET kind = 'chain', tool = NULL
FROM mcp_served_stored x
WHERE steps.run_id = x.run_id AND steps.step_id = x.step_id AND steps.kind = 'tool';

DROP TABLE mcp_served_stored;
