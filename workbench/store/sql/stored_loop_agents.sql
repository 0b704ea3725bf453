-- The naming rules of runs whose spans name no agent (loop_agents.sql, component_agents.sql, tool_agents.sql:
-- ingest/_step_agents.loop_agents) over the stored steps of the runs a call touched that the store held before,
-- in the merge's transaction (store/_stored_rules.py). A Haystack pipeline's components are named by the pipeline
-- step's input and output, a LangChain sub-agent's loop by the tool that called it: rules of a step's parent and
-- children, which a call holding the step without them (a trace read in two files, either order) could not apply.
-- One call names the traces as staged, before a trace that continues another by a span link joins its run
-- (ingest/_links.py): the rules read a stored run by trace (a moved step's otel.trace_id, else its run).

-- [section keep]
-- (in a call whose staging ran the rules: staged_unnamed, the staged runs that named no agent before them)
-- The steps this call stores whose agent the rules gave: a later call tells them from a log's names.
INSERT INTO rule_agents
SELECT n.run_id, n.step_id FROM stage_new n JOIN stage_n s ON s.rid = n.rid
WHERE n.agent IS NOT NULL
  AND coalesce(CASE WHEN json_valid(s.attributes) THEN json_extract_string(s.attributes, '$."otel.trace_id"') END,
               n.run_id) IN (SELECT run_id FROM staged_unnamed)
  AND NOT EXISTS (SELECT 1 FROM rule_agents r WHERE r.run_id = n.run_id AND r.step_id = n.step_id);

-- [section node_keep]
-- (in a call whose readers named model calls by their LangGraph metadata: staged_node_agents, node_agents.sql) The
-- calls this call stores so named: a later call bringing their node's span takes the name back, as one call of both
-- never gives it (the node_steps section).
INSERT INTO rule_agents
SELECT n.run_id, n.step_id FROM stage_new n SEMI JOIN staged_node_agents g ON g.run_id = n.run_id AND g.step_id = n.step_id
WHERE n.agent IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM rule_agents r WHERE r.run_id = n.run_id AND r.step_id = n.step_id);

-- [section node_steps]
-- (before the naming rules run on loop_steps, as node_agents.sql runs before them in the staging) The model calls
-- a rule named (log_agent NULL, stored_agent given) that name no agent now and whose parent is not in their stored
-- run: named again by their metadata (_stored_rules._stored_node_agents); a call whose node's span came is not.
SELECT l.stored_run, l.step_id, l.attributes FROM loop_steps l
WHERE l.agent IS NULL AND l.log_agent IS NULL AND l.stored_agent IS NOT NULL AND l.kind = 'llm'
  AND l.parent_id IS NOT NULL AND contains(l.attributes, 'metadata')
  AND NOT EXISTS (SELECT 1 FROM loop_steps p WHERE p.stored_run = l.stored_run AND p.step_id = l.parent_id);

-- [section derived]
-- (in a call that read tool calls out of messages: staged_derived, message_tools.sql) The made-up steps this call
-- stores: a later call tells them from a log's tool steps.
INSERT INTO derived_tools
SELECT n.run_id, n.step_id FROM stage_new n SEMI JOIN staged_derived d ON d.rid = n.rid
WHERE NOT EXISTS (SELECT 1 FROM derived_tools m WHERE m.run_id = n.run_id AND m.step_id = n.step_id);

-- [section handoffs]
-- (in a call whose staging named hand-offs: staged_handoffs, handoff_targets.sql) The hand-offs this call stores
-- whose output the rule gave: a later call names them again (stored_handoff_targets.sql).
INSERT INTO rule_handoffs
SELECT n.run_id, n.step_id FROM stage_new n SEMI JOIN staged_handoffs h ON h.rid = n.rid
WHERE NOT EXISTS (SELECT 1 FROM rule_handoffs r WHERE r.run_id = n.run_id AND r.step_id = n.step_id);

-- [section runs]
-- The touched runs the store held (their run rows are rebuilt after this) that the rules named steps of, and, when
-- this call staged a run naming no agent ($unnamed), those with a trace whose stored steps name none but by the
-- rules.
CREATE OR REPLACE TEMP TABLE loop_runs AS
WITH held AS (SELECT run_id FROM affected SEMI JOIN runs r ON r.run_id = affected.run_id)
SELECT run_id FROM held SEMI JOIN rule_agents r ON r.run_id = held.run_id
UNION
SELECT DISTINCT run_id FROM (
    SELECT s.run_id FROM steps s SEMI JOIN held h ON h.run_id = s.run_id
    WHERE $unnamed
    GROUP BY s.run_id, json_extract_string(s.attributes, '$."otel.trace_id"')
    HAVING count(*) FILTER (WHERE s.agent_own IS NOT NULL
                              AND NOT EXISTS (SELECT 1 FROM rule_agents r
                                              WHERE r.run_id = s.run_id AND r.step_id = s.step_id)) = 0);

-- [section shape]
-- The stored steps in stage_steps' columns, for the staging's rules run on stored runs: agent the agent the log gave
-- (log_agent: a name the rules gave taken away) or the one stored (stored_agent), as the rule reads it; less the
-- tool steps read out of model calls' messages (one call reads those after every such rule: message_tools.sql).
-- run_id: the trace as staged (see above); stored_run: the run the step is stored in.
CREATE OR REPLACE TEMP VIEW stored_as_staged AS
SELECT s.file, s.line, coalesce(json_extract_string(s.attributes, '$."otel.trace_id"'), s.run_id) AS run_id,
       s.step_id, s.parent_id, NULL::VARCHAR AS agent, NULL::BOOLEAN AS is_agent,
       s.kind, s.name, s.tool, s.model, epoch_ns(s.started_at) AS start_ns, epoch_ns(s.ended_at) AS end_ns,
       s.latency_ms, s.status, s.error, s.input, s.output, s.tokens_in, s.tokens_out, s.cost, s.confidence,
       s.entropy, s.attributes::VARCHAR AS attributes, s.order_hint, s.source, NULL::VARCHAR AS raw,
       CASE WHEN r.step_id IS NULL THEN s.agent_own END AS log_agent, s.agent_own AS stored_agent,
       s.input AS stored_input, s.run_id AS stored_run
FROM steps s LEFT JOIN rule_agents r ON r.run_id = s.run_id AND r.step_id = s.step_id
ANTI JOIN derived_tools d ON d.run_id = s.run_id AND d.step_id = s.step_id;

-- [section steps]
-- The picked runs' steps as the logs named them.
CREATE OR REPLACE TEMP TABLE loop_steps AS
SELECT * REPLACE (log_agent AS agent) FROM stored_as_staged s SEMI JOIN loop_runs l ON l.run_id = s.stored_run;

-- [section apply]
-- (after the rules named loop_steps) Each step's own agent as one call of the whole run gives it, and the runs
-- whose steps changed walked again (the walk section: agents inherited down the tree).
CREATE OR REPLACE TEMP TABLE loop_changed AS
SELECT DISTINCT stored_run AS run_id FROM loop_steps WHERE agent IS DISTINCT FROM stored_agent;

UPDATE steps SET agent_own = l.agent
FROM loop_steps l
WHERE steps.run_id = l.stored_run AND steps.step_id = l.step_id AND l.agent IS DISTINCT FROM l.stored_agent;

DELETE FROM rule_agents WHERE run_id IN (SELECT run_id FROM loop_runs);

INSERT INTO rule_agents
SELECT stored_run, step_id FROM loop_steps WHERE agent IS NOT NULL AND log_agent IS NULL;

-- [section walk]
-- The changed runs' trees, every step a stored one, for the ingest's walk (ingest/_tree_walk.py; the tree's rules
-- read a stored step's name and attributes from steps, chunk_n holding no staged row).
CREATE OR REPLACE TEMP TABLE tree_rows AS
SELECT run_id, step_id, parent_id, agent_own, NULL::BIGINT AS rid FROM steps SEMI JOIN loop_changed USING (run_id);

CREATE OR REPLACE TEMP VIEW chunk_n AS
SELECT NULL::BIGINT AS rid, NULL::VARCHAR AS name, NULL::VARCHAR AS status, NULL::JSON AS attributes WHERE false;

-- [section text_runs]
-- (a call that staged a tool step whose input may be its one argument's text, or a model step of a run the store
-- held: _tool_text_input.py's rule, its tool step and the model step asking for it read in two calls)
-- The touched runs the store held with a tool step whose input is text, not JSON (the rule's candidates).
CREATE OR REPLACE TEMP TABLE text_runs AS
SELECT DISTINCT s.run_id FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id SEMI JOIN runs r ON r.run_id = s.run_id
WHERE s.kind = 'tool' AND s.tool IS NOT NULL AND s.input IS NOT NULL
  AND coalesce(CASE WHEN json_valid(s.input) THEN json_type(s.input::JSON) END, '') NOT IN ('OBJECT', 'ARRAY');

-- [section text_steps]
CREATE OR REPLACE TEMP TABLE loop_steps AS
SELECT * REPLACE (stored_agent AS agent) FROM stored_as_staged s SEMI JOIN text_runs t ON t.run_id = s.stored_run;

-- [section text_apply]
UPDATE steps SET input = l.input
FROM loop_steps l
WHERE steps.run_id = l.stored_run AND steps.step_id = l.step_id AND l.kind = 'tool'
  AND l.input IS DISTINCT FROM l.stored_input;
