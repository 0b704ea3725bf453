-- The ingest's rules that read a step's neighbours (store/_export_rules.py), run again over the runs an export
-- merged into the store gave steps to, the export's steps stored now (merge_export.sql); in the merge's
-- transaction, before those runs are walked again (_export_links.walk_merged_runs).

-- [section runs]
-- The runs whose steps came from both sides: stored runs given steps by the export, and runs joined across the
-- two (export_linked.sql's moves). A run only one side holds went through these rules in the store that held it.
CREATE OR REPLACE TEMP TABLE export_rule_runs AS
SELECT run_id FROM affected SEMI JOIN export_new_steps USING (run_id)
UNION SELECT new_run FROM export_stored_moves UNION SELECT new_run FROM export_moves;

-- [section same_call]
-- A model call's two spans (ingest/_same_call.py; the rule is same_call_llm.sql's), one on each side: one step,
-- as one ingest of both parts stores it. A store that read the framework's span and one that read its model
-- client's span each kept its half; merged, the call was two LLM steps, its tokens counted twice.
-- The LLM steps of those runs, each side told apart (new: merged from the export now).
CREATE OR REPLACE TEMP TABLE export_pair_llm AS
SELECT s.run_id, s.step_id, s.parent_id, s.model, s.tokens_in, s.tokens_out,
       json_extract_string(s.attributes, '$."gcp.vertex.agent.event_id"') AS event_id,
       json_extract_string(s.attributes, '$."workbench.same_call_span"') AS named,
       n.step_id IS NOT NULL AS new
FROM steps s SEMI JOIN export_rule_runs r USING (run_id)
LEFT JOIN (SELECT run_id, step_id FROM export_new_steps WHERE kind = 'llm') n USING (run_id, step_id)
WHERE s.kind = 'llm';

CREATE OR REPLACE TEMP TABLE export_pair_kids AS
SELECT run_id, parent_id, count(*) AS n FROM export_pair_llm WHERE parent_id IS NOT NULL GROUP BY ALL;

-- A pair with one half on each side: the parent's only LLM child, itself without any, both by the rule (neither
-- a pair's step already); or a stored pair's parent, which names its child's span, and that child kept by the
-- other side (it read the child alone).
CREATE OR REPLACE TEMP TABLE export_pairs AS
SELECT p.run_id, p.step_id AS parent, c.step_id AS child, c.new AS child_new
FROM export_pair_llm p JOIN export_pair_llm c ON c.run_id = p.run_id AND c.parent_id = p.step_id
WHERE p.new <> c.new
  AND lower(regexp_replace(p.model, '^.*/', '')) = lower(regexp_replace(c.model, '^.*/', ''))
  AND p.tokens_in = c.tokens_in AND p.tokens_out = c.tokens_out
  AND (p.named = c.step_id
       OR (p.named IS NULL AND c.named IS NULL
           AND (p.event_id IS NULL OR c.event_id IS NULL OR p.event_id = c.event_id)
           AND (SELECT k.n FROM export_pair_kids k WHERE k.run_id = p.run_id AND k.parent_id = p.step_id) = 1
           AND NOT EXISTS (SELECT 1 FROM export_pair_kids g WHERE g.run_id = c.run_id AND g.parent_id = c.step_id)));

-- same_call_fold.sql's tables: the parent as it becomes with what its child gave; the stored children that go
-- (same_call_down: their runs' findings counted the call twice) and the export's (same_call_up: new to the run).
CREATE OR REPLACE TEMP TABLE same_call_folded AS
SELECT p.run_id, p.step_id, coalesce(p.input, c.input) AS input, coalesce(p.output, c.output) AS output,
       coalesce(p.cost, c.cost) AS cost, coalesce(p.confidence, c.confidence) AS confidence,
       coalesce(p.entropy, c.entropy) AS entropy, CASE WHEN c.status = 'error' THEN 'error' ELSE p.status END AS status,
       coalesce(p.error, c.error) AS error,
       json_merge_patch(coalesce(p.attributes, '{}'), json_object('workbench.same_call_span', x.child)) AS attributes,
       x.child
FROM export_pairs x
JOIN steps p ON p.run_id = x.run_id AND p.step_id = x.parent
JOIN steps c ON c.run_id = x.run_id AND c.step_id = x.child;

CREATE OR REPLACE TEMP TABLE same_call_down AS SELECT run_id, parent, child FROM export_pairs WHERE NOT child_new;

CREATE OR REPLACE TEMP TABLE same_call_up AS SELECT run_id, parent, child FROM export_pairs WHERE child_new;

-- [section same_call_up]
-- (after same_call_fold.sql) the export's children go too: the parent holds the call now.
DELETE FROM steps WHERE EXISTS (SELECT 1 FROM same_call_up x WHERE x.run_id = steps.run_id AND x.child = steps.step_id);

UPDATE export_counts SET steps_added = steps_added - (SELECT count(*) FROM same_call_up);

-- [section served]
-- An MCP server's span of a tool call the agent side traced too (ingest/_mcp_served.py; the rule is
-- mcp_served_calls.sql's), the server's span on one side, the agent's call on the other: a step of that call
-- (a chain naming no tool), as one ingest of both stores it.
UPDATE steps SET kind = 'chain', tool = NULL
FROM (SELECT s.run_id, s.step_id
      FROM steps s SEMI JOIN export_rule_runs USING (run_id)
      JOIN steps c ON c.run_id = s.run_id AND c.step_id = s.parent_id
      JOIN steps g ON g.run_id = c.run_id AND g.step_id = c.parent_id
      WHERE s.kind = 'tool' AND contains(s.attributes::VARCHAR, 'mcp.method.name')
        AND json_extract_string(s.attributes, '$."mcp.method.name"') = 'tools/call'
        AND c.kind IS DISTINCT FROM 'tool' AND contains(c.attributes::VARCHAR, 'mcp.method.name')
        AND json_extract_string(c.attributes, '$."mcp.method.name"') = 'tools/call'
        AND g.kind = 'tool' AND g.tool = s.tool) x
WHERE steps.run_id = x.run_id AND steps.step_id = x.step_id;

-- [section previous]
-- Steps that act for the agent of the step before them (ingest/_step_agents.py), that step on the other side:
-- stored_agent_of_previous.sql over these runs with nothing staged (previous_agent.sql reads stage_steps too).
CREATE OR REPLACE TEMP TABLE _previous_runs AS SELECT run_id FROM export_rule_runs;

CREATE TEMP TABLE IF NOT EXISTS stage_steps (run_id VARCHAR, step_id VARCHAR, parent_id VARCHAR, start_ns BIGINT,
                                             agent VARCHAR);
