-- Rebuild the runs rows of the affected runs (temp table `affected`) from their steps, what the
-- logs declared about them (stage_runs, then the stored row) and labels. Outcome precedence:
-- a label's outcome > the outcome the log declares > the root span's status. Runs after
-- finalize*.sql, which gathered the roots of their trees in run_roots.

-- A run's attributes gathered from several run records (the stored run's, then this call's in the order
-- they were staged): merged key by key, a later record's value winning, so that a record adding one
-- attribute keeps the others (an any-agent dump's output, then the same trace's OTLP copy's resource).
-- Anything but two JSON objects (or a merge DuckDB cannot make) keeps the later value whole.
CREATE OR REPLACE TEMP MACRO merge_objects(a, b) AS CASE
    WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    WHEN json_type(a) = 'OBJECT' AND json_type(b) = 'OBJECT'
    THEN coalesce(try(to_json(map_concat(json_transform(a, '"MAP(VARCHAR, JSON)"'),
                                         json_transform(b, '"MAP(VARCHAR, JSON)"')))), b)
    ELSE b END;

-- [section root_said]
-- (left out, root_said created empty, when no root of an affected run is unset or an OpenAI Agents SDK
-- instrumentation's OK: every part below starts from those roots; the driver counts them with the report's
-- counts)
-- A root whose OK says nothing: the OpenAI Agents SDK's instrumentations by OpenInference (openinference-
-- instrumentation-openai-agents) and OpenLLMetry (Traceloop's opentelemetry-instrumentation-openai-agents) open a
-- span per trace (the workflow's name; "Agent Workflow") and end it OK however the run ended (on_trace_end), a run
-- that raised included. Its steps say more: the agent whose turn raised is in error, and a run whose last agent to
-- start is in error ended on that error (OpenInference puts a span of the SDK's own, also OK, between the root
-- and the agents: the last agent of the run, not the root's last child). A run whose last step but agents is a model
-- call asking for a tool or hand-off that never ran, or (OpenInference, which writes every answer's output and
-- usage) one that got no answer, was cut off: a caller's timeout cancels the run, and no span says an error.
-- (blind_ok_roots in root_said below.)
-- Logfire's span of such a trace (logfire.instrument_openai_agents: "OpenAI Agents trace: {name}", scope
-- logfire.openai_agents) ends with no status at all (the SDK's trace has none; LogfireTraceWrapper.on_ending sets
-- only its ids), while the agent span whose turn raised gets the SDK's error ("Error in agent run", "Max turns
-- exceeded") and Logfire's error level: read by the same rules, and, having no OK to fall back on, a success only
-- when the run answered as the GenAI rule below asks: its last step but agents a model call that gave a reply and
-- asked for no tool or hand-off, no step in error, no record in the quarantine.
-- A root left unset whose run OpenLLMetry says ended well or not: its LangChain instrumentation sets
-- gen_ai.task.status (success / failure) on its callback's workflow span (traceloop.span.kind workflow), which
-- is the root, or (0.5x+, LangGraph) the root's child under the graph's invoke_agent span, which it sets an
-- error status on only when the graph raised. Read only where the root says nothing: its own error or ok wins.
-- (The JSON is read after the join, on the roots and their children only, not on every step's attributes.)
CREATE OR REPLACE TEMP TABLE root_said AS
WITH blind_ok_roots AS (
    SELECT r.run_id, r.step_id, s.status = 'unset' AS unset FROM run_roots r
    JOIN affected_steps s ON s.run_id = r.run_id AND s.step_id = r.step_id
    WHERE s.parent_id IS NULL AND ((
          s.status = 'ok' AND contains(s.attributes, '.instrumentation.openai_agents')
          AND json_extract_string(s.attributes, '$."otel.scope.name"') IN (
              'openinference.instrumentation.openai_agents', 'opentelemetry.instrumentation.openai_agents'))
       OR (s.status = 'unset' AND contains(s.attributes, 'logfire.openai_agents')
           AND json_extract_string(s.attributes, '$."otel.scope.name"') = 'logfire.openai_agents'
           AND json_extract_string(s.attributes, '$."logfire.msg_template"') = 'OpenAI Agents trace: {name}'))
), unset_roots AS MATERIALIZED (
    -- (each numbered, k: the parts below carry and group by that number, not the run's and root's ids. Held with
    -- the two ids, the roots and their children (1.5M rows at 5M generated spans) and the group-bys' tables
    -- outgrew the merge's 192 MB and spilled: 0.4 CPU s at 1M, 3-6 at 5M, 2.0-2.2 at 5M given 1 GB.
    -- the number is the row's in run_roots, a table; MATERIALIZED: the roots joined with the steps once)
    SELECT r.run_id, r.step_id, r.rowid AS k FROM run_roots r
    JOIN affected_steps s ON s.run_id = r.run_id AND s.step_id = r.step_id
    WHERE s.status = 'unset'
), near_rows AS (
    SELECT u.k, c.status, c.attributes, false AS child, c.kind, c.started_at, c.seq
    FROM unset_roots u JOIN affected_steps c ON c.run_id = u.run_id AND c.step_id = u.step_id
    UNION ALL
    SELECT u.k, c.status, c.attributes, true AS child, c.kind, c.started_at, c.seq
    FROM unset_roots u JOIN affected_steps c ON c.run_id = u.run_id AND c.parent_id = u.step_id
), near AS MATERIALIZED (
    -- (what the parts below read of the attributes, read here: the roots and their children are held without
    -- them. task: OpenLLMetry's gen_ai.task.status of a workflow span, genai: a GenAI workflow or agent root)
    SELECT * EXCLUDE (attributes),
           CASE WHEN contains(attributes, 'gen_ai.task.status')
                     AND json_extract_string(attributes, '$."traceloop.span.kind"') = 'workflow'
                THEN json_extract_string(attributes, '$."gen_ai.task.status"') END AS task,
           CASE WHEN NOT child THEN coalesce(json_extract_string(attributes, '$."gen_ai.operation.name"')
                                              IN ('invoke_workflow', 'invoke_agent'), false)
                ELSE false END AS genai,
           -- (chat_error: an AutoGen group chat's manager handling a GroupChatError, below)
           CASE WHEN child AND contains(attributes, '"recipient_agent_class"') AND contains(attributes, '{\"error\":')
                THEN coalesce(json_extract_string(attributes, '$."messaging.operation"') = 'process'
                              AND regexp_matches(json_extract_string(attributes, '$.recipient_agent_class'),
                                                 '^(\w+GroupChatManager|MagenticOneOrchestrator|GraphFlowManager)$')
                              AND starts_with(json_extract_string(attributes, '$.message'), '{"error":'), false)
                ELSE false END AS chat_error
    FROM near_rows
), said AS (
    SELECT k, status, task FROM near WHERE task IS NOT NULL
)
-- A root left unset whose last child is an agent invocation that ended in error: the run ended on that error.
-- The official OpenTelemetry instrumentation of the OpenAI Agents SDK (opentelemetry-instrumentation-genai-
-- openai-agents, util-genai's invoke_workflow) ends the workflow span with no status however the run ended (the
-- SDK's trace has no error), while the agent span whose turn raised (a tool's exception, "Max turns exceeded", a
-- guardrail's tripwire) gets an ERROR status and the exception goes to the caller. A later child (another agent,
-- a model call answering anyway) means the app went on after the error: nothing said.
, last_child AS (
    SELECT k, l.kind, l.status FROM (
        SELECT k, arg_max({'kind': kind, 'status': status},
                       (CASE WHEN started_at IS NULL THEN -9223372036854775808
                             WHEN started_at = 'infinity' THEN 9223372036854775807 WHEN started_at = '-infinity' THEN -9223372036854775807
                             ELSE epoch_us(started_at) END)::HUGEINT * 18446744073709551616
                       + (coalesce(seq, -9223372036854775808)::HUGEINT + 9223372036854775808)) AS l
        FROM near WHERE child GROUP BY k)
)
-- A root left unset that is a GenAI workflow or agent invocation (gen_ai.operation.name invoke_workflow /
-- invoke_agent) whose run ended on a model call that finished its turn (finish reason stop / end_turn: the model
-- answered, it asked for no tool or hand-off), with no step of the run in error: the run finished and answered.
-- The official OpenAI Agents SDK instrumentation never sets the workflow's status but puts an ERROR on the agent
-- whose turn raised (model error, max turns, guardrail, a tool's exception); the official LangChain one and ADK's
-- own telemetry put it on the root. A run that raised, was cut mid-answer (length, no finish reason), handed off
-- or called a tool last, or went on after an error (a tool error answered with an apology) is not read a success.
-- "Nothing in error" is said only of what was stored whole: a step whose status gives an error text without the
-- error code is in error, and a run with a record of this call or an earlier one in the quarantine (a span the
-- reader refused: its error may be the one that span held) is not read a success from the rest.
, genai_rows AS (
    SELECT n.k, u.run_id FROM near n JOIN unset_roots u ON u.k = n.k WHERE n.genai
), genai_roots AS (
    -- (g: a number of the root's run, its first root's k)
    SELECT k, run_id, g FROM genai_rows JOIN (SELECT run_id, min(k) AS g FROM genai_rows GROUP BY run_id) USING (run_id)
), genai_last AS (
    -- Each run's last step (the latest start, a step without one first; then the highest seq, one without first)
    -- by arg_max in one pass, where a window's row_number() sorted every step of the run with its attributes
    -- (1M generated OTLP spans: 2.4 of root_said's 2.5 CPU s, spilling at the merge's 192MB). The order is one
    -- HUGEINT (start in µs, infinities at the ends, then seq), ~10 % less CPU than a struct of the four ordered
    -- field by field; of a model call only its finish reasons are held (answered reads nothing else), not its
    -- attributes (the text copied into the group's state at every later step: more CPU and memory).
    SELECT g, l.kind, l.status, l.reasons, any_error FROM (
        SELECT r.g,
               arg_max({'kind': s.kind, 'status': s.status,
                        'reasons': CASE WHEN s.kind = 'llm' AND contains(s.attributes, 'gen_ai.response.finish_reasons')
                                        THEN json_extract(s.attributes, '$."gen_ai.response.finish_reasons"') END},
                       (CASE WHEN s.started_at IS NULL THEN -9223372036854775808
                             WHEN s.started_at = 'infinity' THEN 9223372036854775807 WHEN s.started_at = '-infinity' THEN -9223372036854775807
                             ELSE epoch_us(s.started_at) END)::HUGEINT * 18446744073709551616
                       + (coalesce(s.seq, -9223372036854775808)::HUGEINT + 9223372036854775808)) AS l,
               bool_or(s.status = 'error' OR s.error IS NOT NULL) AS any_error
        FROM affected_steps s JOIN (SELECT DISTINCT run_id, g FROM genai_roots) r ON r.run_id = s.run_id
        GROUP BY r.g)
), answered AS (
    SELECT g.k FROM genai_roots g JOIN genai_last l ON l.g = g.g
    WHERE l.kind = 'llm' AND l.status <> 'error' AND NOT l.any_error
      AND g.run_id NOT IN (SELECT q.run_id FROM quarantine q SEMI JOIN genai_roots x ON x.run_id = q.run_id)
      AND l.reasons IS NOT NULL
      AND coalesce(list_bool_and(list_transform(
              CASE WHEN json_type(l.reasons) = 'ARRAY' THEN json_extract_string(l.reasons, '$[*]')
                   ELSE [json_extract_string(l.reasons, '$')] END,
              lambda r: lower(r) IN ('stop', 'end_turn'))), false)
)
SELECT run_id, root_id, bool_or(failed) AS failed, bool_and(succeeded) AS succeeded FROM (
    SELECT u.run_id, u.step_id AS root_id, n.failed, n.succeeded FROM (
        SELECT k, bool_or(status = 'error' OR task = 'failure') AS failed, bool_and(task = 'success') AS succeeded
        FROM said WHERE task IN ('success', 'failure')
        GROUP BY k
        UNION ALL
        SELECT k, true AS failed, false AS succeeded
        FROM last_child WHERE kind = 'agent' AND status = 'error'
        UNION ALL
        -- A root left unset (autogen-core's messaging spans: it sets no status on them) whose message an AutoGen
        -- AgentChat group chat's manager handled as a GroupChatError (the span's message attribute, the error's
        -- type, text and traceback: {"error": {...}}): a participant raised, and the manager ends the chat on that
        -- error (BaseGroupChatManager.handle_group_chat_error, _signal_termination_with_error; run() raises it).
        -- The chat's stop reason otherwise (TaskResult.stop_reason: a termination condition's) is in no span nor
        -- in its event logger's record (autogen-agentchat 0.7.5: "Message could not be serialized"): said nowhere.
        SELECT DISTINCT k, true AS failed, false AS succeeded FROM near WHERE chat_error
        UNION ALL
        SELECT k, false AS failed, true AS succeeded FROM answered) n
    JOIN unset_roots u ON u.k = n.k
    UNION ALL
    -- (a blind OK whose run has a record in the quarantine says nothing: the refused span may be the agent
    -- that failed; run_steps reads a root of root_said by its row, not its status)
    -- (an unset one, Logfire's, says succeeded when its run answered)
    SELECT b.run_id, b.step_id AS root_id, a.failed,
           b.unset AND NOT a.failed AND a.answered AND NOT a.any_error
           AND b.run_id NOT IN (SELECT q.run_id FROM quarantine q SEMI JOIN blind_ok_roots x ON x.run_id = q.run_id)
               AS succeeded
    FROM blind_ok_roots b JOIN (
        -- (the last agent and the last step but agents of each run)
        SELECT run_id, bool_or(l.failed) AS failed, bool_or(l.answered) AS answered, bool_or(any_error) AS any_error
        FROM (
            SELECT s.run_id, arg_max({'failed': coalesce(
                       (s.kind = 'agent' AND (s.status = 'error' OR s.error IS NOT NULL))
                       OR (s.kind = 'llm' AND (contains(s.output, '"tool_calls":')
                           OR (s.output IS NULL AND s.tokens_out IS NULL
                               AND contains(s.attributes, '"openinference.span.kind"')))), false),
                       'answered': coalesce(s.kind = 'llm' AND s.status <> 'error' AND s.output IS NOT NULL
                                            AND NOT contains(s.output, '"tool_calls":'), false)},
                       {'started': s.started_at IS NOT NULL, 'at': s.started_at,
                        'has_seq': s.seq IS NOT NULL, 'seq': s.seq}) AS l,
                   bool_or(s.status = 'error' OR s.error IS NOT NULL) AS any_error
            FROM affected_steps s SEMI JOIN blind_ok_roots x ON x.run_id = s.run_id
            GROUP BY s.run_id, s.kind = 'agent')
        GROUP BY run_id
    ) a ON a.run_id = b.run_id
    WHERE a.failed OR b.unset
       OR b.run_id IN (SELECT q.run_id FROM quarantine q SEMI JOIN blind_ok_roots x ON x.run_id = q.run_id)
)
GROUP BY run_id, root_id;

-- [section runs]
CREATE OR REPLACE TEMP TABLE run_steps AS
SELECT s.run_id,
       min(s.started_at) AS started_at,
       max(coalesce(s.ended_at, s.started_at)) AS ended_at,
       count(*) AS n_steps,
       any_value(s.source) AS source,
       bool_or(s.status = 'error' OR coalesce(w.failed, false)) FILTER (WHERE r.step_id IS NOT NULL) AS root_error,
       bool_and((s.status = 'ok' AND w.run_id IS NULL) OR coalesce(w.succeeded AND NOT w.failed, false))
           FILTER (WHERE r.step_id IS NOT NULL) AS root_ok,
       -- The run's top is missing: several roots and none a true one (a step naming no parent), each a step
       -- whose parent the log names but never gave (LangSmith's list_runs(run_type="llm"): the model calls
       -- without the node and graph runs above them; a trace whose root span is not exported yet): what those
       -- steps say is not how the run ended, which stays unknown. (One such root is kept as the root: a span
       -- whose parent is a remote caller's, as a service called with a traceparent header exports it.)
       count(r.step_id) > 1 AND NOT bool_or(s.parent_id IS NULL) AS top_missing
FROM affected_steps s
LEFT JOIN run_roots r ON r.run_id = s.run_id AND r.step_id = s.step_id
LEFT JOIN root_said w ON w.run_id = s.run_id AND w.root_id = s.step_id
GROUP BY s.run_id;

-- What the run records declare, a run's records in the order they were staged (a later value wins). A run of one
-- record, the common case (an OTLP trace in one file), takes its record as it is; only runs of several are
-- aggregated. The aggregate's states (text and lists) stay in memory, where DuckDB cannot spill them: over 312,500
-- runs (5M SDK-written OTLP spans) it ran out of the merge's 192MB on two threads and the whole merge ran again
-- within 1GB (_driver.MERGE_RETRY_MEMORY: peak RSS 1,107 MB against 388 MB for staging).
-- [section declared]
-- (run_declared_once.sql in its place when no run id is given twice in the call: _driver._refresh_runs)
CREATE OR REPLACE TEMP TABLE run_declared AS
WITH again AS (SELECT run_id FROM stage_runs GROUP BY run_id HAVING count(*) > 1)
SELECT run_id, source, system, task, outcome, outcome_detail,
       CASE WHEN attributes IS NOT NULL THEN [attributes::JSON] END AS attributes,
       make_timestamp(start_ns // 1000) AS started_at,
       make_timestamp(coalesce(end_ns, start_ns) // 1000) AS ended_at
FROM stage_runs s
WHERE NOT EXISTS (SELECT 1 FROM again g WHERE g.run_id IS NOT DISTINCT FROM s.run_id)
UNION ALL
SELECT run_id,
       arg_max(source, rowid) FILTER (WHERE source IS NOT NULL) AS source,
       arg_max(system, rowid) FILTER (WHERE system IS NOT NULL) AS system,
       arg_max(task, rowid) FILTER (WHERE task IS NOT NULL) AS task,
       arg_max(outcome, rowid) FILTER (WHERE outcome IS NOT NULL) AS outcome,
       arg_max(outcome_detail, rowid) FILTER (WHERE outcome_detail IS NOT NULL) AS outcome_detail,
       list(attributes::JSON ORDER BY rowid) FILTER (WHERE attributes IS NOT NULL) AS attributes,
       make_timestamp(min(start_ns) // 1000) AS started_at,
       make_timestamp(max(coalesce(end_ns, start_ns)) // 1000) AS ended_at
FROM stage_runs s
WHERE EXISTS (SELECT 1 FROM again g WHERE g.run_id IS NOT DISTINCT FROM s.run_id)
GROUP BY run_id;

-- [section labelled]
-- The run's latest outcome label wins; two of one time (one call's, or two calls within the clock's tick) by their
-- order of arrival (rowid: rows are appended), not as DuckDB likes.
CREATE OR REPLACE TEMP TABLE run_labelled AS
SELECT run_id, arg_max(outcome, (created_at, labels.rowid)) AS outcome
FROM labels SEMI JOIN affected a ON a.run_id = labels.run_id
WHERE outcome IS NOT NULL
GROUP BY run_id;

CREATE OR REPLACE TEMP TABLE run_rows AS
SELECT a.run_id,
       coalesce(d.source, old.source, rs.source) AS source,
       coalesce(d.system, old.system) AS system,
       -- The times a run record declares, its steps' and the stored row's: the earliest start and the latest
       -- end win. A run encloses its steps: a record whose start is after a step's (written when the logger
       -- first wrote, after setup, or by another clock) must not leave that step before its run; one earlier
       -- than every step (setup before the first step) is kept. The stored row holds what earlier calls
       -- declared (a later call adding a label or a step keeps it).
       least(d.started_at, rs.started_at, old.started_at) AS started_at,
       greatest(d.ended_at, rs.ended_at, old.ended_at) AS ended_at,
       coalesce(d.outcome, old.declared_outcome) AS declared_outcome,
       CASE WHEN rs.top_missing THEN 'unknown' WHEN rs.root_error THEN 'failure' WHEN rs.root_ok THEN 'success'
            ELSE 'unknown' END AS root_outcome,
       lab.outcome AS label_outcome,
       coalesce(d.outcome_detail, old.outcome_detail) AS outcome_detail,
       coalesce(d.task, old.task) AS task,
       coalesce(rs.n_steps, 0) AS n_steps,
       -- a run record of this call or of an earlier one (a stored row with a source: labels alone give none)
       d.run_id IS NOT NULL OR old.source IS NOT NULL AS recorded,
       CASE WHEN d.attributes IS NULL THEN old.attributes
            ELSE list_reduce(list_prepend(old.attributes, d.attributes), lambda x, y:
                 -- (a later record of the same value, the same text or written otherwise, its keys in another
                 -- order or spaced otherwise: a native file's records given again as Python objects, a Who&When
                 -- record in a .json and a .jsonl file), adds nothing: the stored text stays, as step_differs.sql's
                 -- same_json reads a step given again. Merged with itself it was written anew (to_json's spacing):
                 -- the text then hung on whether a record came once or twice, and a store merged from an export,
                 -- which gives an identical row no second time, kept the first text. The same text, the common
                 -- case, never reaches the Python test. Written here, not as a macro: one statement less a call,
                 -- tests/ingest/test_perf18_small_calls.py)
                 CASE WHEN x::VARCHAR = y::VARCHAR THEN x WHEN wb_same_json(x::VARCHAR, y::VARCHAR) THEN x
                      ELSE merge_objects(x, y) END)
       END AS attributes
FROM affected a
LEFT JOIN run_steps rs ON rs.run_id = a.run_id
LEFT JOIN run_declared d ON d.run_id = a.run_id
LEFT JOIN runs old ON old.run_id = a.run_id
LEFT JOIN run_labelled lab ON lab.run_id = a.run_id;

-- [section labelled_before]
-- (run, with labelled_after in place of detected, by a call that stages labels only, no step, edge or run record,
-- of runs the store holds: ws.label, ws.label_file) What the detectors read of such a run's row as it was
-- (detect/sql: its outcome, reported outcome, task and times; they read no label, and its steps and edges stay
-- as they were): labelled_after keeps its marks unless that changed (a label of another outcome).
CREATE OR REPLACE TEMP TABLE labelled_before AS
SELECT run_id, outcome, reported_outcome, task, started_at, ended_at FROM runs SEMI JOIN affected USING (run_id);

-- [section delete_rows]
-- (left out when no affected run is in the runs table: _driver's old_runs count)
DELETE FROM runs WHERE run_id IN (SELECT run_id FROM affected);

-- [section rows]

INSERT INTO runs BY NAME
SELECT run_id, source, system, started_at, ended_at,
       coalesce(label_outcome, declared_outcome,
                CASE WHEN n_steps > 0 THEN root_outcome END, 'unknown') AS outcome,
       CASE WHEN label_outcome IS NOT NULL THEN 'label'
            WHEN declared_outcome IS NOT NULL THEN 'declared'
            WHEN n_steps > 0 AND root_outcome <> 'unknown' THEN 'root_status'
            ELSE 'none' END AS outcome_source,
       outcome_detail, declared_outcome,
       coalesce(declared_outcome, CASE WHEN n_steps > 0 THEN root_outcome END, 'unknown') AS reported_outcome,
       task, n_steps, attributes
FROM run_rows
-- A run the call's labels name, of no step and no run record (a typo, or labels given before their logs), gets no
-- row: it is not a run of the log, and counted as one it was a failed run of no step in investigate's counts, the
-- tuners', the backtest's. Its labels are kept (labels table) and give its outcome when its logs come (run_labelled
-- reads the stored labels of every affected run); the report names it (ingest/_label_runs.py).
WHERE n_steps > 0 OR recorded;

-- [section detected]
-- A run this call touched is no longer detected (schema.sql's detected): its steps, records or labels, which the
-- detectors read, may have changed; detect="auto" runs them on it again. (left out when no affected run is in the
-- runs table, nor a stored run moved in: the marks are of stored runs only, and a run moved into another loses its
-- own, join_linked_stored.sql)
DELETE FROM detected WHERE run_id IN (SELECT run_id FROM affected);

-- [section labelled_after]
-- A run given labels only is no longer detected when what the detectors read of its row changed: a label of another
-- outcome changes which of its problems reported.sql and silent_errors.sql report. A label of the outcome it has, or
-- naming its culprit, keeps the marks, and detect="auto" the findings of the settings the user detected it with.
DELETE FROM detected WHERE run_id IN (
    SELECT b.run_id FROM labelled_before b LEFT JOIN runs r ON r.run_id = b.run_id
    WHERE r.run_id IS NULL OR r.outcome IS DISTINCT FROM b.outcome
       OR r.reported_outcome IS DISTINCT FROM b.reported_outcome OR r.task IS DISTINCT FROM b.task
       OR r.started_at IS DISTINCT FROM b.started_at OR r.ended_at IS DISTINCT FROM b.ended_at);
