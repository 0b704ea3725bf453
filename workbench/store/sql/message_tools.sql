-- Tool calls found only in the chat messages (ingest/_message_tools.py): some instrumentations trace a model's
-- calls and never the tools it asks for (OpenLLMetry's CrewAI instrumentation: the calls and their results are in
-- the messages only), so such a run had no tool step. Each statement reads the stage; the Python module parses
-- the messages and stages a tool step for each call no span of the run traced. Its first statement, the model
-- steps that may ask, is stage_facts.sql's message_tools section (the step's "anything to do?" and its rows).

-- [section stored_asked]
-- The stored LLM steps whose output may ask for a tool ($markers), of the runs this call continues ($runs), in
-- the shape of stage_facts.sql's message_tools rows; their agent is the one their span named (agent_own), as a
-- staged step's, and whether their run's root is staged is the continued run's ($rooted).
SELECT s.run_id, s.step_id, s.parent_id, s.agent_own, epoch_ns(s.started_at), epoch_ns(s.ended_at), s.output,
       s.file, s.line, s.source, s.order_hint, list_contains($rooted, s.run_id), false
FROM steps s SEMI JOIN (SELECT unnest($runs::VARCHAR[]) AS run_id) r ON r.run_id = s.run_id
WHERE s.kind = 'llm' AND s.output IS NOT NULL AND regexp_matches(s.output, $markers);

-- [section answered]
-- The staged LLM steps of those runs whose input may hand a tool's result back ($result_markers), and the stored
-- ones (a trace split over calls: the result was handed back in an earlier call), with their agent as the asking
-- steps' (a stored one's: the one its span named, agent_own).
SELECT run_id, step_id, start_ns, agent, input FROM stage_steps
WHERE kind = 'llm' AND list_contains($runs, run_id) AND input IS NOT NULL AND regexp_matches(input, $result_markers)
UNION ALL
SELECT s.run_id, s.step_id, epoch_ns(s.started_at), s.agent_own, s.input
FROM steps s SEMI JOIN (SELECT unnest($runs::VARCHAR[]) AS run_id) r ON r.run_id = s.run_id
WHERE s.kind = 'llm' AND s.input IS NOT NULL AND regexp_matches(s.input, $result_markers);

-- [section stored_derived]
-- The tool steps of those runs an earlier call read out of a model step's messages (derived_tools).
SELECT d.run_id, d.step_id
FROM derived_tools d SEMI JOIN (SELECT unnest($runs::VARCHAR[]) AS run_id) r ON r.run_id = d.run_id;

-- [section traced]
-- Those runs that the store holds a tool or hand-off step of (from a span: not one staged here before), for
-- the same reason; and, of those whose root this call does not stage ($rootless), the ones the store holds no
-- root of. A span is exported when it ends, so a trace's root comes last: a call holding model spans of a run
-- whose root is neither staged nor stored holds part of a trace whose tool spans may come in a later call
-- (a rotated file): its calls are not staged (the later call's spans are the calls; staged now, a split trace
-- would have stored each call twice).
SELECT DISTINCT run_id FROM steps s
WHERE list_contains($runs, run_id) AND kind IN ('tool', 'handoff')
  AND NOT EXISTS (SELECT 1 FROM derived_tools d WHERE d.run_id = s.run_id AND d.step_id = s.step_id)
UNION
SELECT run_id FROM (SELECT unnest($rootless::VARCHAR[]) AS run_id)
WHERE run_id NOT IN (SELECT run_id FROM steps WHERE list_contains($rootless, run_id) AND parent_id IS NULL);

-- [section failure_rows]
-- CrewAI's own tracing writes beside a failed call's `call tool` span (in error) a zero-length `tool failure`
-- span (`tool_failure_detected`), in error too: the failure policy's row of the same call. Read as a second
-- error, one failure counted two; it is no error of its own when the call's span, in error, is beside it
-- (same parent and tool, started no later). Its message stays among its attributes.
UPDATE stage_steps f SET status = 'ok', error = NULL
WHERE f.kind = 'chain' AND f.status = 'error' AND f.tool IS NOT NULL
  AND contains(f.attributes, '"tool_failure_detected"')
  AND EXISTS (SELECT 1 FROM stage_steps c
              WHERE c.run_id = f.run_id AND c.parent_id IS NOT DISTINCT FROM f.parent_id AND c.kind = 'tool'
                AND c.status = 'error' AND c.tool = f.tool AND c.start_ns <= f.start_ns);

-- [section before]
-- (the stage's last row id before the insert: the rows after it are the insert's)
SELECT coalesce(max(rowid), -1) FROM stage_steps;

-- [section made_up]
-- The staged rows the insert made (their row ids: UPDATEs keep them, link moves change their run), which the
-- merge keeps in derived_tools (store/_stored_rules.py's derived); an export's merge reads them too.
CREATE OR REPLACE TEMP TABLE staged_derived AS SELECT rowid AS rid FROM stage_steps WHERE rowid > $before;

-- [section insert]
-- The tool steps made from the messages, one list a column ($file ... $source, zipped by unnest), in one statement
-- (executemany ran it once a row: 10,000 calls took 14 s of CPU). A step the stage already holds under the same id
-- in the run is the log's own (a native step named '<asking step>/<call id>'): it is kept, and the call, which
-- the workbench would make up, is not staged (staged, the log's step was quarantined as its duplicate).
INSERT INTO stage_steps (file, line, run_id, step_id, parent_id, agent, is_agent, kind, name, tool, start_ns, end_ns,
                         latency_ms, status, error, input, output, attributes, order_hint, source)
SELECT * FROM (
    SELECT unnest($file) AS file, unnest($line) AS line, unnest($run_id) AS run_id, unnest($step_id) AS step_id,
           unnest($parent_id) AS parent_id, unnest($agent) AS agent, unnest($is_agent) AS is_agent,
           unnest($kind) AS kind, unnest($name) AS name, unnest($tool) AS tool, unnest($start_ns) AS start_ns,
           unnest($end_ns) AS end_ns, unnest($latency_ms) AS latency_ms, unnest($status) AS status,
           unnest($error) AS error, unnest($input) AS input, unnest($output) AS output, unnest($attributes) AS attributes, unnest($order_hint) AS order_hint,
           unnest($source) AS source) n
WHERE NOT EXISTS (SELECT 1 FROM stage_steps s WHERE s.run_id = n.run_id AND s.step_id = n.step_id);
