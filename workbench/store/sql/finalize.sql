-- Merge the staging tables (stage_steps, stage_runs, stage_edges, stage_labels, stage_quarantine)
-- into the store. Runs inside the ingest transaction, statement by statement, in this order.
-- Every staged step ends either in steps (new, or already there: idempotence) or in quarantine.

-- Staged steps numbered in arrival order, so "the first of two duplicates" is well defined.
CREATE OR REPLACE TEMP TABLE stage_n AS
SELECT rowid AS rid, * FROM stage_steps;

-- Steps rejected here, with the reason: duplicate ids within the input, end before start.
CREATE OR REPLACE TEMP TABLE stage_bad AS
SELECT rid, 'duplicate step id ' || step_id || ' in run ' || run_id
            || ' (first seen at ' || first_file || ' line ' || first_line || ')' AS reason
FROM (
    SELECT rid, run_id, step_id,
           first_value(line) OVER w AS first_line,
           first_value(file) OVER w AS first_file,
           row_number() OVER w AS k
    FROM stage_n
    WINDOW w AS (PARTITION BY run_id, step_id ORDER BY rid)
)
WHERE k > 1;

INSERT INTO stage_bad
SELECT rid, 'ends before it starts (end ' || end_ns || ' ns < start ' || start_ns || ' ns)'
FROM stage_n
WHERE end_ns < start_ns AND rid NOT IN (SELECT rid FROM stage_bad);

-- Runs this ingest touches.
CREATE OR REPLACE TEMP TABLE affected AS
SELECT run_id FROM stage_steps WHERE run_id IS NOT NULL
UNION SELECT run_id FROM stage_runs
UNION SELECT run_id FROM stage_labels;

-- Steps not yet in the store (the rest are already there: ingesting twice adds nothing).
CREATE OR REPLACE TEMP TABLE stage_new AS
SELECT n.* FROM stage_n n
WHERE n.rid NOT IN (SELECT rid FROM stage_bad)
  AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = n.run_id AND s.step_id = n.step_id);

-- The span trees of the affected runs: stored steps plus new ones.
CREATE OR REPLACE TEMP TABLE tree AS
SELECT s.run_id, s.step_id, s.parent_id, s.agent_own, NULL::BIGINT AS rid
FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id
UNION ALL
SELECT run_id, step_id, parent_id, agent, rid FROM stage_new;

-- Every (step, ancestor id, distance). Bounded so that a cycle cannot run forever.
CREATE OR REPLACE TEMP TABLE ancestry AS
WITH RECURSIVE walk(run_id, step_id, anc, dist) AS (
    SELECT run_id, step_id, parent_id, 1 FROM tree WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT w.run_id, w.step_id, t.parent_id, w.dist + 1
    FROM walk w JOIN tree t ON t.run_id = w.run_id AND t.step_id = w.anc
    WHERE t.parent_id IS NOT NULL AND w.anc <> w.step_id AND w.dist < 512
)
SELECT * FROM walk;

-- A new step that is its own ancestor sits on a parent cycle.
INSERT INTO stage_bad
SELECT DISTINCT t.rid, 'parent cycle: step ' || t.step_id || ' is its own ancestor in run ' || t.run_id
FROM tree t JOIN ancestry w ON w.run_id = t.run_id AND w.step_id = t.step_id AND w.anc = t.step_id
WHERE t.rid IS NOT NULL;

DELETE FROM tree WHERE rid IN (SELECT rid FROM stage_bad);

-- Agent (own, else nearest ancestor's) and depth of every step of the affected runs.
CREATE OR REPLACE TEMP TABLE resolved AS
SELECT t.run_id, t.step_id,
       coalesce(any_value(t.agent_own),
                arg_min(a.agent_own, w.dist) FILTER (WHERE a.agent_own IS NOT NULL)) AS agent,
       coalesce(max(w.dist) FILTER (WHERE a.step_id IS NOT NULL), 0) AS depth
FROM tree t
LEFT JOIN ancestry w ON w.run_id = t.run_id AND w.step_id = t.step_id
LEFT JOIN tree a ON a.run_id = w.run_id AND a.step_id = w.anc
GROUP BY t.run_id, t.step_id;

INSERT INTO steps BY NAME
SELECT n.run_id, n.step_id, n.parent_id, NULL AS seq, r.depth, r.agent, n.agent AS agent_own,
       n.kind, n.name, n.tool, n.model,
       make_timestamp(n.start_ns // 1000) AS started_at,
       make_timestamp(n.end_ns // 1000) AS ended_at,
       coalesce(n.latency_ms, (n.end_ns - n.start_ns) / 1e6) AS latency_ms,
       n.status, n.error, n.input, n.output, n.tokens_in, n.tokens_out, n.cost,
       n.confidence, n.entropy, n.attributes::JSON AS attributes, n.source, n.file, n.line,
       n.order_hint
FROM stage_new n
JOIN resolved r ON r.run_id = n.run_id AND r.step_id = n.step_id
WHERE n.rid NOT IN (SELECT rid FROM stage_bad);

-- Older steps may gain an agent or depth from ancestors that arrived now (a trace split over files).
UPDATE steps SET agent = r.agent, depth = r.depth
FROM resolved r
WHERE steps.run_id = r.run_id AND steps.step_id = r.step_id
  AND (steps.agent IS DISTINCT FROM r.agent OR steps.depth IS DISTINCT FROM r.depth);

-- Order within a run: start time, then parents before children, then the source's own order.
UPDATE steps SET seq = o.seq
FROM (
    SELECT run_id, step_id,
           row_number() OVER (PARTITION BY run_id
                              ORDER BY started_at NULLS LAST, depth, order_hint, file, line, step_id) - 1 AS seq
    FROM steps SEMI JOIN affected a ON a.run_id = steps.run_id
) o
WHERE steps.run_id = o.run_id AND steps.step_id = o.step_id AND steps.seq IS DISTINCT FROM o.seq;

-- Edges: the span tree, plus hand-offs and data lineage the source states; each once.
CREATE OR REPLACE TEMP TABLE stage_all_edges AS
SELECT s.run_id, s.parent_id AS src_step, s.step_id AS dst_step, 'parent' AS kind
FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id
WHERE s.parent_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM steps p WHERE p.run_id = s.run_id AND p.step_id = s.parent_id)
UNION
SELECT run_id, src_step, dst_step, kind FROM stage_edges
WHERE run_id IS NOT NULL AND src_step IS NOT NULL AND dst_step IS NOT NULL AND kind IS NOT NULL;

INSERT INTO edges
SELECT n.* FROM stage_all_edges n
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

-- Everything rejected, whether by the adapter or here; once per (file, line, reason, step, raw
-- text), so ingesting a file again adds nothing and distinct rejects on one line stay distinct.
CREATE OR REPLACE TEMP TABLE stage_rejects AS
SELECT file, line, reason, raw, source, run_id, step_id FROM stage_quarantine
UNION ALL
SELECT n.file, n.line, b.reason, n.raw, n.source, n.run_id, n.step_id
FROM stage_bad b JOIN stage_n n ON n.rid = b.rid;

INSERT INTO quarantine (file, line, reason, raw, source, run_id, step_id)
SELECT DISTINCT ON (file, line, reason, step_id, md5(coalesce(raw, ''))) file, line, reason, raw, source, run_id,
       step_id
FROM stage_rejects r
WHERE NOT EXISTS (
    SELECT 1 FROM quarantine q
    WHERE q.file = r.file AND q.line = r.line AND q.reason = r.reason
      AND q.step_id IS NOT DISTINCT FROM r.step_id AND md5(coalesce(q.raw, '')) = md5(coalesce(r.raw, ''))
);
