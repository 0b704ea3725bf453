-- Merge the staging tables (stage_steps, stage_runs, stage_edges, stage_labels, stage_quarantine)
-- into the store. Runs inside the ingest transaction, statement by statement, in this order.
-- Every staged step ends either in steps (new, or already there: idempotence) or in quarantine.

-- Staged steps numbered in arrival order, so "the first of two duplicates" is well defined. A view, not
-- a copy: stage_steps is not changed from here on, so its row ids stay put, and a copy of every staged
-- step (their text included) would double the memory the merge needs.
CREATE OR REPLACE TEMP VIEW stage_n AS
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
    -- (only the ids staged more than once are ordered: most inputs have none)
    FROM stage_n SEMI JOIN (SELECT run_id, step_id FROM stage_n GROUP BY ALL HAVING count(*) > 1) d
        ON d.run_id = stage_n.run_id AND d.step_id = stage_n.step_id
    WINDOW w AS (PARTITION BY run_id, step_id ORDER BY rid)
)
WHERE k > 1;

INSERT INTO stage_bad
SELECT rid, 'ends before it starts (end ' || end_ns || ' ns < start ' || start_ns || ' ns)'
FROM stage_n
WHERE end_ns < start_ns AND rid NOT IN (SELECT rid FROM stage_bad);

-- A step already in the store with other content is a conflict: quarantined, naming the stored step
-- and the columns that differ (the same content again is not: ingesting twice adds nothing). JSON text
-- is compared as JSON: earlier releases stored native objects with spaces after separators, and
-- re-ingesting the same file into a store they built must still add nothing.
INSERT INTO stage_bad
SELECT rid, 'conflicts with the stored step ' || step_id || ' of run ' || run_id || ' (stored from '
            || coalesce(s_file, '?') || ' line ' || coalesce(s_line::VARCHAR, '?') || '): differs in '
            || differs AS reason
FROM (
    SELECT n.rid, n.run_id, n.step_id, s.file AS s_file, s.line AS s_line,
           concat_ws(', ',
               CASE WHEN n.parent_id IS DISTINCT FROM s.parent_id THEN 'parent_id' END,
               CASE WHEN n.agent IS DISTINCT FROM s.agent_own THEN 'agent' END,
               CASE WHEN n.kind IS DISTINCT FROM s.kind THEN 'kind' END,
               CASE WHEN n.name IS DISTINCT FROM s.name THEN 'name' END,
               CASE WHEN n.tool IS DISTINCT FROM s.tool THEN 'tool' END,
               CASE WHEN n.model IS DISTINCT FROM s.model THEN 'model' END,
               CASE WHEN make_timestamp(n.start_ns // 1000) IS DISTINCT FROM s.started_at THEN 'started_at' END,
               CASE WHEN make_timestamp(n.end_ns // 1000) IS DISTINCT FROM s.ended_at THEN 'ended_at' END,
               CASE WHEN n.status IS DISTINCT FROM s.status THEN 'status' END,
               CASE WHEN n.error IS DISTINCT FROM s.error THEN 'error' END,
               CASE WHEN n.input IS DISTINCT FROM s.input
                     AND NOT CASE WHEN json_valid(n.input) AND json_valid(s.input)
                                  THEN json(n.input) = json(s.input) ELSE false END THEN 'input' END,
               CASE WHEN n.output IS DISTINCT FROM s.output
                     AND NOT CASE WHEN json_valid(n.output) AND json_valid(s.output)
                                  THEN json(n.output) = json(s.output) ELSE false END THEN 'output' END,
               CASE WHEN n.tokens_in IS DISTINCT FROM s.tokens_in THEN 'tokens_in' END,
               CASE WHEN n.tokens_out IS DISTINCT FROM s.tokens_out THEN 'tokens_out' END,
               CASE WHEN n.cost IS DISTINCT FROM s.cost THEN 'cost' END,
               CASE WHEN n.confidence IS DISTINCT FROM s.confidence THEN 'confidence' END,
               CASE WHEN n.entropy IS DISTINCT FROM s.entropy THEN 'entropy' END,
               CASE WHEN json(n.attributes) IS DISTINCT FROM json(s.attributes::VARCHAR)
                    THEN 'attributes' END) AS differs
    FROM stage_n n JOIN steps s ON s.run_id = n.run_id AND s.step_id = n.step_id
    WHERE n.rid NOT IN (SELECT rid FROM stage_bad)
)
WHERE differs <> '';

-- A run record that declares another outcome or task than the stored run (or than an earlier run
-- record of this call) is a conflict too; it is quarantined and the stored facts stay as they were.
CREATE OR REPLACE TEMP TABLE stage_runs_n AS
SELECT rowid AS rrid, * FROM stage_runs;

CREATE OR REPLACE TEMP TABLE stage_run_conflicts AS
SELECT r.rrid, r.file, r.line, r.source, r.run_id,
       'conflicts with the ' || CASE WHEN o.run_id IS NOT NULL THEN 'stored run ' || r.run_id
                                     ELSE 'run record of ' || r.run_id || ' at ' || f.file || ' line ' || f.line END
       || ': ' || concat_ws(', ',
           CASE WHEN r.outcome <> coalesce(o.declared_outcome, f.outcome)
                THEN 'outcome ' || r.outcome || ' (stored ' || coalesce(o.declared_outcome, f.outcome) || ')' END,
           CASE WHEN r.task <> coalesce(o.task, f.task) THEN 'task differs' END) AS reason
FROM stage_runs_n r
LEFT JOIN runs o ON o.run_id = r.run_id
LEFT JOIN (
    SELECT run_id, arg_min(outcome, rrid) FILTER (WHERE outcome IS NOT NULL) AS outcome,
           arg_min(task, rrid) FILTER (WHERE task IS NOT NULL) AS task,
           arg_min(file, rrid) AS file, arg_min(line, rrid) AS line
    FROM stage_runs_n GROUP BY run_id
) f ON f.run_id = r.run_id
WHERE r.outcome <> coalesce(o.declared_outcome, f.outcome) OR r.task <> coalesce(o.task, f.task);

DELETE FROM stage_runs WHERE rowid IN (SELECT rrid FROM stage_run_conflicts);

-- Runs this ingest touches.
CREATE OR REPLACE TEMP TABLE affected AS
SELECT run_id FROM stage_steps WHERE run_id IS NOT NULL
UNION SELECT run_id FROM stage_runs
UNION SELECT run_id FROM stage_labels;

-- Steps not yet in the store (the rest are already there: ingesting twice adds nothing). Keys only;
-- the rest of each row is read from stage_n when it is inserted.
CREATE OR REPLACE TEMP TABLE stage_new AS
SELECT n.rid, n.run_id, n.step_id, n.parent_id, n.agent FROM stage_n n
WHERE n.rid NOT IN (SELECT rid FROM stage_bad)
  AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = n.run_id AND s.step_id = n.step_id);

-- The span trees of the affected runs: stored steps plus new ones.
CREATE OR REPLACE TEMP TABLE tree_rows AS
SELECT s.run_id, s.step_id, s.parent_id, s.agent_own, NULL::BIGINT AS rid
FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id
UNION ALL
SELECT run_id, step_id, parent_id, agent, rid FROM stage_new;

-- Each step of the trees numbered (node), with its parent's number (pnode, NULL when the parent is not in
-- the tree): one join on the text ids here, so that the walks below join on integers.
CREATE OR REPLACE TEMP TABLE tree AS
SELECT t.rowid AS node, p.rowid AS pnode, t.*
FROM tree_rows t LEFT JOIN tree_rows p ON p.run_id = t.run_id AND p.step_id = t.parent_id;

DROP TABLE tree_rows;

-- Runs that had steps in the store before this call. The steps of the others are all new: they get their
-- order as they are inserted, and only these runs are renumbered after the insert.
CREATE OR REPLACE TEMP TABLE stored_runs AS
SELECT DISTINCT run_id FROM tree WHERE rid IS NULL;

-- Agent (own, else its parent's) and depth of every step reached by walking down from the roots (steps
-- whose parent is not in the tree): one row per step, so the walk costs the steps, not steps times depth.
-- Bounded at depth 512 as the upward walk below is. A step on a parent cycle, or under one, is never
-- reached; rid is that of a new step, NULL for a stored one.
CREATE OR REPLACE TEMP TABLE down AS
WITH RECURSIVE d(node, rid, agent, depth) AS (
    SELECT node, rid, agent_own, 0 FROM tree WHERE pnode IS NULL
    UNION ALL
    SELECT c.node, c.rid, coalesce(c.agent_own, d.agent), d.depth + 1
    FROM d JOIN tree c ON c.pnode = d.node
    WHERE d.depth < 512
)
SELECT * FROM d;

-- The steps the walk down did not reach (most inputs have none): on a cycle, under one, or deeper than 512.
CREATE OR REPLACE TEMP TABLE unreached AS
SELECT t.* FROM tree t ANTI JOIN down d ON d.node = t.node;

-- Every (unreached step, ancestor id, distance). Bounded so that a cycle cannot run forever.
CREATE OR REPLACE TEMP TABLE ancestry AS
WITH RECURSIVE walk(run_id, step_id, anc, dist) AS (
    SELECT run_id, step_id, parent_id, 1 FROM unreached WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT w.run_id, w.step_id, t.parent_id, w.dist + 1
    FROM walk w JOIN tree t ON t.run_id = w.run_id AND t.step_id = w.anc
    WHERE t.parent_id IS NOT NULL AND w.anc <> w.step_id AND w.dist < 512
)
SELECT * FROM walk;

-- A new step that is its own ancestor sits on a parent cycle.
INSERT INTO stage_bad
SELECT DISTINCT t.rid, 'parent cycle: step ' || t.step_id || ' is its own ancestor in run ' || t.run_id
FROM unreached t JOIN ancestry w ON w.run_id = t.run_id AND w.step_id = t.step_id AND w.anc = t.step_id
WHERE t.rid IS NOT NULL;

-- The steps rejected as on a cycle leave the tree (only unreached steps can have been rejected since
-- stage_new was made).
CREATE OR REPLACE TEMP TABLE cut AS
SELECT node FROM unreached WHERE rid IN (SELECT rid FROM stage_bad);

DELETE FROM tree WHERE node IN (SELECT node FROM cut);

DELETE FROM unreached WHERE node IN (SELECT node FROM cut);

-- Agent (own, else nearest ancestor's) and depth of the unreached steps, from their ancestors still in
-- the tree. rid is that of a new step, NULL for a stored one.
CREATE OR REPLACE TEMP TABLE unreached_resolved AS
SELECT t.run_id, t.step_id, any_value(t.rid) AS rid,
       coalesce(any_value(t.agent_own),
                arg_min(a.agent_own, w.dist) FILTER (WHERE a.agent_own IS NOT NULL)) AS agent,
       coalesce(max(w.dist) FILTER (WHERE a.step_id IS NOT NULL), 0) AS depth
FROM unreached t
LEFT JOIN ancestry w ON w.run_id = t.run_id AND w.step_id = t.step_id
LEFT JOIN tree a ON a.run_id = w.run_id AND a.step_id = w.anc
GROUP BY t.run_id, t.step_id;

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
