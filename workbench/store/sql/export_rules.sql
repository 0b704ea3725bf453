-- The ingest's rules that read a step's neighbours (store/_export_rules.py), run again over the runs an export
-- merged into the store gave steps to, the export's steps stored now (merge_export.sql); in the merge's
-- transaction, before those runs are walked again (_export_links.walk_merged_runs).

-- [section given_again]
-- (in merge_export.sql, after export_vs_stored, when it holds a row: most merges give no step otherwise)
-- A step these rules changed, given again by an export as its store held it (the same export merged twice, or
-- another of that store's): read with what the rules wrote, as the ingest reads a step given again after them (same_call_llm.sql, previous_agent.sql, mcp_served_calls.sql)
-- - a model call's parent that took its child's span (workbench.same_call_span): what the child gave;
-- - a step given the agent before it: that agent; an MCP server's span of the agent's call: a chain;
-- - a hand-off naming no agent that the store's stored_handoff_targets.sql named: that agent;
-- - an Agent's run of Haystack's that haystack_stored.sql named: that agent.
-- Anything else the two copies say otherwise still differs.
CREATE OR REPLACE TEMP MACRO export_folded(e, s) AS
    e.kind = 'llm' AND json_exists(s.attributes, '$."workbench.same_call_span"')
    AND NOT coalesce(json_exists(e.attributes, '$."workbench.same_call_span"'), false);

CREATE OR REPLACE TEMP MACRO export_served(e, s) AS
    e.kind = 'tool' AND s.kind = 'chain' AND s.tool IS NULL AND contains(e.attributes::VARCHAR, '"mcp.method.name"')
    AND json_extract_string(e.attributes, '$."mcp.method.name"') = 'tools/call';

-- (an Agent's run of Haystack's own tracing, an unnamed chain step in the export's store, named since by
-- haystack_stored.sql: the agent the store named, its own agent as for any chain step above)
CREATE OR REPLACE TEMP MACRO export_haystack(e, s) AS
    e.name = 'haystack.agent.run' AND e.kind = 'chain' AND e.agent_own IS NULL AND s.kind = 'agent';

CREATE OR REPLACE TEMP MACRO export_ruled(e, s) AS struct_pack(
    parent_id := e.parent_id,
    agent_own := CASE WHEN e.agent_own IS NULL AND e.kind = 'chain' THEN s.agent_own ELSE e.agent_own END,
    kind := CASE WHEN export_served(e, s) OR export_haystack(e, s) THEN s.kind ELSE e.kind END, name := e.name,
    tool := CASE WHEN export_served(e, s) THEN s.tool ELSE e.tool END, model := e.model,
    started_us := epoch_us(e.started_at), ended_us := epoch_us(e.ended_at),
    status := CASE WHEN export_folded(e, s) AND s.status = 'error' THEN s.status ELSE e.status END,
    error := CASE WHEN export_folded(e, s) THEN coalesce(e.error, s.error) ELSE e.error END,
    input := CASE WHEN export_folded(e, s) THEN coalesce(e.input, s.input) ELSE e.input END,
    -- (a hand-off naming no agent, named since by stored_handoff_targets.sql: the agent the store named)
    output := CASE WHEN export_folded(e, s) THEN coalesce(e.output, s.output)
                   WHEN e.kind = 'handoff' AND s.kind = 'handoff' AND e.output IS NULL
                        AND e.status IS DISTINCT FROM 'error' THEN s.output
                   ELSE e.output END,
    tokens_in := e.tokens_in, tokens_out := e.tokens_out,
    cost := CASE WHEN export_folded(e, s) THEN coalesce(e.cost, s.cost) ELSE e.cost END,
    confidence := CASE WHEN export_folded(e, s) THEN coalesce(e.confidence, s.confidence) ELSE e.confidence END,
    entropy := CASE WHEN export_folded(e, s) THEN coalesce(e.entropy, s.entropy) ELSE e.entropy END,
    attributes := CASE WHEN export_folded(e, s)
                       THEN json_merge_patch(coalesce(e.attributes, '{}'), json_object('workbench.same_call_span',
                            json_extract_string(s.attributes, '$."workbench.same_call_span"')))
                       ELSE e.attributes END);

DELETE FROM export_vs_stored v
WHERE EXISTS (SELECT 1 FROM export_first_steps e JOIN steps s ON s.run_id = e.run_id AND s.step_id = e.step_id
              WHERE e.export_file = v.export_file AND e.export_row = v.export_row
                AND step_differs(export_ruled(e, s), stored_step(s)) = '');

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

-- [section stage]
-- The export's steps of those runs as the ingest stages steps (ingest/_stage_tables.py's columns), for the rules
-- written on the stage: read as a later ingest call's, the store holding the rest of their runs. Not the tool
-- steps its store read out of messages (derived_tools, as merge_export.sql filled it from the export): the rule
-- reads them again, and a staged tool step says the run's tools were traced.
CREATE OR REPLACE TEMP TABLE stage_steps AS
SELECT file, line, run_id, step_id, parent_id, agent_own AS agent, agent_own IS NOT NULL AS is_agent, kind, name,
       tool, model, epoch_ns(started_at) AS start_ns, epoch_ns(ended_at) AS end_ns, latency_ms, status, error,
       input, output, tokens_in, tokens_out, cost, confidence, entropy, attributes::VARCHAR AS attributes,
       order_hint, source, NULL::VARCHAR AS raw
FROM export_new_steps n SEMI JOIN export_rule_runs USING (run_id)
WHERE NOT EXISTS (SELECT 1 FROM derived_tools d WHERE d.run_id = n.run_id AND d.step_id = n.step_id);

-- [section message_tools]
-- (after ingest/_message_tools.stage_message_tools) the tool calls read out of the messages of both sides' model
-- steps, stored as the ingest stores a staged step (finalize_insert.sql; agent, depth and order by the walk);
-- records read, as the ingest counts them.
CREATE OR REPLACE TEMP TABLE export_message_tools AS
SELECT run_id, step_id, parent_id, agent AS agent_own, kind, name, tool, model,
       make_timestamp(start_ns // 1000) AS started_at, make_timestamp(end_ns // 1000) AS ended_at,
       coalesce(latency_ms, (end_ns - start_ns) / 1e6) AS latency_ms, status, error, input, output, tokens_in,
       tokens_out, cost, confidence, entropy, attributes::JSON AS attributes, source, file, line, order_hint
FROM stage_steps n SEMI JOIN staged_derived d ON d.rid = n.rowid
WHERE NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = n.run_id AND s.step_id = n.step_id);

INSERT INTO steps BY NAME SELECT * FROM export_message_tools;

INSERT INTO derived_tools SELECT run_id, step_id FROM export_message_tools;

UPDATE export_counts SET steps_read = steps_read + (SELECT count(*) FROM export_message_tools),
                         steps_added = steps_added + (SELECT count(*) FROM export_message_tools);

-- [section previous]
-- Steps that act for the agent of the step before them (ingest/_step_agents.py), that step on the other side:
-- stored_agent_of_previous.sql over these runs with nothing staged (the export's steps are stored now).
CREATE OR REPLACE TEMP TABLE _previous_runs AS SELECT run_id FROM export_rule_runs;

DELETE FROM stage_steps;
