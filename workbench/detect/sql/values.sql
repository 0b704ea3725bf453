-- Values (numbers, identifiers, key: "value" pairs) stated by the runs in scope: the ground the
-- groundedness (silent failure) and cascade checks stand on. Deterministic text matching only.

-- The time each step could see the others (t1, tref below): a leaf move (LLM call, tool call,
-- hand-off) sees what ended before it started; a composite span (agent, chain, system) reports at
-- its end what its children produced. Without timestamps, the order of the log. Worked out where
-- a statement reads `steps` (the chunk's rowid range keeps those scans narrow): a working table of
-- every step would cost more to write than the scans it saves.

-- The final answer of each run: the output of the non-tool step that ends last. An output its tracer
-- cut short ("...") is the answer as said in full by the step that says its last words and goes on:
-- OpenInference writes a LlamaIndex workflow's result as its repr cut at 200 characters ("... text='Quote
-- for the customer: the widget cost..."), the answer's figures cut off, while the writer's model call
-- and agent step hold the whole reply. The model's reply wins over a step wrapping it, then the latest.
-- What must be said in full is the output's text from where it begins (its start, or the last quote
-- opening a value, as text=' above: an apostrophe inside a word opens none) to the cut, 24 characters at
-- least: an answer that ends in "..." as said, whose last words an earlier step also said and went on
-- with ("... we will keep you posted" in a draft that goes on to a price), is no cut.
CREATE OR REPLACE TEMP TABLE det_answer AS
WITH last AS (
    SELECT run_id, arg_max(step_id, [coalesce(epoch_us(ended_at)::DOUBLE, seq + 0.5),
                                     coalesce(epoch_us(started_at)::DOUBLE, seq::DOUBLE)]) AS step_id
    FROM steps SEMI JOIN det_scope USING (run_id)
    -- the chunk's rows lie in this range: the scan skips every other row group
    WHERE output IS NOT NULL AND kind <> 'tool' AND steps.rowid BETWEEN $row_lo AND $row_hi
    GROUP BY run_id
),
cut AS (  -- the text said up to the cut (a long output only: a short one may end in "..." as said)
    SELECT l.run_id, l.step_id,
           regexp_extract(rtrim(CASE WHEN ends_with(s.output, '...') THEN left(s.output, -3) ELSE left(s.output, -1) END),
                          '(?:^|[^A-Za-z0-9][''"])((?:[^''"]|[A-Za-z0-9][''"])*)$', 1) AS tail
    FROM last l JOIN steps s ON s.run_id = l.run_id AND s.step_id = l.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
    WHERE length(s.output) >= 80 AND (ends_with(s.output, '...') OR ends_with(s.output, '…'))
),
whole AS (
    SELECT c.run_id, arg_max(s.step_id, [(s.kind = 'llm')::INT::DOUBLE, coalesce(epoch_us(s.ended_at)::DOUBLE,
                                          s.seq + 0.5)]) AS step_id
    FROM cut c JOIN steps s ON s.run_id = c.run_id AND s.step_id <> c.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
    WHERE s.output IS NOT NULL AND s.kind <> 'tool' AND length(c.tail) >= 24 AND contains(s.output, c.tail)
      AND NOT starts_with(substr(s.output, strpos(s.output, c.tail) + length(c.tail)), '...')
      AND NOT starts_with(substr(s.output, strpos(s.output, c.tail) + length(c.tail)), '…')
      AND length(s.output) > strpos(s.output, c.tail) + length(c.tail) - 1
    GROUP BY c.run_id
)
SELECT l.run_id, coalesce(w.step_id, l.step_id) AS step_id FROM last l LEFT JOIN whole w USING (run_id);

-- The answer of a final step whose output is a record (a JSON object) holding chat messages: the
-- text of the last message the assistant said in it. A pipeline's or a graph's output record carries,
-- beside the reply, every component's messages, token usage, the model's name: read whole as the
-- answer, every number of that metadata was "unsupported" (Haystack's {"writer": {"messages": […],
-- "token_usage": {…}, "last_message": "ChatMessage(…)"}}, LangGraph's {"messages": […]}). Messages are
-- JSON objects with a role (any but the user's, the system's or a tool's) or message reprs in a string
-- (det_repr_said). A record whose messages say nothing is the answer as it is.
-- (the records first, a table of their own, and only those that may say something below: messages, or a key named
-- as an answer, its name as written in the record unless escaped there; the rest is planned only when one may)
CREATE OR REPLACE TEMP TABLE det_recs AS
SELECT s.run_id, s.step_id, s.output FROM steps s
JOIN det_answer a ON a.run_id = s.run_id AND a.step_id = s.step_id
WHERE s.rowid BETWEEN $row_lo AND $row_hi AND left(ltrim(s.output), 1) = '{' AND json_valid(s.output)
  AND (contains(s.output, '"role"') OR contains(s.output, 'Message(') OR contains(s.output, '\')
       OR contains(s.output, '"source"')
       OR regexp_matches(lower(s.output), 'answer|report|result|response|output|summary|reply|draft|final'));

CREATE OR REPLACE TEMP TABLE det_record_answer (run_id VARCHAR, step_id VARCHAR, txt VARCHAR);

-- [section needs_det_recs]
INSERT INTO det_record_answer
WITH recs AS (SELECT * FROM det_recs),
said AS (
    SELECT run_id, step_id, coalesce(
        list_last(list_filter(list_transform(det_json_objects(output), lambda m: CASE
            WHEN json_valid(m) AND json_extract_string(m, '$.role') NOT IN
                 ('user', 'human', 'system', 'developer', 'tool', 'function', 'tool-response', 'ipython')
            THEN det_message_text(m) END), lambda x: x IS NOT NULL AND trim(x) <> '')),
        list_last(list_filter(det_repr_said(det_unescaped(output)), lambda x: trim(x) <> '')),
        -- messages that name their speaker by "source" (AutoGen AgentChat's TaskResult, {"messages": [{"source":
        -- "writer", "content": "Your quote: …", "models_usage": {"prompt_tokens": 200, …}, "created_at":
        -- "2026-12-05T23:45:42Z", …}], "stop_reason": …}, the root span's output under OpenInference): the last
        -- text one said that is not the user's. Read whole, the token counts and the timestamps' pieces (200, 30,
        -- 2026, 45) were "unsupported" figures of a reported success's answer. Only a top-level "messages" list's:
        -- a record's documents ({"source": "doc.pdf", "content": …}) are no one's words.
        list_last(list_filter(list_transform(coalesce(json_extract(output, '$.messages[*]'), []), lambda m: CASE
            WHEN json_type(m, '$.source') = 'VARCHAR' AND json_type(m, '$.content') = 'VARCHAR'
                 AND lower(json_extract_string(m, '$.source')) NOT IN ('user', 'human', 'system')
            THEN json_extract_string(m, '$.content') END), lambda x: x IS NOT NULL AND trim(x) <> ''))) AS txt
    FROM recs
    WHERE contains(output, '"role"') OR contains(output, 'Message(') OR contains(output, '"source"')
),
-- An answer the record keeps under a key of its own beside the messages (a LangGraph state's `report`
-- written by the last node without a message, a `final_answer`): said too, after the last message. Only
-- top-level text keys named as an answer, holding prose (a space: no model name, id or status word); a
-- run's stop reason ("Maximum number of messages 10 reached") is no answer. A record with no messages
-- but such a key is a graph's state as well, its other keys what the nodes handed each other (a
-- supervisor's workers each writing their part: "stock": "4 widgets are in stock.", "answer": "…"): the
-- user was given the answer, not the state, and the state's numbers in prose read as the record's own.
stated AS (
    SELECT r.run_id, r.step_id, string_agg(e.value ->> '$', chr(10) ORDER BY e.id) AS txt
    FROM recs r, json_each(r.output) e
    WHERE e.type = 'VARCHAR' AND e.key <> 'messages'
      AND regexp_matches(lower(e.key), 'answer|report|result|response|output|summary|reply|draft|final')
      AND regexp_matches(trim(e.value ->> '$'), '\s') AND NOT contains(e.value ->> '$', 'Message(')
    GROUP BY r.run_id, r.step_id
),
-- ... but such a record's own top-level numbers are said with its answer ({"price": 41.2, "summary": "Quote
-- sent."}: the price is a figure the user got, not a node's prose).
figures AS (
    SELECT r.run_id, r.step_id, string_agg(e.value ->> '$', chr(10) ORDER BY e.id) AS txt
    FROM (SELECT * FROM recs SEMI JOIN stated USING (run_id, step_id)
          WHERE NOT (contains(output, '"role"') OR contains(output, 'Message('))) r, json_each(r.output) e
    WHERE e.type IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'HUGEINT')
    GROUP BY r.run_id, r.step_id
)
SELECT run_id, step_id, CASE WHEN st.txt IS NULL THEN s.txt WHEN s.txt IS NULL THEN st.txt
                             ELSE s.txt || chr(10) || st.txt END || coalesce(chr(10) || f.txt, '') AS txt
FROM said s FULL JOIN stated st USING (run_id, step_id)
LEFT JOIN figures f USING (run_id, step_id)
WHERE coalesce(s.txt, st.txt) IS NOT NULL;

-- [section every]

-- Tool results a log holds only inside a message list (Haystack's OpenInference spans are the
-- components', none the tool's: its result is a ToolCallResult in the agent's messages; an LLM call's
-- input carries the role "tool" messages of the calls before it). Each is a backend record, as a
-- tool step's output is, seen by the step whose input or output holds it: at its start for an input,
-- at its end for an output. Its step id is the holder's with " (tool result)" after it: no step of
-- the log, so no echo, answer or cascade rule mistakes it for the holder.
-- (the texts that may hold one first, a table of their own: the rest is planned only when one does)
CREATE OR REPLACE TEMP TABLE det_holders AS
-- (an input as the call began, an output as it ended; read straight from the columns, not
-- unnested into a row per text first: the gate leaves nearly none)
SELECT s.run_id, s.step_id, s.agent, s.input AS txt, coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE) AS t
FROM steps s SEMI JOIN det_scope USING (run_id)
WHERE s.rowid BETWEEN $row_lo AND $row_hi AND s.kind <> 'tool' AND det_holds_tool_result(s.input)
UNION ALL
SELECT s.run_id, s.step_id, s.agent, s.output, coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5)
FROM steps s SEMI JOIN det_scope USING (run_id)
WHERE s.rowid BETWEEN $row_lo AND $row_hi AND s.kind <> 'tool' AND det_holds_tool_result(s.output);

CREATE OR REPLACE TEMP TABLE det_msg_tool_results (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, t DOUBLE, txt VARCHAR);

-- [section needs_det_holders]
INSERT INTO det_msg_tool_results
WITH holders AS (SELECT * FROM det_holders),
found AS (
    SELECT run_id, step_id, agent, t, list_concat(
        -- a message, and the blocks of its content (Anthropic's tool_result blocks sit in a user turn)
        flatten(list_transform(det_json_objects(txt), lambda m: CASE WHEN json_valid(m) THEN list_prepend(
            det_tool_result_text(m), list_transform(coalesce(json_extract(m, '$.content[*]'), []),
                                                    lambda b: det_tool_result_text(b))) END)),
        -- Gemini's {"functionResponse": {"name": …, "response": {…}}} (three levels: found by its key)
        list_transform(regexp_extract_all(txt, '"function_?[Rr]esponse"\s*:\s*(\{(?:[^{}"]|"(?:[^"\\]|\\.)*"|\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\})*\})', 1),
                       lambda m: CASE WHEN json_valid(m) THEN json_extract(m, '$.response')::VARCHAR END),
        -- (an agent's reply: a tool named after another agent of the run; an agent calls no tool named after
        -- itself as another agent, and a Haystack component "pricer" whose tool is "pricer" read its own
        -- price as a reply it made up)
        list_filter(det_repr_tool_results(det_unescaped(txt)),
                    lambda r: NOT list_contains(det_repr_not_backend(det_unescaped(txt),
                                                                     list_filter(agents, lambda a: a IS DISTINCT FROM agent)), r))) AS results
    FROM holders LEFT JOIN (SELECT run_id, list(DISTINCT agent) AS agents FROM steps SEMI JOIN det_scope USING (run_id)
                            WHERE agent IS NOT NULL GROUP BY run_id) USING (run_id)
)
SELECT run_id, step_id || ' (tool result)' AS step_id, agent, min(t) AS t, r AS txt
FROM (SELECT run_id, step_id, agent, t, unnest(results) AS r FROM found)
WHERE r IS NOT NULL AND trim(r) <> ''
GROUP BY run_id, step_id, agent, r;

-- [section every]

-- Numbers and identifiers in every output, in tool calls' arguments (what reached the backend) and
-- in the input of the step that gave the final answer (what the answer was built from).
-- Other inputs — prompts, often the whole context — are not scanned: a step's own input is checked
-- by substring, only for the values that matter. Small integers count only in structured (JSON)
-- text: in prose they are mostly ordinals and counts, not claims.
-- First the sinks, where a value has effect: the arguments of tool calls (the backend) and the
-- final answer with what it was built from. Every later test asks about values that reached a sink
-- (or about the backend's numbers), so the other outputs keep only those tokens (see det_vals).
CREATE OR REPLACE TEMP TABLE det_sink_vals AS
WITH RECURSIVE texts AS (
    SELECT s.run_id, s.step_id, s.agent, s.kind, s.started_at, s.ended_at, s.seq, s.input, s.output,
           a.step_id IS NOT NULL AS is_answer
    FROM steps s SEMI JOIN det_scope USING (run_id)
    LEFT JOIN det_answer a ON a.run_id = s.run_id AND a.step_id = s.step_id
    WHERE s.rowid BETWEEN $row_lo AND $row_hi
),
-- one pass (a CTE read twice would copy the texts): the answer's output and the inputs of tool
-- calls and of the answer
sides AS (
    SELECT run_id, step_id, agent, kind,
           coalesce(epoch_us(ended_at)::DOUBLE, seq + 0.5) AS t1,
           CASE WHEN kind IN ('agent', 'chain', 'system') THEN coalesce(epoch_us(ended_at)::DOUBLE, seq + 0.5)
                ELSE coalesce(epoch_us(started_at)::DOUBLE, seq::DOUBLE) END AS tref,
           input, output,
           unnest(CASE WHEN is_answer AND output IS NOT NULL AND input IS NOT NULL THEN ['output', 'input']
                       WHEN is_answer AND output IS NOT NULL THEN ['output']
                       WHEN input IS NOT NULL THEN ['input'] END) AS field
    FROM texts
    WHERE kind = 'tool' OR is_answer
),
fields AS (
    SELECT run_id, step_id, agent, kind, t1, tref, field,
           CASE field WHEN 'output' THEN coalesce(ra.txt, det_answer_text(output)) ELSE input END AS txt  -- (only the answer's output)
    FROM sides LEFT JOIN det_record_answer ra USING (run_id, step_id)
),
tokens AS (
    -- the text is parsed once per step, not carried along with (and checked for) each of its tokens
    SELECT run_id, step_id, agent, kind, t1, tref, field, structured, unnest(found) AS token
    FROM (SELECT *, json_valid(txt) AS structured,
                 det_value_tokens(txt) AS found
          FROM fields)
),
-- The place numbers of a numbered list in a sink's JSON: a key whose integers count the objects of an array
-- in order, from 1 or 0, on every item (two at least): {"steps": [{"number": 1, …}, {"number": 2, …}]}, an
-- "index", a "rank". Each states its item's place, which the list's order says already: no fact the step was
-- given or could make up (any-agent's structured answers, a numbered plan, were read as made-up 1 and 2). Only
-- small integers are let go (below), which count only in JSON at all; the backend's outputs keep theirs.
-- (JSON written as text inside JSON is read too, three levels down: a final_answer tool's {"answer": "{\"steps\": …}"})
docs AS (
    SELECT run_id, step_id, field, txt AS doc, 0 AS depth FROM fields
    WHERE regexp_matches(txt, '\[\s*\{') AND json_valid(txt)
    UNION ALL
    SELECT d.run_id, d.step_id, d.field, e.value ->> '$', d.depth + 1 FROM docs d, json_tree(d.doc) e
    WHERE d.depth < 3 AND e.type = 'VARCHAR' AND regexp_matches(e.value ->> '$', '^\s*[\[{]')
      AND regexp_matches(e.value ->> '$', '\[\s*\{') AND json_valid(e.value ->> '$')
),
tree AS (
    SELECT d.run_id, d.step_id, d.field, hash(d.doc, d.depth) AS doc, e.id, e.parent, e.key, e.type, e.atom
    FROM docs d, json_tree(d.doc) e
),
items AS (
    SELECT i.run_id, i.step_id, i.field, i.doc, i.id, i.parent AS arr, TRY_CAST(i.key AS BIGINT) AS pos,
           count(*) OVER (PARTITION BY i.run_id, i.step_id, i.field, i.doc, i.parent) AS n_items
    FROM tree i JOIN tree a ON a.run_id = i.run_id AND a.step_id = i.step_id AND a.field = i.field AND a.doc = i.doc
                           AND a.id = i.parent AND a.type = 'ARRAY'
    WHERE i.type = 'OBJECT'
),
places AS (
    SELECT run_id, step_id, field, list(DISTINCT n::DOUBLE) AS nums FROM (
        SELECT i.run_id, i.step_id, i.field, unnest(list(v.atom::BIGINT)) AS n
        FROM items i JOIN tree v ON v.run_id = i.run_id AND v.step_id = i.step_id AND v.field = i.field
                                AND v.doc = i.doc AND v.parent = i.id AND v.type IN ('UBIGINT', 'BIGINT')
        WHERE i.n_items >= 2
        GROUP BY i.run_id, i.step_id, i.field, i.doc, i.arr, v.key, i.n_items
        HAVING count(*) = i.n_items AND count(DISTINCT v.atom::BIGINT - i.pos) = 1
           AND min(v.atom::BIGINT - i.pos) IN (0, 1))
    GROUP BY run_id, step_id, field
)
-- a token starts with a letter exactly when it is an identifier (the pattern's first branch), so
-- only the others are read as numbers
-- (a number with a scale word, "3 million", is the number it stands for, within its written rounding: tol)
SELECT run_id, step_id, agent, kind, t1, tref, field, token, num, ident, coalesce(ident, num::VARCHAR) AS v, tol
FROM (SELECT t.*, CASE WHEN ascii(token) < 65 THEN det_value_num(token) END AS num,
             CASE WHEN ascii(token) < 65 THEN det_value_tol(token) END AS tol,
             CASE WHEN ascii(token) >= 65 THEN upper(token) END AS ident, p.nums AS places
      FROM tokens t LEFT JOIN places p USING (run_id, step_id, field))
WHERE (ascii(token) >= 65 OR structured OR contains(token, '.') OR abs(num) >= $silent_min_value)
  AND NOT coalesce(structured AND abs(num) < $silent_min_value AND NOT contains(token, '.') AND list_contains(places, num), false)
  -- the ids an LLM API hands out (tool calls, completions, messages) pass from step to step by design
  AND NOT ((contains(token, '-') OR contains(token, '_')) AND regexp_matches(token, $not_value));

-- by number or identifier (v is one of them, written out): a join on a double or a short string
-- costs less than formatting every other token's number first
CREATE OR REPLACE TEMP TABLE det_sinks AS
SELECT DISTINCT run_id, num, ident FROM det_sink_vals;

-- All stated values: the sinks' own, and the tokens of every other output that are a sink's value
-- or a number of the backend (a tool output: the ground products and sums are checked against).
-- `sunk`: the value reached a sink (what later tests ask, without joining det_sinks again).
CREATE OR REPLACE TEMP TABLE det_out_vals AS
WITH texts AS (
    SELECT s.run_id, s.step_id, s.agent, s.kind,
           coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5) AS t1,
           CASE WHEN s.kind IN ('agent', 'chain', 'system') THEN coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5)
                ELSE coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE) END AS tref,
           'output' AS field, s.output AS txt
    FROM steps s SEMI JOIN det_scope USING (run_id)
    ANTI JOIN det_answer a ON a.run_id = s.run_id AND a.step_id = s.step_id
    WHERE s.rowid BETWEEN $row_lo AND $row_hi AND s.output IS NOT NULL

    UNION ALL
    SELECT run_id, step_id, agent, 'tool', t, t, 'output', txt FROM det_msg_tool_results
),
tokens AS (
    -- the text is parsed once per step, not carried along with (and checked for) each of its tokens
    SELECT run_id, step_id, agent, kind, t1, tref, field, structured, unnest(found) AS token
    FROM (SELECT *, json_valid(txt) AS structured,
                 det_value_tokens(txt) AS found
          FROM texts)
),
vals AS (
    SELECT run_id, step_id, agent, kind, t1, tref, field, token, num, ident, tol
    FROM (SELECT *, CASE WHEN ascii(token) < 65 THEN det_value_num(token) END AS num,
                 CASE WHEN ascii(token) < 65 THEN det_value_tol(token) END AS tol,
                 CASE WHEN ascii(token) >= 65 THEN upper(token) END AS ident FROM tokens)
    WHERE (ascii(token) >= 65 OR structured OR contains(token, '.') OR abs(num) >= $silent_min_value)
      AND NOT ((contains(token, '-') OR contains(token, '_')) AND regexp_matches(token, $not_value))
)
SELECT run_id, step_id, agent, kind, t1, tref, field, token, num, ident, coalesce(ident, num::VARCHAR) AS v, tol, sunk
FROM (
    -- a token is an identifier (num null) or a number (ident null), and so is a sink's value
    SELECT v.*, EXISTS (SELECT 1 FROM det_sinks k WHERE k.run_id = v.run_id AND k.ident IS NOT DISTINCT FROM v.ident
                                                  AND k.num IS NOT DISTINCT FROM v.num) AS sunk
    FROM vals v)
WHERE sunk OR (kind = 'tool' AND num IS NOT NULL);

-- a view, not a copy: the sinks' rows are not written twice
CREATE OR REPLACE TEMP VIEW det_vals AS
SELECT *, true AS sunk FROM det_sink_vals
UNION ALL
SELECT * FROM det_out_vals;

-- What the run was given: its task, and the input of its root span (a trace from OpenTelemetry or
-- OpenInference has no task, but its root span's input is the user's request). A root that carries no
-- input (PydanticAI's agent run, a GenAI invoke_agent span without content) leaves the request in the
-- messages of the run's first model call: nothing in the run came before it to state them, so what it was
-- handed was given to the run (a writer run as a trace of its own, handed the planner's figure, made none up).
-- A root whose input is not the request (LlamaIndex's AgentWorkflow.run: the workflow's start state; the user's
-- message is in the first model call's messages, and in a framework step's output) leaves it there too: what that
-- first call was handed and no tool had said before it was given to the run.
CREATE OR REPLACE TEMP TABLE det_task_vals AS
WITH scoped AS (SELECT run_id, step_id, parent_id, kind, input, started_at, seq FROM steps SEMI JOIN det_scope USING (run_id)
                WHERE (parent_id IS NULL OR kind = 'llm') AND steps.rowid BETWEEN $row_lo AND $row_hi),
texts AS (
    SELECT run_id, task AS txt, NULL::DOUBLE AS tref FROM runs SEMI JOIN det_scope USING (run_id) WHERE task IS NOT NULL
    UNION ALL
    SELECT run_id, input, NULL FROM scoped WHERE parent_id IS NULL AND input IS NOT NULL
    UNION ALL
    -- (the first model call's input, none when it has none: arg_min passes over a NULL argument); tref: when the
    -- run had a root input, the call's start, before which a tool's output may have stated the value
    SELECT run_id, arg_min({'i': input}, {'t': started_at, 'seq': seq}).i,
           CASE WHEN run_id IN (SELECT run_id FROM scoped WHERE parent_id IS NULL AND input IS NOT NULL)
                THEN arg_min({'t': coalesce(epoch_us(started_at)::DOUBLE, seq::DOUBLE)}, {'t': started_at, 'seq': seq}).t END
    FROM scoped
    WHERE kind = 'llm'
    GROUP BY run_id
),
-- the tokens of the tool outputs that ended before such a call (few: a run's first model call most often
-- comes before any tool)
early AS (
    SELECT DISTINCT t.run_id, unnest(det_value_tokens(t.output)) AS token
    FROM steps t JOIN texts x ON x.run_id = t.run_id AND x.tref IS NOT NULL
    WHERE t.kind = 'tool' AND t.output IS NOT NULL AND t.rowid BETWEEN $row_lo AND $row_hi
      AND coalesce(epoch_us(t.ended_at)::DOUBLE, t.seq + 0.5) <= x.tref
)
SELECT DISTINCT run_id, num, ident, coalesce(ident, num::VARCHAR) AS v
FROM (SELECT run_id, CASE WHEN ascii(token) < 65 THEN det_value_num(token) END AS num,
             CASE WHEN ascii(token) >= 65 THEN upper(token) END AS ident
      FROM (SELECT x.run_id, g.token FROM texts x, unnest(det_value_tokens(x.txt)) AS g(token)
            WHERE x.tref IS NULL OR NOT EXISTS (SELECT 1 FROM early e WHERE e.run_id = x.run_id AND e.token = g.token))
      WHERE NOT ((contains(token, '-') OR contains(token, '_')) AND regexp_matches(token, $not_value)));

-- When each value was first stated by any output (and by which step): what a later step could see.
CREATE OR REPLACE TEMP TABLE det_first_out AS
SELECT v.run_id, v.v, min(v.t1) AS t1, arg_min(v.step_id, v.t1) AS step_id
FROM det_vals v
WHERE v.field = 'output' AND v.sunk
GROUP BY v.run_id, v.v;

-- Values a move (an LLM call, a hand-off, a human turn) states that it could not have seen and
-- that reached a sink: not in its own input, not in an output that ended before it, not in the
-- task. Tool outputs are the backend, the ground; agent and chain spans only pass on what their
-- children said; a made-up value nobody used harms nothing.
CREATE OR REPLACE TEMP TABLE det_intro_direct AS
-- the cheap tests first, materialised: the planner may otherwise run the per-row regex below first
WITH cand AS MATERIALIZED (
    SELECT c.* EXCLUDE (sunk), f.t1 AS first_t1, f.step_id AS first_step FROM det_vals c
    LEFT JOIN det_first_out f ON f.run_id = c.run_id AND f.v = c.v
    WHERE c.sunk AND c.field = 'output' AND c.kind NOT IN ('tool', 'agent', 'chain', 'system')
      AND NOT (f.t1 <= c.tref AND f.step_id <> c.step_id)
      AND NOT EXISTS (SELECT 1 FROM det_task_vals a WHERE a.run_id = c.run_id AND a.v = c.v)
      -- a number with a scale word rounds one the backend or the task stated before ("5.4 million"
      -- for 5,412,345): no value made up
      AND NOT (c.tol IS NOT NULL AND (
          EXISTS (SELECT 1 FROM det_out_vals o WHERE o.run_id = c.run_id AND o.kind = 'tool' AND o.field = 'output'
                  AND o.t1 <= c.tref AND abs(o.num - c.num) <= c.tol)
          OR EXISTS (SELECT 1 FROM det_task_vals a WHERE a.run_id = c.run_id AND abs(a.num - c.num) <= c.tol)))
)
SELECT c.* EXCLUDE (first_t1, first_step) FROM cand c
JOIN steps s ON s.run_id = c.run_id AND s.step_id = c.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
-- the token as a whole in the step's own input (5 is not in "50"); a regex built per row is slow,
-- so only for inputs that contain the token at all
WHERE NOT CASE WHEN contains(s.input, c.token)
               THEN regexp_matches(s.input, '(^|[^0-9A-Za-z.])' || regexp_escape(c.token) || '([^0-9A-Za-z]|$)')
               ELSE false END
  -- A span with children is a composite whatever its kind (Strands' execute_event_loop_cycle is
  -- 'other' and repeats its LLM call's output): what another step stated before it ended is what its
  -- children said, not a value it made up. Asked last, of the few candidates left.
  AND NOT (c.first_t1 <= c.t1 AND c.first_step <> c.step_id
           AND EXISTS (SELECT 1 FROM steps k WHERE k.run_id = c.run_id AND k.parent_id = c.step_id
                                               AND k.rowid BETWEEN $row_lo AND $row_hi))
  -- An input that is a JSON document cut short (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=4096 ends a long conversation
  -- mid-way, unclosed) is not all the step was given: what it states is not shown made up by it (the answer's
  -- figures no backend record supports are still unsupported, below).
  AND NOT coalesce(regexp_matches(s.input, '^\s*(\{|\[\s*\{)\s*"') AND NOT json_valid(s.input), false);

-- A number in the step's own input written another way (12.50 for 12.5), or computed from two of
-- them or the task's (price × quantity, a sum), is not made up. Digits inside an identifier are no
-- number given (the 0 of a tool call's id "call_researcher_0_0": 0 × anything made every 0.0 computed,
-- and AG2's writer passing a made-up price of 0.0 to format_quote quoted 0.00 unflagged).
-- (in three statements: the numbers given each candidate's step and the figures two of them make, then the
-- figures those do not make, then the rest for those alone, planned only when one is left: a chunk's candidates
-- are mostly made, ~14 CPU ms saved)
CREATE OR REPLACE TEMP TABLE det_intro_nums AS
WITH candidates AS (
    SELECT DISTINCT d.run_id, d.step_id, s.input FROM det_intro_direct d
    JOIN steps s ON s.run_id = d.run_id AND s.step_id = d.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
    WHERE d.ident IS NULL
),
given AS MATERIALIZED (
    SELECT run_id, step_id, num FROM (
        SELECT DISTINCT run_id, step_id, det_value_num(token) AS num FROM (
            SELECT run_id, step_id, unnest(regexp_extract_all(input,
                '[A-Za-z_]*[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?:[ \t]+(?:[Tt]housand|[Mm]illion|[Bb]illion|[Tt]rillion|[Cc]ents)\b)?')) AS token
            FROM candidates WHERE input IS NOT NULL)
        WHERE ascii(token) < 65  -- (a token the pattern began at a letter or _ is an identifier's digits)
        UNION
        SELECT DISTINCT c.run_id, c.step_id, t.num FROM candidates c
        JOIN det_task_vals t ON t.run_id = c.run_id WHERE t.num IS NOT NULL)
    WHERE num IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY run_id, step_id ORDER BY num) <= 40
)
-- (stated once for det_unmade and det_intro; `given`: as given, else a product or sum of two given numbers:
-- chained below pairs a figure between with a given number only)
SELECT run_id, step_id, num, true AS given FROM given
UNION ALL
SELECT a.run_id, a.step_id, a.num * b.num, false FROM given a
JOIN given b ON a.run_id = b.run_id AND a.step_id = b.step_id AND a.num <= b.num
UNION ALL
SELECT a.run_id, a.step_id, a.num + b.num, false FROM given a
JOIN given b ON a.run_id = b.run_id AND a.step_id = b.step_id AND a.num <= b.num;

CREATE OR REPLACE TEMP TABLE det_unmade AS
SELECT c.* FROM det_intro_direct c
WHERE c.ident IS NOT NULL OR NOT EXISTS (
    SELECT 1 FROM det_intro_nums d WHERE d.run_id = c.run_id AND d.step_id = c.step_id
      AND abs(d.num - c.num) <= greatest(0.005, 1e-4 * abs(c.num), coalesce(c.tol, 0)));

CREATE OR REPLACE TEMP TABLE det_intro (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, kind VARCHAR, t1 DOUBLE,
    tref DOUBLE, field VARCHAR, token VARCHAR, num DOUBLE, ident VARCHAR, v VARCHAR, tol DOUBLE);

-- [section needs_det_unmade]
INSERT INTO det_intro
WITH unmade AS (SELECT * FROM det_unmade),
-- ... or a total of three amounts of it (goods 142.00 + shipping 25.00 + insurance 2.84: a manager adding up what
-- its three agents said). Amounts only, numbers written with decimals, and only for a figure so written: a
-- model's input is full of integers (ids, counts, lengths), and with three of them 41.2 was 14.2 + 11 + 16, a
-- made-up price taken as worked out. Tried only for the figures two numbers do not give (few).
amounts AS (
    SELECT DISTINCT run_id, step_id, det_value_num(token) AS num FROM (
        SELECT s.run_id, s.step_id,
               unnest(regexp_extract_all(s.input, '(?:^|[^0-9A-Za-z_.])([0-9]+(?:,[0-9]{3})*\.[0-9]+)', 1)) AS token
        FROM steps s
        SEMI JOIN unmade u ON u.run_id = s.run_id AND u.step_id = s.step_id AND u.ident IS NULL AND contains(u.token, '.')
        WHERE s.rowid BETWEEN $row_lo AND $row_hi AND s.input IS NOT NULL)
),
three AS (
    SELECT DISTINCT o.run_id, o.step_id, o.num FROM unmade o
    JOIN amounts a ON a.run_id = o.run_id AND a.step_id = o.step_id
    JOIN amounts b ON b.run_id = o.run_id AND b.step_id = o.step_id AND a.num <= b.num
    JOIN amounts c ON c.run_id = o.run_id AND c.step_id = o.step_id AND b.num <= c.num
    WHERE o.ident IS NULL AND contains(o.token, '.') AND det_near(a.num + b.num + c.num, o.num)
),
-- ... or worked out in two moves the same output shows (DSPy's extract: "10 at 14.20 USD is 142.00 USD; shipping
-- 25.00 USD ... 167.00 USD in total"): the figure between is one the output states and works out from two numbers
-- given (not one it made up: 12.40 made up, 124.00 from it, 149.00 with the shipping stay made up), the figure a
-- product or sum of it and one number given. Only the steps with a figure left (few); the figures between are
-- matched to the worked-out ones by the cent (either side too), an equality join, not every pair tried.
open_steps AS (SELECT DISTINCT run_id, step_id FROM unmade WHERE ident IS NULL),
own AS (
    SELECT s.run_id, s.step_id, det_value_num(t.token) AS num
    FROM steps s SEMI JOIN open_steps o ON o.run_id = s.run_id AND o.step_id = s.step_id,
    unnest(det_value_tokens(s.output)) AS t(token)
    WHERE s.rowid BETWEEN $row_lo AND $row_hi AND ascii(t.token) < 65
),
between_figures AS (
    SELECT DISTINCT x.run_id, x.step_id, x.num FROM (SELECT *, unnest([-1, 0, 1]) + round(num * 100)::HUGEINT AS cent
                                                     FROM own WHERE num IS NOT NULL AND abs(num) < 1e15) x
    JOIN (SELECT d.*, round(d.num * 100)::HUGEINT AS cent FROM det_intro_nums d
          SEMI JOIN open_steps o ON o.run_id = d.run_id AND o.step_id = d.step_id
          WHERE abs(d.num) < 1e15) d
      ON d.run_id = x.run_id AND d.step_id = x.step_id AND d.cent = x.cent
    WHERE det_near(d.num, x.num)
),
chained AS (
    SELECT DISTINCT o.run_id, o.step_id, o.num FROM unmade o
    JOIN between_figures x ON x.run_id = o.run_id AND x.step_id = o.step_id AND NOT det_near(x.num, o.num)
    JOIN det_intro_nums g ON g.run_id = o.run_id AND g.step_id = o.step_id AND g.given
    WHERE o.ident IS NULL AND o.tol IS NULL AND det_makes(x.num, g.num, o.num)
)
SELECT o.* FROM unmade o
ANTI JOIN three t ON t.run_id = o.run_id AND t.step_id = o.step_id AND t.num = o.num AND o.ident IS NULL
ANTI JOIN chained c ON c.run_id = o.run_id AND c.step_id = o.step_id AND c.num = o.num AND o.ident IS NULL;

-- [section every]

-- Tool calls that only hand back what they were given: no backend record, so what they say supports
-- nothing. One of their arguments whole (smolagents' final_answer returns the answer it was given), or
-- nothing but values of their arguments (Semantic Kernel's format_quote(item="widget", price="41.20")
-- answering "Quote: widget at 41.20 USD" made the price its caller made up look backed by the backend). A
-- call stating a value of its own beside the ones it was given (get_stock(sku="WID-7"): {"sku": "WID-7",
-- "units": 120}) is the backend's record, the given ones included.
-- (after det_out_vals: a tool output's values there are its numbers and its values that reached a sink)
CREATE OR REPLACE TEMP TABLE det_echoes AS
SELECT run_id, step_id FROM steps SEMI JOIN det_scope USING (run_id)
WHERE kind = 'tool' AND steps.rowid BETWEEN $row_lo AND $row_hi AND contains(input, output)
UNION
SELECT o.run_id, o.step_id FROM det_out_vals o
LEFT JOIN det_sink_vals i ON i.run_id = o.run_id AND i.step_id = o.step_id AND i.field = 'input' AND i.v = o.v
WHERE o.kind = 'tool' AND o.field = 'output'
GROUP BY o.run_id, o.step_id
HAVING bool_and(i.v IS NOT NULL);

-- The backend's values: the values of tool outputs that are no echo.
CREATE OR REPLACE TEMP VIEW det_backend_vals AS
SELECT o.* FROM det_out_vals o
ANTI JOIN det_echoes e ON e.run_id = o.run_id AND e.step_id = o.step_id
WHERE o.kind = 'tool' AND o.field = 'output';

-- Values of the final answer no backend record supports (directly, or as a product or sum of two).
CREATE OR REPLACE TEMP TABLE det_unsupported_direct AS
-- The values of the answer are in det_sink_vals, so a tool output stating one has it marked sunk
-- (and tool outputs are never rows of det_sink_vals): anti joins, the few answer values probing.
-- A number with a scale word is supported by a backend number it rounds (5.4 million: 5,412,345).
SELECT DISTINCT v.run_id, v.token, v.num, v.ident, v.tol IS NOT NULL AS scaled
FROM det_sink_vals v JOIN det_answer a ON a.run_id = v.run_id AND a.step_id = v.step_id
ANTI JOIN (SELECT run_id, v FROM det_backend_vals WHERE sunk) b ON b.run_id = v.run_id AND b.v = v.v
ANTI JOIN det_task_vals t ON t.run_id = v.run_id AND t.v = v.v
WHERE v.field = 'output'
  AND NOT (v.tol IS NOT NULL AND EXISTS (
      SELECT 1 FROM det_backend_vals o WHERE o.run_id = v.run_id AND abs(o.num - v.num) <= v.tol)
      OR v.tol IS NOT NULL AND EXISTS (SELECT 1 FROM det_task_vals t WHERE t.run_id = v.run_id
                                       AND abs(t.num - v.num) <= v.tol));

-- (each row one of det_unsupported_direct: planned only when it holds one)
CREATE OR REPLACE TEMP TABLE det_unsupported_values (run_id VARCHAR, token VARCHAR, num DOUBLE, ident VARCHAR, scaled BOOLEAN);

-- [section needs_det_unsupported_direct]
INSERT INTO det_unsupported_values
WITH ground AS (
    SELECT DISTINCT b.run_id, b.num FROM det_backend_vals b
    SEMI JOIN (SELECT DISTINCT run_id FROM det_unsupported_direct WHERE ident IS NULL) u ON u.run_id = b.run_id
    WHERE b.num IS NOT NULL
    UNION
    SELECT t.run_id, t.num FROM det_task_vals t
    SEMI JOIN (SELECT DISTINCT run_id FROM det_unsupported_direct WHERE ident IS NULL) u ON u.run_id = t.run_id
    WHERE t.num IS NOT NULL
)
-- (a number with a scale word was weighed against the backend's numbers above, within its rounding)
, paired AS (
    SELECT u.* FROM det_unsupported_direct u
    WHERE u.ident IS NOT NULL OR u.scaled OR NOT EXISTS (
        SELECT 1 FROM ground a JOIN ground b ON a.run_id = b.run_id
        WHERE a.run_id = u.run_id AND det_makes(a.num, b.num, u.num))
),
-- A figure worked out in two steps, each said in the log, is supported too: a total of a subtotal that an
-- agent stated (quantity × unit price, handed on to the next agent) and a backend's shipping cost. The step
-- between is a number some non-tool output of the run states, and is itself a product or sum of two of the
-- ground's numbers; the answer's figure that number and one of the ground's. (Only for the answer's figures
-- left unsupported, and through the numbers those leave when one of the ground's is taken out: no pair of
-- stated numbers is tried.)
open AS (SELECT DISTINCT run_id, num FROM paired WHERE ident IS NULL AND NOT scaled),
parts AS (
    SELECT run_id, num, part FROM (
        SELECT o.run_id, o.num, unnest([o.num - g.num, CASE WHEN g.num <> 0 THEN o.num / g.num END]) AS part
        FROM open o JOIN ground g ON g.run_id = o.run_id)
    WHERE part IS NOT NULL
),
stated AS (  -- (`dec`: written with decimals, an amount)
    SELECT run_id, det_value_num(token) AS num, bool_or(contains(token, '.')) AS dec FROM (
        SELECT s.run_id, unnest(det_value_tokens(s.output)) AS token FROM steps s
        SEMI JOIN (SELECT DISTINCT run_id FROM open) r USING (run_id)
        WHERE s.rowid BETWEEN $row_lo AND $row_hi AND s.kind <> 'tool' AND s.output IS NOT NULL)
    WHERE ascii(token) < 65
    GROUP BY ALL
),
steps_between AS (
    SELECT DISTINCT x.run_id, x.num FROM stated x
    SEMI JOIN parts p ON p.run_id = x.run_id AND det_near(p.part, x.num)
    WHERE EXISTS (SELECT 1 FROM ground a JOIN ground b ON a.run_id = b.run_id
                  WHERE a.run_id = x.run_id AND det_makes(a.num, b.num, x.num))
),
-- A stated subtotal with two of the backend's amounts added (goods 142.00, said by the pricer as 10 × 14.20, plus
-- shipping 25.00 and insurance 2.84: a manager's total of what its agents said). Amounts only, as in det_intro.
-- What is left of the figure once the subtotal and one amount are taken out is looked up among the amounts by the
-- cent (the cents either side too, then det_near): an equality join, not every pair tried.
backend_amounts AS (
    SELECT DISTINCT b.run_id, b.num FROM det_backend_vals b SEMI JOIN open o ON o.run_id = b.run_id
    WHERE b.num > 0 AND contains(b.token, '.')
),
rest AS (
    SELECT o.run_id, o.num, x.num AS x, o.num - x.num - a.num AS b
    FROM open o JOIN stated x ON x.run_id = o.run_id AND x.dec AND x.num < o.num
    JOIN backend_amounts a ON a.run_id = o.run_id AND a.num < o.num - x.num
),
summed AS (
    SELECT DISTINCT r.run_id, r.num, r.x FROM (SELECT *, unnest([-1, 0, 1]) + round(b * 100)::HUGEINT AS cent FROM rest) r
    JOIN (SELECT run_id, num, round(num * 100)::HUGEINT AS cent FROM backend_amounts) g
      ON g.run_id = r.run_id AND g.cent = r.cent
    WHERE det_near(g.num + (r.num - r.b), r.num)
),
worked_out AS (
    SELECT DISTINCT p.run_id, p.num FROM parts p
    SEMI JOIN steps_between x ON x.run_id = p.run_id AND det_near(p.part, x.num)
    UNION
    SELECT s.run_id, s.num FROM summed s
    WHERE EXISTS (SELECT 1 FROM ground a JOIN ground b ON a.run_id = b.run_id
                  WHERE a.run_id = s.run_id AND det_makes(a.num, b.num, s.x))
)
SELECT u.* FROM paired u
ANTI JOIN worked_out w ON w.run_id = u.run_id AND w.num = u.num AND u.ident IS NULL AND NOT u.scaled;

-- [section every]

-- key: "value" pairs (categorical facts such as a status). A final answer contradicts the backend
-- when a tool output of the run gives the same key (or one that ends the other: order_status ~
-- status) another value and never this one, and this value is one the backend uses for that key.
CREATE OR REPLACE TEMP TABLE det_pairs AS
WITH texts AS (
    SELECT s.run_id, s.step_id, s.agent, s.kind,
           coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5) AS t1,
           CASE WHEN s.kind IN ('agent', 'chain', 'system') THEN coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5)
                ELSE coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE) END AS tref,
           s.output AS txt
    FROM steps s SEMI JOIN det_scope USING (run_id)
    WHERE s.rowid BETWEEN $row_lo AND $row_hi AND s.output LIKE '%":%"%'
)
SELECT run_id, step_id, agent, kind, t1, tref, lower(p.k) AS k, p.v AS v
FROM (SELECT *, unnest(regexp_extract_all(txt, '"([A-Za-z0-9_.-]{1,40})"\s*:\s*"([^"]{1,60})"', ['k', 'v'])) AS p
      FROM texts);

CREATE OR REPLACE TEMP TABLE det_contradictions AS
WITH answer_pairs AS (
    SELECT p.* FROM det_pairs p JOIN det_answer a ON a.run_id = p.run_id AND a.step_id = p.step_id
),
backend AS (SELECT * FROM det_pairs WHERE kind = 'tool'),
vocab AS (SELECT k, v FROM det_vocab)  -- the whole store's, built before the chunks (vocab.sql)
SELECT DISTINCT ap.run_id, ap.k, ap.v, b.v AS backend_value
FROM answer_pairs ap
JOIN backend b ON b.run_id = ap.run_id
 AND (b.k = ap.k OR ap.k LIKE '%\_' || b.k ESCAPE '\' OR b.k LIKE '%\_' || ap.k ESCAPE '\')
WHERE b.v <> ap.v
  AND EXISTS (SELECT 1 FROM vocab w WHERE w.k = b.k AND w.v = ap.v)
  AND NOT EXISTS (SELECT 1 FROM backend x WHERE x.run_id = ap.run_id AND x.v = ap.v
                  AND (x.k = ap.k OR ap.k LIKE '%\_' || x.k ESCAPE '\' OR x.k LIKE '%\_' || ap.k ESCAPE '\'));

-- Look-alike substitutions: the answer names something close to, but not, what the request asked
-- for ("work boots size 43" for a request of "work boots size 42"). Its origin is the first agent
-- step that chose an identifier which the backend listed beside the look-alike and which the
-- answer carries (the SKU picked from the search results).
CREATE OR REPLACE TEMP TABLE det_nearmiss AS
WITH answer_pairs AS (
    SELECT p.run_id, p.k, p.v, lower(r.task) AS task
    FROM det_pairs p JOIN det_answer a ON a.run_id = p.run_id AND a.step_id = p.step_id
    JOIN runs r ON r.run_id = p.run_id
    WHERE r.task IS NOT NULL AND p.v LIKE '% %'
),
scored AS (
    SELECT run_id, k, v, task,
           len(list_filter(string_split(lower(v), ' '), lambda w: regexp_matches(task, '\b' || regexp_escape(w) || '\b')))
               / len(string_split(v, ' ')) AS overlap
    FROM answer_pairs
)
SELECT run_id, k, v FROM scored WHERE overlap >= 0.6 AND NOT contains(task, lower(v));

-- (each row a near miss of det_nearmiss: planned only when it holds one)
CREATE OR REPLACE TEMP TABLE det_nearmiss_origins (run_id VARCHAR, token VARCHAR, ident VARCHAR, why VARCHAR, origin_step VARCHAR, origin_agent VARCHAR, origin_t DOUBLE);

-- [section needs_det_nearmiss]
INSERT INTO det_nearmiss_origins
SELECT run_id, token, ident, why, origin_step, origin_agent, origin_t FROM (
    SELECT n.run_id, o.token, o.ident, 'names "' || n.v || '", not what the request asked for' AS why,
           o.step_id AS origin_step, o.agent AS origin_agent, o.tref AS origin_t,
           row_number() OVER (PARTITION BY n.run_id, n.v ORDER BY o.t1, o.tref, o.step_id, o.token) AS k
    FROM det_nearmiss n
    JOIN (SELECT t.run_id, t.step_id, t.output, coalesce(epoch_us(t.ended_at)::DOUBLE, t.seq + 0.5) AS t1
          FROM steps t SEMI JOIN det_scope USING (run_id)
          WHERE t.rowid BETWEEN $row_lo AND $row_hi AND t.kind = 'tool') t
      ON t.run_id = n.run_id AND contains(t.output, n.v)
    JOIN det_vals listed ON listed.run_id = t.run_id AND listed.step_id = t.step_id AND listed.field = 'output'
     AND listed.ident IS NOT NULL
    JOIN det_answer a ON a.run_id = n.run_id
    JOIN det_vals carried ON carried.run_id = a.run_id AND carried.step_id = a.step_id AND carried.field = 'output'
     AND carried.ident = listed.ident
    JOIN det_vals o ON o.run_id = n.run_id AND o.field = 'output' AND o.kind <> 'tool' AND o.ident = listed.ident
     AND o.t1 >= t.t1
)
WHERE k = 1;

-- [section every]

-- Values that are wrong at the step that first stated them: made up, or a look-alike's identifier.
CREATE OR REPLACE TEMP TABLE det_bad_values AS
SELECT run_id, step_id, agent, tref, token, num, ident, 'made-up value ' || token AS why FROM det_intro
UNION ALL
SELECT run_id, origin_step, origin_agent, origin_t, token, NULL, ident, why FROM det_nearmiss_origins;

-- Everything wrong with each final answer, with the step that first stated it (its origin):
-- unsupported values, contradicted facts, and made-up values that reached the answer even if the
-- backend later echoed them (a wrong quantity that was then ordered).
CREATE OR REPLACE TEMP TABLE det_problems AS
WITH stated AS (
    SELECT run_id, token, num, ident, coalesce(ident, num::VARCHAR) AS v, 'unsupported' AS why
    FROM det_unsupported_values
    UNION
    SELECT DISTINCT i.run_id, v.token, v.num, v.ident, v.v, 'made up upstream'
    FROM det_intro i
    JOIN det_answer a ON a.run_id = i.run_id
    JOIN det_vals v ON v.run_id = a.run_id AND v.step_id = a.step_id AND v.field = 'output' AND v.v = i.v
),
num_origins AS (
    SELECT s.run_id, s.token, s.why, o.step_id AS origin_step, o.agent AS origin_agent, o.tref AS origin_t,
           row_number() OVER (PARTITION BY s.run_id, s.token ORDER BY (i.step_id IS NULL), o.t1, o.tref, o.step_id, s.why) AS k
    FROM stated s
    JOIN det_vals o ON o.run_id = s.run_id AND o.field = 'output' AND o.kind <> 'tool' AND o.v = s.v
    LEFT JOIN det_intro i ON i.run_id = o.run_id AND i.step_id = o.step_id AND i.token = o.token
),
pair_origins AS (
    SELECT c.run_id, c.k || ': ' || c.v AS token, 'contradicts the backend (' || c.backend_value || ')' AS why,
           p.step_id AS origin_step, p.agent AS origin_agent, p.tref AS origin_t,
           row_number() OVER (PARTITION BY c.run_id, c.k, c.v ORDER BY p.t1, p.tref, p.step_id, c.backend_value) AS k
    FROM det_contradictions c
    JOIN det_pairs p ON p.run_id = c.run_id AND p.kind <> 'tool' AND p.v = c.v
     AND (p.k = c.k OR c.k LIKE '%\_' || p.k ESCAPE '\' OR p.k LIKE '%\_' || c.k ESCAPE '\')
)
SELECT run_id, token, why, origin_step, origin_agent, origin_t FROM num_origins WHERE k = 1
UNION ALL
SELECT run_id, token, why, origin_step, origin_agent, origin_t FROM pair_origins WHERE k = 1
UNION ALL
SELECT run_id, token, why, origin_step, origin_agent, origin_t FROM det_nearmiss_origins;
