-- The tests of the steps between staging and the merge that may have nothing to do, one section a fact,
-- each written once here: the staged (or stored) rows that give that step work. The step asks its own
-- (SELECT EXISTS (section): ingest/_stage_checks.holds); ingest/_stage_facts.py asks them all in one
-- statement built from these same sections (a small call ran them as eight), valid until a step changes
-- the stage. A section's parameters are named ($name): its step and _stage_facts.py give them.

-- [section escapes]
-- a staged run task with a \u escape in it, which may be JSON text with escapes JSON lets stand
-- (_json_escapes.unescape_staged_tasks; the steps' input and output are read so by the merge: finalize.sql's stage_n)
SELECT 1 FROM stage_runs WHERE contains(task, '\u');

-- [section nameless]
-- a run naming no agent (_step_agents.loop_agents)
SELECT 1 FROM stage_steps GROUP BY run_id HAVING count(agent) = 0;

-- [section handoff]
-- a hand-off naming no target (_step_agents.handoff_targets)
SELECT 1 FROM stage_steps WHERE kind = 'handoff' AND output IS NULL;

-- [section pair]
-- an LLM step staged under another staged LLM step: both halves of a model call's two spans
-- (_same_call._any_pair's first test)
SELECT 1 FROM stage_steps s SEMI JOIN stage_steps p
ON p.run_id = s.run_id AND p.step_id = s.parent_id AND p.kind = 'llm' WHERE s.kind = 'llm';

-- [section llm_in_stored_run]
-- a staged LLM step in a run the store holds (_same_call._any_pair's second test: then the stored halves
-- are looked for)
SELECT 1 FROM runs r SEMI JOIN (SELECT run_id FROM stage_steps WHERE kind = 'llm') s ON s.run_id = r.run_id;

-- [section tool_text]
-- tool steps whose input may be the text of the call's one argument (_tool_text_input.restore_tool_arguments
-- reads these as its `tools`, each beside the model step that asked for it): not a JSON object or array. (One
-- parse, try(): its NULL is the text that is not JSON, which json_valid tested first, then parsed again for the
-- type: 0.16 against 0.33-0.44 CPU s over 1M native steps, 196k of them tool steps with an object; the same
-- answer on 43 edge cases, perf56's notes)
SELECT run_id, step_id, tool, input, start_ns, coalesce(agent, '') AS agent FROM stage_steps
WHERE kind = 'tool' AND tool IS NOT NULL AND input IS NOT NULL AND step_id IS NOT NULL AND run_id IS NOT NULL
  AND start_ns IS NOT NULL
  AND coalesce(try(json_type(input)), '') NOT IN ('OBJECT', 'ARRAY');

-- [section mcp]
-- an MCP span, server's (a tool step) or client's (_mcp_served.fold_served_calls reads the kinds)
SELECT kind FROM stage_steps WHERE contains(attributes, 'mcp.method.name');

-- [section staged]
-- any step (_links._stored_root_links: a call that stages none has nothing to link to)
SELECT 1 FROM stage_steps;

-- [section links]
-- a step carrying span links (_links.keep_linked_roots: the merge keeps it in the store's linked_roots)
SELECT 1 FROM stage_steps WHERE contains(attributes, '"otel.links"');

-- [section agentchat_tools]
-- a tool call of AutoGen AgentChat that OpenInference's instrumentation wrote as OK (its error is told in the next
-- model call: _agentchat_tool_errors.agentchat_tool_errors)
SELECT 1 FROM stage_steps
WHERE kind = 'tool' AND status = 'ok' AND contains(attributes, '"openinference.instrumentation.autogen_agentchat"');

-- [section mastra_steps]
-- a Mastra model step (an agent_step span: _mastra_inputs.mastra_inputs fills its input and its model call's)
SELECT 1 FROM stage_steps WHERE kind = 'chain' AND contains(attributes, '"mastra.span.type":"model_step"');

-- [section created_agents]
-- a root span creating an agent, as autogen-core writes each agent's when it is made, in a trace of its own
-- (_links.created_agent_targets: the run it joins)
SELECT 1 FROM stage_steps WHERE parent_id IS NULL AND starts_with(name, 'create_agent ');

-- [section message_tools]
-- (_message_tools.stage_message_tools reads these rows: the calls it may stage)
-- The staged LLM steps whose output may ask for a tool ($markers: _call_shapes.MARKERS joined by |), in runs
-- that stage no tool or hand-off step: a run whose instrumentation traces the calls has them as spans, and a
-- call asked for there with no span of its own was traced otherwise (an OpenAI Agents hand-off's
-- transfer_to_writer is its handoff span, a CrewAI delegation the coworker's agent span), not left out. (Those
-- runs first, by a cheap anti-join: the outputs of the others are never searched.) Then, with no step, each
-- run the store holds that this call stages a model step or the root of (a trace split over calls: the model
-- step asked in an earlier call, its result or the run's root comes in this one): message_tools.sql's
-- stored_asked reads its stored model steps (here a regex over every stored model step's output, pushed
-- into the scan before the join, cost a call into a store of 2M steps ~50 % more CPU).
-- One statement asks both what the step may do: a row per model step that may ask, one per run continued, and
-- one row with no run when message_tools.sql's failure_rows has work. The twelfth column: whether the run's
-- root is staged too (a trace split over calls: message_tools.sql's traced section); the last, whether the row
-- is a staged step (false: a run continued).
WITH traced AS (SELECT DISTINCT run_id FROM stage_steps WHERE kind IN ('tool', 'handoff') AND run_id IS NOT NULL),
rooted AS (SELECT DISTINCT run_id FROM stage_steps WHERE parent_id IS NULL AND run_id IS NOT NULL),
continued AS (SELECT DISTINCT s.run_id FROM stage_steps s SEMI JOIN runs r ON r.run_id = s.run_id
              ANTI JOIN traced t ON t.run_id = s.run_id WHERE s.kind = 'llm' OR s.parent_id IS NULL)
SELECT s.run_id, step_id, parent_id, agent, start_ns, end_ns, output, file, line, source, order_hint,
       r.run_id IS NOT NULL, true
FROM stage_steps s ANTI JOIN traced t ON t.run_id = s.run_id LEFT JOIN rooted r ON r.run_id = s.run_id
WHERE kind = 'llm' AND s.run_id IS NOT NULL AND step_id IS NOT NULL AND output IS NOT NULL
  AND regexp_matches(output, $markers)
UNION ALL
SELECT c.run_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.run_id IS NOT NULL, false
FROM continued c LEFT JOIN rooted r ON r.run_id = c.run_id
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
WHERE EXISTS (SELECT 1 FROM stage_steps WHERE kind = 'chain' AND status = 'error' AND tool IS NOT NULL
                                           AND contains(attributes, '"tool_failure_detected"'));

-- [section message_tools_may]
-- (asked by _stage_facts.py in place of message_tools: a superset of its rows, the same three parts without the
-- joins and windows that tell which of them the step reads. A yes sends the step to its own query above, which may
-- then find nothing; a no is message_tools' no. Its plan, asked among the others, cost a small call ~10 ms CPU of
-- the facts statement's ~15; this one ~2)
SELECT 1 FROM stage_steps
WHERE (kind = 'llm' AND regexp_matches(output, $markers))
   OR (kind = 'chain' AND status = 'error' AND tool IS NOT NULL AND contains(attributes, '"tool_failure_detected"'))
UNION ALL
SELECT 1 FROM stage_steps s SEMI JOIN runs r ON r.run_id = s.run_id;

-- [section build]
-- an Agent Framework workflow's build or run root (_workflow_build.join_build_traces)
SELECT 1 FROM stage_steps WHERE parent_id IS NULL
  AND (name IN ($build_span, $run_span) OR starts_with(name, $run_prefix));

-- [section small_times]
-- the native or OTLP times small enough to be in seconds, ms or us (_time_units.scale_integer_units groups
-- them by file and unit), a native run record's own with its file's steps'
SELECT file, start_ns, end_ns FROM stage_steps
WHERE list_contains($sources, source) AND (start_ns < $small OR end_ns < $small)
UNION ALL
SELECT file, start_ns, end_ns FROM stage_runs
WHERE list_contains($sources, source) AND (start_ns < $small OR end_ns < $small);

-- [section haystack]
-- a span of Haystack's own tracing no reader typed (_haystack_spans.haystack_spans)
SELECT 1 FROM stage_steps WHERE kind = 'other' AND starts_with(name, 'haystack.') AND agent IS NULL;
