-- The last part of a chunk of the merge (see finalize.sql): the chunk's new steps and their parent edges
-- into the store, its roots gathered for refresh_runs.sql.

-- [section resolved]
-- Agent, depth and, for a run whose steps are all new, order of every new step (the order of the UPDATE
-- below, computed here on narrow rows, not while the wide rows are inserted).
CREATE OR REPLACE TEMP TABLE resolved AS
SELECT g.rid, g.agent, g.depth,
       CASE WHEN o.run_id IS NULL THEN row_number() OVER (
           PARTITION BY n.run_id ORDER BY make_timestamp(n.start_ns // 1000) NULLS LAST, g.depth, n.order_hint,
                                          n.file, n.line, n.step_id) - 1 END AS seq
FROM (
    SELECT rid, agent, depth FROM down WHERE rid IS NOT NULL
    UNION ALL
    SELECT rid, agent, depth FROM unreached_resolved WHERE rid IS NOT NULL
) g
JOIN (SELECT rid, run_id, start_ns, order_hint, file, line, step_id FROM chunk_n) n ON n.rid = g.rid
LEFT JOIN stored_runs o ON o.run_id = n.run_id;

-- [section resolved_one_file]
-- (in place of resolved when every staged step names the same file, the driver's _HOLDS one_file: the file, the
-- same in every row, orders nothing, and as a sort key of every new step it cost 0.13-0.16 of ~0.6 CPU s a chunk of
-- 500k native steps, the rows the same; perf56's notes)
CREATE OR REPLACE TEMP TABLE resolved AS
SELECT g.rid, g.agent, g.depth,
       CASE WHEN o.run_id IS NULL THEN row_number() OVER (
           PARTITION BY n.run_id ORDER BY make_timestamp(n.start_ns // 1000) NULLS LAST, g.depth, n.order_hint,
                                          n.line, n.step_id) - 1 END AS seq
FROM (
    SELECT rid, agent, depth FROM down WHERE rid IS NOT NULL
    UNION ALL
    SELECT rid, agent, depth FROM unreached_resolved WHERE rid IS NOT NULL
) g
JOIN (SELECT rid, run_id, start_ns, order_hint, line, step_id FROM chunk_n) n ON n.rid = g.rid
LEFT JOIN stored_runs o ON o.run_id = n.run_id;

-- [section steps]
-- (a chunked call's driver runs this section and edges on one thread, _driver._ONE_THREAD: an INSERT on two threads
-- leaves part-filled row groups in each chunk's rows, which the store's checkpoint then merged, rewriting them)
INSERT INTO steps BY NAME
SELECT n.run_id, n.step_id, n.parent_id, r.seq, r.depth, r.agent, n.agent AS agent_own,
       n.kind, n.name, n.tool, n.model,
       make_timestamp(n.start_ns // 1000) AS started_at,
       make_timestamp(n.end_ns // 1000) AS ended_at,
       coalesce(n.latency_ms, (n.end_ns - n.start_ns) / 1e6) AS latency_ms,
       n.status, n.error, n.input, n.output, n.tokens_in, n.tokens_out, n.cost,
       n.confidence, n.entropy, n.attributes::JSON AS attributes, n.source, n.file, n.line,
       n.order_hint
FROM resolved r
JOIN chunk_n n ON n.rid = r.rid;

-- [section stored]
-- (left out when this call completes no stored step and brings no fuller copy of one: the driver knows)
-- Stored steps completed by this call (stage_completes, finalize.sql): the row becomes the complete copy,
-- as one call given both copies would have stored it. Before the renumbering below, which orders by file
-- and line among others. (A run's staged rows all lie in its chunk's row range, chunk_n.)
UPDATE steps SET ended_at = make_timestamp(n.end_ns // 1000),
                 latency_ms = coalesce(n.latency_ms, (n.end_ns - n.start_ns) / 1e6),
                 -- (what the span's log records gave is kept, unless this copy brings its own output, error,
                 -- error status)
                 status = CASE WHEN n.status <> 'error' AND json_exists(steps.attributes, '$."otel.log_status"')
                               THEN 'error' ELSE n.status END,
                 error = CASE WHEN n.error IS NULL AND list_contains(CAST(json_extract(steps.attributes,
                                   '$."otel.log_filled"') AS VARCHAR[]), 'error') THEN steps.error ELSE n.error END,
                 model = n.model,
                 output = CASE WHEN n.output IS NULL AND list_contains(CAST(json_extract(steps.attributes,
                                    '$."otel.log_filled"') AS VARCHAR[]), 'output') THEN steps.output ELSE n.output END,
                 tokens_in = n.tokens_in, tokens_out = n.tokens_out, cost = n.cost, confidence = n.confidence,
                 entropy = n.entropy, source = n.source, file = n.file,
                 attributes = CASE WHEN contains(steps.attributes::VARCHAR, '"otel.log_filled"')
                                   THEN json_merge_patch(coalesce(n.attributes::JSON, '{}'), json_merge_patch(
                                       logs_patch(steps.attributes), json_object('otel.log_filled', to_json(list_filter(
                                           CAST(json_extract(steps.attributes, '$."otel.log_filled"') AS VARCHAR[]),
                                           lambda c: (c <> 'output' OR n.output IS NULL)
                                                     AND (c <> 'error' OR n.error IS NULL))),
                                           'otel.log_status', CASE WHEN n.status <> 'error' AND json_exists(
                                               steps.attributes, '$."otel.log_status"') THEN to_json(n.status) END)))
                                   ELSE n.attributes::JSON END,
                 line = n.line, order_hint = n.order_hint
FROM stage_completes c JOIN chunk_n n ON n.rid = c.rid
WHERE steps.run_id = n.run_id AND steps.step_id = n.step_id;

-- Stored steps of which this call brings another exporter's fuller copy (stage_fuller_stored, finalize.sql):
-- the row becomes that copy, as one call given both copies would have stored it.
UPDATE steps SET started_at = make_timestamp(n.start_ns // 1000), ended_at = make_timestamp(n.end_ns // 1000),
                 latency_ms = coalesce(n.latency_ms, (n.end_ns - n.start_ns) / 1e6),
                 attributes = CASE WHEN contains(steps.attributes::VARCHAR, '"otel.log_filled"')
                                   THEN json_merge_patch(coalesce(n.attributes::JSON, '{}'), logs_patch(steps.attributes))
                                   ELSE n.attributes::JSON END,
                 source = n.source, file = n.file, line = n.line, order_hint = n.order_hint
FROM stage_fuller_stored c JOIN chunk_n n ON n.rid = c.rid
WHERE steps.run_id = n.run_id AND steps.step_id = n.step_id;

-- [section stored_runs]
-- (left out when no affected run had steps in the store: both statements change stored steps only)
-- Older steps may gain an agent or depth from ancestors that arrived now (a trace split over files).
UPDATE steps SET agent = r.agent, depth = r.depth
FROM (
    SELECT t.run_id, t.step_id, d.agent, d.depth
    FROM (SELECT node, run_id, step_id FROM tree WHERE rid IS NULL) t
    JOIN (SELECT node, agent, depth FROM down WHERE rid IS NULL) d ON d.node = t.node
    UNION ALL
    SELECT run_id, step_id, agent, depth FROM unreached_resolved WHERE rid IS NULL
) r
WHERE steps.run_id = r.run_id AND steps.step_id = r.step_id
  AND (steps.agent IS DISTINCT FROM r.agent OR steps.depth IS DISTINCT FROM r.depth);

-- Order within a run: start time, then parents before children, then the source's own order.
UPDATE steps SET seq = o.seq
FROM (
    SELECT run_id, step_id,
           row_number() OVER (PARTITION BY run_id
                              ORDER BY started_at NULLS LAST, depth, order_hint, file, line, step_id) - 1 AS seq
    FROM steps SEMI JOIN stored_runs a ON a.run_id = steps.run_id
) o
WHERE steps.run_id = o.run_id AND steps.step_id = o.step_id AND steps.seq IS DISTINCT FROM o.seq;

-- [section edges]
-- The span tree's edges (each once: tree holds the steps of the chunk's runs as they now are in the store,
-- each once). A step's parent is in the tree when it has a pnode that was not cut since. Only the runs
-- that had steps stored before this call can have parent edges stored (they are written with the steps):
-- checked against those alone, not against every edge of the store (which grows chunk by chunk).
INSERT INTO edges
SELECT run_id, parent_id AS src_step, step_id AS dst_step, 'parent' AS kind
FROM tree t
WHERE pnode IS NOT NULL AND pnode NOT IN (SELECT node FROM cut)
  AND NOT EXISTS (SELECT 1 FROM (SELECT e.* FROM edges e SEMI JOIN stored_runs o ON o.run_id = e.run_id) e
                  WHERE e.run_id = t.run_id AND e.src_step = t.parent_id AND e.dst_step = t.step_id
                    AND e.kind = 'parent');

-- The roots: steps whose parent is not in the store, found in the tree (the parent's node is NULL, or the
-- parent was cut as on a cycle) rather than by joining the steps with themselves.
INSERT INTO run_roots
SELECT run_id, step_id FROM tree
WHERE pnode IS NULL OR pnode IN (SELECT node FROM cut);
