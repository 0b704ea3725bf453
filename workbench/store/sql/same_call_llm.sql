-- One model call written twice, as an LLM step and its only LLM child: a framework's span of the call
-- around the span its model client (or a second instrumentation) writes for the same request. Google ADK
-- 2.x with its legacy schema pinned writes `call_llm` (the messages, the tokens) and, under it,
-- `generate_content <model>` (the same model, the same tokens, no messages, the same
-- `gcp.vertex.agent.event_id`): read as two LLM steps, each call counted twice, its tokens summed twice and
-- the blame spread over both (google-adk 2.13, real22). The pair is taken as one call only when both name
-- the model and the names agree (equal, or equal but for a provider prefix: "openai/gpt-4o-mini" and
-- "gpt-4o-mini"), both give input and output tokens and the counts are equal, and no ADK event id tells
-- them apart (two ids that differ are two events). Nested chat spans with no model, or with only their
-- input tokens equal, are left as they are: nothing says they are one request. A parent with two LLM
-- children made two calls: left as it is too.
-- The parent is the step: it takes what only the child gave (text, cost, error) and names the child's span
-- in workbench.same_call_span. The child's row becomes a copy of it, so the merge stores it once and counts
-- the child as its repeat (read = stored + quarantined holds); the child's own children and edges move to
-- the parent. A pair split over two ingest calls (log rotation, a collector flushing files, an incremental
-- ingest of a growing folder) is one step as well, in either order, as one call would store it:
-- - a child given again (alone, or with its parent in another call) after the pair was stored once names the
--   stored parent's workbench.same_call_span: its row becomes a copy of the stored parent, counted as its
--   repeat (re-reading a file must add nothing);
-- - the child staged, its parent stored alone by an earlier call (same_call_up): the stored parent takes what
--   the child adds (same_call_folded, written to the store in the merge's transaction by same_call_fold.sql)
--   and the child's row becomes a copy of it, counted as its repeat;
-- - the parent staged, its child stored alone by an earlier call (same_call_down): the staged parent takes
--   what the stored child gave, and the merge's transaction (same_call_fold.sql) deletes the stored child,
--   its children, edges and labels moving to the parent.
-- The rule is the same as in one call, the parent's LLM children counted over the stored and staged steps.
-- Each step counted once, by its ids: the same trace given twice in one call (two exports, a file copied) is
-- the same pair, not a parent with two children (it was left as two steps, the call and its tokens twice).
CREATE OR REPLACE TEMP TABLE same_call AS
WITH llm AS (
    SELECT DISTINCT run_id, step_id, parent_id, model, tokens_in, tokens_out,
           CASE WHEN json_valid(attributes) THEN json_extract_string(attributes, '$."gcp.vertex.agent.event_id"') END AS event_id
    FROM stage_steps WHERE kind = 'llm' AND run_id IS NOT NULL AND step_id IS NOT NULL
),
pairs AS (
    SELECT p.run_id, p.step_id AS parent, c.step_id AS child, p.model AS p_model, c.model AS c_model,
           p.tokens_in AS p_in, c.tokens_in AS c_in, p.tokens_out AS p_out, c.tokens_out AS c_out,
           p.event_id AS p_event, c.event_id AS c_event,
           count(*) OVER (PARTITION BY p.run_id, p.step_id) AS n_children
    FROM llm p JOIN llm c ON c.run_id = p.run_id AND c.parent_id = p.step_id
)
SELECT run_id, parent, child FROM pairs
WHERE n_children = 1
  AND lower(regexp_replace(p_model, '^.*/', '')) = lower(regexp_replace(c_model, '^.*/', ''))
  AND p_in = c_in AND p_out = c_out
  AND (p_event IS NULL OR c_event IS NULL OR p_event = c_event)
  -- (a child that is itself the parent of a pair: a chain of three is left as it is)
  AND NOT EXISTS (SELECT 1 FROM llm g WHERE g.run_id = pairs.run_id AND g.parent_id = pairs.child);

-- A pair's child given again, with its parent now, whose id the store holds as a step of its own (an earlier
-- call stored the child span alone) with other contents is a conflict, as any step given again otherwise
-- (finalize.sql): quarantined, naming the stored step and what differs, and the pair is the staged parent with
-- the stored child (same_call_down, by the rule). Taken as the pair's, its contents replaced the stored ones
-- unsaid. (What a later log record fills in, text the span left out, is no difference; nor are the times,
-- which a file's integer time unit may still scale, scale_integer_units.)
CREATE OR REPLACE TEMP TABLE same_call_regiven AS
SELECT * FROM (
    SELECT n.run_id, n.step_id, n.file, n.line, n.raw, n.source, s.file AS s_file, s.line AS s_line,
           concat_ws(', ',
               CASE WHEN n.name IS DISTINCT FROM s.name THEN 'name' END,
               CASE WHEN n.model IS DISTINCT FROM s.model THEN 'model' END,
               CASE WHEN n.status IS DISTINCT FROM s.status THEN 'status' END,
               CASE WHEN n.error IS NOT NULL AND n.error IS DISTINCT FROM s.error THEN 'error' END,
               CASE WHEN n.input IS NOT NULL AND n.input IS DISTINCT FROM s.input THEN 'input' END,
               CASE WHEN n.output IS NOT NULL AND n.output IS DISTINCT FROM s.output THEN 'output' END,
               CASE WHEN n.tokens_in IS DISTINCT FROM s.tokens_in THEN 'tokens_in' END,
               CASE WHEN n.tokens_out IS DISTINCT FROM s.tokens_out THEN 'tokens_out' END) AS differs
    FROM stage_steps n
    SEMI JOIN same_call x ON x.run_id = n.run_id AND x.child = n.step_id
    JOIN steps s ON s.run_id = n.run_id AND s.step_id = n.step_id
    WHERE n.kind = 'llm' AND NOT json_exists(s.attributes, '$."workbench.same_call_span"'))
WHERE differs <> '';

INSERT INTO stage_quarantine (file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256)
SELECT file, line, 'conflicts with the stored step ' || step_id || ' of run ' || run_id || ' (stored from '
       || coalesce(s_file, '?') || ' line ' || coalesce(s_line::VARCHAR, '?') || '): differs in ' || differs,
       raw, source, run_id, step_id, octet_length(encode(raw)), sha256(raw)
FROM same_call_regiven;

DELETE FROM stage_steps
WHERE kind = 'llm' AND EXISTS (SELECT 1 FROM same_call_regiven x WHERE x.run_id = stage_steps.run_id
                                 AND x.step_id = stage_steps.step_id);

DELETE FROM same_call
WHERE EXISTS (SELECT 1 FROM same_call_regiven x WHERE x.run_id = same_call.run_id AND x.step_id = same_call.child);

-- The other LLM steps of the runs staged now that an earlier call stored (the other half of a pair split
-- over two calls), and what tells them apart: stored LLM steps a staged LLM step names as parent or child.
CREATE OR REPLACE TEMP TABLE same_call_llm_stage AS
SELECT DISTINCT run_id, step_id, parent_id, model, tokens_in, tokens_out,
       CASE WHEN json_valid(attributes) THEN json_extract_string(attributes, '$."gcp.vertex.agent.event_id"') END AS event_id
FROM stage_steps WHERE kind = 'llm' AND run_id IS NOT NULL AND step_id IS NOT NULL;

-- (two equi-joins, not one join on an OR, which DuckDB runs as a nested loop)
CREATE OR REPLACE TEMP TABLE same_call_llm_stored AS
WITH ids AS (
    SELECT s.run_id, s.step_id FROM steps s SEMI JOIN same_call_llm_stage n ON n.run_id = s.run_id AND n.step_id = s.parent_id
    WHERE s.kind = 'llm'
    UNION
    SELECT s.run_id, s.step_id FROM steps s SEMI JOIN same_call_llm_stage n ON n.run_id = s.run_id AND n.parent_id = s.step_id
    WHERE s.kind = 'llm'
)
SELECT s.run_id, s.step_id, s.parent_id, s.model, s.tokens_in, s.tokens_out,
       json_extract_string(s.attributes, '$."gcp.vertex.agent.event_id"') AS event_id,
       json_exists(s.attributes, '$."workbench.same_call_span"') AS merged
FROM steps s SEMI JOIN ids i ON i.run_id = s.run_id AND i.step_id = s.step_id;

-- The same rule on one staged and one stored half. (x.merged: a stored step that is already a pair's step.)
CREATE OR REPLACE TEMP MACRO same_call_rule(p_model, c_model, p_in, c_in, p_out, c_out, p_event, c_event) AS
    lower(regexp_replace(p_model, '^.*/', '')) = lower(regexp_replace(c_model, '^.*/', ''))
    AND p_in = c_in AND p_out = c_out AND (p_event IS NULL OR c_event IS NULL OR p_event = c_event);

-- The LLM children, stored or staged, each once by its id, of the steps the rule asks about: the staged LLM
-- steps, their parents and the stored LLM steps found above.
CREATE OR REPLACE TEMP TABLE same_call_kids AS
WITH asked AS (
    SELECT run_id, step_id AS id FROM same_call_llm_stage
    UNION SELECT run_id, parent_id FROM same_call_llm_stage WHERE parent_id IS NOT NULL
    UNION SELECT run_id, step_id FROM same_call_llm_stored
)
SELECT run_id, parent_id, count(DISTINCT step_id) AS n FROM (
    SELECT run_id, step_id, parent_id FROM same_call_llm_stage
    UNION ALL
    SELECT s.run_id, s.step_id, s.parent_id FROM steps s SEMI JOIN asked a ON a.run_id = s.run_id AND a.id = s.parent_id
    WHERE s.kind = 'llm'
) GROUP BY ALL;

-- A pair found among the staged steps whose parent has another LLM child stored (an earlier call stored one of
-- the two model calls under it, alone): read in one call the parent has two LLM children and is no pair. It
-- was folded with the staged one, the store hanging on how the files were split, and nothing said.
DELETE FROM same_call
WHERE EXISTS (SELECT 1 FROM same_call_kids k WHERE k.run_id = same_call.run_id AND k.parent_id = same_call.parent
                AND k.n > 1);

-- The child staged, its parent stored alone (not staged now, not a pair's step, no other LLM child).
CREATE OR REPLACE TEMP TABLE same_call_up AS
SELECT c.run_id, p.step_id AS parent, c.step_id AS child
FROM same_call_llm_stage c
JOIN same_call_llm_stored p ON p.run_id = c.run_id AND p.step_id = c.parent_id AND NOT p.merged
JOIN same_call_kids k ON k.run_id = p.run_id AND k.parent_id = p.step_id AND k.n = 1
WHERE same_call_rule(p.model, c.model, p.tokens_in, c.tokens_in, p.tokens_out, c.tokens_out, p.event_id, c.event_id)
  AND NOT EXISTS (SELECT 1 FROM same_call_llm_stage s WHERE s.run_id = c.run_id AND s.step_id = c.parent_id)
  AND NOT EXISTS (SELECT 1 FROM same_call_kids g WHERE g.run_id = c.run_id AND g.parent_id = c.step_id)
  AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = c.run_id AND s.step_id = c.step_id);

-- The parent staged (not stored), its child stored alone: the child is the parent's only LLM child and has none,
-- or the two staged now are a pair too (the child given again: same_call) and the stored copy has to go.
CREATE OR REPLACE TEMP TABLE same_call_down AS
SELECT c.run_id, p.step_id AS parent, c.step_id AS child
FROM same_call_llm_stage p
JOIN same_call_llm_stored c ON c.run_id = p.run_id AND c.parent_id = p.step_id AND NOT c.merged
WHERE NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = p.run_id AND s.step_id = p.step_id)
  AND (EXISTS (SELECT 1 FROM same_call x WHERE x.run_id = p.run_id AND x.parent = p.step_id AND x.child = c.step_id)
       OR (same_call_rule(p.model, c.model, p.tokens_in, c.tokens_in, p.tokens_out, c.tokens_out, p.event_id, c.event_id)
           AND EXISTS (SELECT 1 FROM same_call_kids k WHERE k.run_id = p.run_id AND k.parent_id = p.step_id AND k.n = 1)
           AND NOT EXISTS (SELECT 1 FROM same_call_kids g WHERE g.run_id = c.run_id AND g.parent_id = c.step_id)
           AND NOT EXISTS (SELECT 1 FROM same_call x WHERE x.run_id = p.run_id AND x.child = p.step_id)));

-- The children given again of pairs stored by an earlier call (the parent not staged in this one): the stored
-- parent names the child (workbench.same_call_span) and the child still passes the rule against it.
CREATE OR REPLACE TEMP TABLE same_call_stored AS
SELECT DISTINCT c.run_id, p.step_id AS parent, c.step_id AS child
FROM stage_steps c
JOIN steps p ON p.run_id = c.run_id AND p.step_id = c.parent_id AND p.kind = 'llm'
WHERE c.kind = 'llm' AND c.step_id IS NOT NULL
  AND json_extract_string(p.attributes, '$."workbench.same_call_span"') = c.step_id
  AND lower(regexp_replace(p.model, '^.*/', '')) = lower(regexp_replace(c.model, '^.*/', ''))
  AND p.tokens_in = c.tokens_in AND p.tokens_out = c.tokens_out
  AND NOT EXISTS (SELECT 1 FROM stage_steps s WHERE s.run_id = c.run_id AND s.step_id = c.parent_id)
  AND NOT EXISTS (SELECT 1 FROM same_call x WHERE x.run_id = c.run_id AND x.child = c.step_id);

INSERT INTO same_call SELECT run_id, parent, child FROM same_call_stored;

-- The stored parents of same_call_up as they become with their child (what one call gives the parent step), for
-- same_call_fold.sql to write in the merge's transaction; the child's row becomes a copy of it, as below.
CREATE OR REPLACE TEMP TABLE same_call_folded AS
SELECT p.* REPLACE (
    coalesce(p.input, c.input) AS input, coalesce(p.output, c.output) AS output, coalesce(p.cost, c.cost) AS cost,
    coalesce(p.confidence, c.confidence) AS confidence, coalesce(p.entropy, c.entropy) AS entropy,
    CASE WHEN c.status = 'error' THEN 'error' ELSE p.status END AS status, coalesce(p.error, c.error) AS error,
    json_merge_patch(coalesce(p.attributes, '{}'), json_object('workbench.same_call_span', x.child)) AS attributes),
    x.child AS child
FROM same_call_up x
JOIN steps p ON p.run_id = x.run_id AND p.step_id = x.parent
JOIN stage_steps c ON c.run_id = x.run_id AND c.step_id = x.child AND c.kind = 'llm'
QUALIFY row_number() OVER (PARTITION BY p.run_id, p.step_id ORDER BY c.file, c.line) = 1;

-- The children whose row becomes a stored parent, both ways at once (the two sets of children are apart: a
-- same_call_stored child's parent names it, a same_call_up child's does not; neither child is stored): a child
-- given again after its pair was stored (same_call_stored: the parent as stored) and a child staged after its
-- parent was stored alone (same_call_up: the parent as it becomes, same_call_folded). Each becomes the stored
-- parent as its span gave it (without what OTLP log records added, as finalize.sql's without_logs compares
-- it), so the merge finds it a repeat of the stored step.
UPDATE stage_steps SET step_id = p.step_id, parent_id = p.parent_id, agent = p.agent_own, kind = p.kind,
    name = p.name, tool = p.tool, model = p.model, start_ns = epoch_us(p.started_at) * 1000,
    end_ns = epoch_us(p.ended_at) * 1000, latency_ms = p.latency_ms,
    status = coalesce(json_extract_string(p.attributes, '$."otel.log_status"'), p.status),
    error = CASE WHEN list_contains(p.filled, 'error') THEN NULL ELSE p.error END,
    input = CASE WHEN list_contains(p.filled, 'input') THEN NULL ELSE p.input END,
    output = CASE WHEN list_contains(p.filled, 'output') THEN NULL ELSE p.output END,
    tokens_in = p.tokens_in, tokens_out = p.tokens_out, cost = p.cost, confidence = p.confidence,
    entropy = p.entropy, order_hint = p.order_hint,
    attributes = CASE WHEN p.filled IS NULL THEN p.attributes::VARCHAR ELSE json_merge_patch(p.attributes,
        '{"otel.logs": null, "otel.log_ids": null, "otel.log_filled": null, "otel.log_times": null,
          "otel.log_status": null}')::VARCHAR END
FROM (SELECT *, CAST(json_extract(attributes, '$."otel.log_filled"') AS VARCHAR[]) AS filled FROM (
          SELECT p.*, x.child FROM same_call_stored x JOIN steps p ON p.run_id = x.run_id AND p.step_id = x.parent
          UNION ALL BY NAME
          SELECT * FROM same_call_folded)) p
WHERE stage_steps.run_id = p.run_id AND stage_steps.step_id = p.child AND stage_steps.kind = 'llm';

INSERT INTO same_call SELECT run_id, parent, child FROM same_call_up;

-- The staged parents of same_call_down take what their stored child gave (the child given again in this call
-- was taken above, the same values).
UPDATE stage_steps SET
    input = coalesce(stage_steps.input, c.input), output = coalesce(stage_steps.output, c.output),
    tokens_in = coalesce(stage_steps.tokens_in, c.tokens_in), tokens_out = coalesce(stage_steps.tokens_out, c.tokens_out),
    cost = coalesce(stage_steps.cost, c.cost), model = coalesce(stage_steps.model, c.model),
    confidence = coalesce(stage_steps.confidence, c.confidence), entropy = coalesce(stage_steps.entropy, c.entropy),
    status = CASE WHEN c.status = 'error' THEN 'error' ELSE stage_steps.status END,
    error = coalesce(stage_steps.error, c.error),
    attributes = json_merge_patch(coalesce(stage_steps.attributes, '{}'),
                                  json_object('workbench.same_call_span', x.child))::VARCHAR
FROM same_call_down x JOIN steps c ON c.run_id = x.run_id AND c.step_id = x.child
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.parent AND stage_steps.kind = 'llm'
  AND NOT EXISTS (SELECT 1 FROM same_call s WHERE s.run_id = x.run_id AND s.child = x.child);

INSERT INTO same_call SELECT run_id, parent, child FROM same_call_down d
WHERE NOT EXISTS (SELECT 1 FROM same_call s WHERE s.run_id = d.run_id AND s.child = d.child);

UPDATE stage_steps SET
    input = coalesce(stage_steps.input, c.input), output = coalesce(stage_steps.output, c.output),
    tokens_in = coalesce(stage_steps.tokens_in, c.tokens_in), tokens_out = coalesce(stage_steps.tokens_out, c.tokens_out),
    cost = coalesce(stage_steps.cost, c.cost), model = coalesce(stage_steps.model, c.model),
    confidence = coalesce(stage_steps.confidence, c.confidence), entropy = coalesce(stage_steps.entropy, c.entropy),
    status = CASE WHEN c.status = 'error' THEN 'error' ELSE stage_steps.status END,
    error = coalesce(stage_steps.error, c.error),
    attributes = json_merge_patch(coalesce(stage_steps.attributes, '{}'),
                                  json_object('workbench.same_call_span', x.child))::VARCHAR
FROM same_call x JOIN stage_steps c ON c.run_id = x.run_id AND c.step_id = x.child AND c.kind = 'llm'
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.parent AND stage_steps.kind = 'llm';

UPDATE stage_steps SET step_id = p.step_id, parent_id = p.parent_id, agent = p.agent, is_agent = p.is_agent,
    kind = p.kind, name = p.name, tool = p.tool, model = p.model, start_ns = p.start_ns, end_ns = p.end_ns,
    latency_ms = p.latency_ms, status = p.status, error = p.error, input = p.input, output = p.output,
    tokens_in = p.tokens_in, tokens_out = p.tokens_out, cost = p.cost, confidence = p.confidence,
    entropy = p.entropy, attributes = p.attributes, order_hint = p.order_hint, source = p.source, raw = p.raw,
    file = p.file, line = p.line
FROM same_call x JOIN stage_steps p ON p.run_id = x.run_id AND p.step_id = x.parent
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.child;

UPDATE stage_steps SET parent_id = x.parent
FROM same_call x WHERE stage_steps.run_id = x.run_id AND stage_steps.parent_id = x.child;

UPDATE stage_edges SET src_step = x.parent
FROM same_call x WHERE stage_edges.run_id = x.run_id AND stage_edges.src_step = x.child;

UPDATE stage_edges SET dst_step = x.parent
FROM same_call x WHERE stage_edges.run_id = x.run_id AND stage_edges.dst_step = x.child;

-- A pair's parent given again without its child (the file of the outer spans read again) is the stored step as
-- the pair made it: it takes again what its child gave (as above; not text a log record filled in, which the
-- merge compares without), so the merge finds it a repeat. It was a conflict ('differs in output, attributes'):
-- the same file given again quarantined a record.
UPDATE stage_steps SET
    input = CASE WHEN list_contains(p.filled, 'input') THEN stage_steps.input ELSE coalesce(stage_steps.input, p.input) END,
    output = CASE WHEN list_contains(p.filled, 'output') THEN stage_steps.output
                  ELSE coalesce(stage_steps.output, p.output) END,
    cost = coalesce(stage_steps.cost, p.cost), confidence = coalesce(stage_steps.confidence, p.confidence),
    entropy = coalesce(stage_steps.entropy, p.entropy),
    status = CASE WHEN p.status = 'error' THEN 'error' ELSE stage_steps.status END,
    error = coalesce(stage_steps.error, p.error),
    attributes = json_merge_patch(coalesce(stage_steps.attributes, '{}'),
                                  json_object('workbench.same_call_span', p.child))::VARCHAR
-- (the status and error as the spans gave them: an exception log record's are compared without, as text)
FROM (SELECT run_id, step_id, input, output, cost, confidence, entropy,
             coalesce(json_extract_string(attributes, '$."otel.log_status"'), status) AS status,
             CASE WHEN list_contains(CAST(json_extract(attributes, '$."otel.log_filled"') AS VARCHAR[]), 'error')
                  THEN NULL ELSE error END AS error,
             json_extract_string(attributes, '$."workbench.same_call_span"') AS child,
             CAST(json_extract(attributes, '$."otel.log_filled"') AS VARCHAR[]) AS filled
      FROM steps SEMI JOIN (SELECT run_id, step_id FROM stage_steps WHERE kind = 'llm') s USING (run_id, step_id)
      WHERE kind = 'llm' AND json_exists(attributes, '$."workbench.same_call_span"')) p
WHERE stage_steps.run_id = p.run_id AND stage_steps.step_id = p.step_id AND stage_steps.kind = 'llm'
  AND NOT EXISTS (SELECT 1 FROM same_call x WHERE x.run_id = p.run_id AND x.parent = p.step_id);
