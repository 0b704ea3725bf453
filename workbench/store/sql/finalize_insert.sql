-- The last part of the merge (see finalize.sql): new steps, edges and labels into the store, and the
-- rejects gathered for quarantine.sql.

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
JOIN (SELECT rid, run_id, start_ns, order_hint, file, line, step_id FROM stage_n) n ON n.rid = g.rid
LEFT JOIN stored_runs o ON o.run_id = n.run_id;

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
JOIN stage_n n ON n.rid = r.rid;

-- Stored steps completed by this call (stage_completes, finalize.sql): the row becomes the complete copy,
-- as one call given both copies would have stored it. Before the renumbering below, which orders by file
-- and line among others.
UPDATE steps SET ended_at = make_timestamp(n.end_ns // 1000),
                 latency_ms = coalesce(n.latency_ms, (n.end_ns - n.start_ns) / 1e6),
                 status = n.status, error = n.error, output = n.output, model = n.model,
                 tokens_in = n.tokens_in, tokens_out = n.tokens_out, cost = n.cost, confidence = n.confidence,
                 entropy = n.entropy, attributes = n.attributes::JSON, source = n.source, file = n.file,
                 line = n.line, order_hint = n.order_hint
FROM stage_completes c JOIN stage_n n ON n.rid = c.rid
WHERE steps.run_id = n.run_id AND steps.step_id = n.step_id;

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

-- Edges: the span tree, plus hand-offs and data lineage the source states; each once. (tree holds the
-- steps of the affected runs as they now are in the store, each once, so its parent edges are distinct;
-- stated edges are never of kind 'parent'.) A step's parent is in the tree when it has a pnode that was
-- not cut since.
INSERT INTO edges
SELECT n.* FROM (
    SELECT run_id, parent_id AS src_step, step_id AS dst_step, 'parent' AS kind
    FROM tree
    WHERE pnode IS NOT NULL AND pnode NOT IN (SELECT node FROM cut)
    UNION ALL
    SELECT DISTINCT run_id, src_step, dst_step, kind FROM stage_edges
    WHERE run_id IS NOT NULL AND src_step IS NOT NULL AND dst_step IS NOT NULL AND kind IS NOT NULL
) n
WHERE NOT EXISTS (SELECT 1 FROM edges e WHERE e.run_id = n.run_id AND e.src_step = n.src_step
                  AND e.dst_step = n.dst_step AND e.kind = n.kind);

INSERT INTO labels (run_id, agent, step_id, kind, source, outcome, detail)
SELECT DISTINCT l.run_id, l.agent, l.step_id, l.kind, l.source, l.outcome, l.detail
FROM stage_labels l
WHERE NOT EXISTS (
    SELECT 1 FROM labels x
    WHERE x.run_id = l.run_id AND x.agent IS NOT DISTINCT FROM l.agent
      AND x.step_id IS NOT DISTINCT FROM l.step_id AND x.kind IS NOT DISTINCT FROM l.kind
      AND x.source IS NOT DISTINCT FROM l.source AND x.outcome IS NOT DISTINCT FROM l.outcome
      AND x.detail IS NOT DISTINCT FROM l.detail
);

-- Everything rejected, whether by the adapter or here. Identical rejects (same file, line, reason,
-- step and text) are numbered, not collapsed (quarantine.sql writes them to the store).
CREATE OR REPLACE TEMP TABLE stage_rejects AS
SELECT *, row_number() OVER (PARTITION BY file, line, reason, step_id, raw_sha256
                             ORDER BY origin, ord) AS occurrence
FROM (
    SELECT file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256, 0 AS origin, rowid AS ord
    FROM stage_quarantine
    UNION ALL
    SELECT n.file, n.line, b.reason, n.raw, n.source, n.run_id, n.step_id,
           octet_length(encode(n.raw)), sha256(n.raw), 1, b.rid
    FROM stage_bad b JOIN stage_n n ON n.rid = b.rid
    UNION ALL
    SELECT file, line, reason, NULL, source, run_id, NULL, NULL, NULL, 2, rrid
    FROM stage_run_conflicts
);
