-- An export merged into a store that holds the traces it is linked with (ingest/_links.py says when a trace
-- continues another): the export's traces and the stored ones join as one ingest of all their spans joins them.
-- Run by store/_export_links.py in the merge's transaction, before merge_export.sql, on the export's views
-- (export_steps ...). Both directions: a trace of the export whose root links to a span the store holds
-- (export_moves: the export was made of a store that had not read the span) moves into the stored span's run;
-- a stored run whose root links to a span the export holds (its store had read the span and the run with it)
-- moves into the export's run (ingest/_links.move_stored_runs). A root's span kind is not kept: a messaging
-- hop is told by its messaging.* attributes, as for a stored root (stored_link_roots.sql).

-- [section export_roots]
-- The export's roots with one link, to a span of another trace the store holds (under that trace's run, or
-- moved into another with otel.trace_id): (trace, root, linked span, the run holding it, hop).
CREATE OR REPLACE TEMP TABLE export_link_roots AS
WITH roots AS (
    SELECT run_id, step_id, attributes, export_file, export_row,
           json_extract_string(attributes, '$."otel.links"[0].trace_id') AS ltrace,
           json_extract_string(attributes, '$."otel.links"[0].span_id') AS lspan
    FROM export_steps
    WHERE parent_id IS NULL AND export_bad IS NULL AND contains(attributes::VARCHAR, '"otel.links"')
      AND json_array_length(attributes, '$."otel.links"') = 1 AND NOT json_exists(attributes, '$."otel.trace_id"')
)
SELECT DISTINCT r.run_id AS old_run, r.step_id, r.lspan AS linked, s.run_id AS new_run, r.export_file, r.export_row,
       list_bool_or(list_transform(json_keys(r.attributes), lambda k: starts_with(k, 'messaging.'))) AS hop
FROM roots r
JOIN steps s ON s.step_id = r.lspan
            AND (s.run_id = r.ltrace OR json_extract_string(s.attributes, '$."otel.trace_id"') = r.ltrace)
WHERE r.ltrace <> r.run_id AND s.run_id <> r.run_id;

-- [section moved]
-- The export's traces the store moved into another run (their root, stored, joined the trace it links to; its
-- steps keep their trace id as otel.trace_id): the export's part of such a trace (its store read the spans
-- below the root alone) moves there too, as stored_link_roots.sql's moved section moves staged spans: (trace,
-- run). Found by the export's steps of a run the store lacks whose parent the export lacks.
WITH orphans AS (
    SELECT DISTINCT e.run_id, e.parent_id FROM export_steps e
    WHERE e.export_bad IS NULL AND e.parent_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM export_steps p WHERE p.run_id = e.run_id AND p.step_id = e.parent_id)
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = e.run_id)
)
SELECT DISTINCT o.run_id, t.run_id
FROM orphans o JOIN steps t ON t.step_id = o.parent_id
WHERE t.run_id <> o.run_id AND json_extract_string(t.attributes, '$."otel.trace_id"') = o.run_id
ORDER BY ALL;

-- [section stored_moved]
-- The other way: stored runs of a trace the export's store moved into another run (its steps there keep the
-- trace id as otel.trace_id): the stored part moves there too, as a stored run of a staged trace does (join
-- link moves, ingest/_links.py). (run, the export's run holding the rest.)
SELECT DISTINCT r.run_id, e.run_id
FROM (SELECT DISTINCT json_extract_string(attributes, '$."otel.trace_id"') AS trace, run_id FROM export_steps
      WHERE export_bad IS NULL AND contains(attributes::VARCHAR, '"otel.trace_id"')) e
JOIN runs r ON r.run_id = e.trace
WHERE e.run_id <> r.run_id
ORDER BY ALL;

-- [section stored_roots]
-- The stored runs of their own whose root has one link, to a span the export holds: (run, root, linked span,
-- the export's run holding it, hop), by the store's linked_roots (stored_link_roots.sql's rule).
SELECT DISTINCT s.run_id, s.step_id, k.linked_span, e.run_id,
       list_bool_or(list_transform(json_keys(s.attributes), lambda k: starts_with(k, 'messaging.'))) AS hop
FROM linked_roots k
JOIN steps s ON s.run_id = k.run_id AND s.step_id = k.step_id
JOIN export_steps e ON e.step_id = k.linked_span AND e.export_bad IS NULL
                   AND (e.run_id = k.linked_trace
                        OR json_extract_string(e.attributes, '$."otel.trace_id"') = k.linked_trace)
WHERE s.parent_id IS NULL AND json_array_length(s.attributes, '$."otel.links"') = 1
  AND NOT json_exists(s.attributes, '$."otel.trace_id"') AND e.run_id <> s.run_id
ORDER BY ALL;

-- [section map]
-- The export's rows with its moved traces in their new runs, as join_linked.sql moves staged ones: a root
-- called in a new trace gets the linked span as its parent (and its parent edge), a messaging hop stays a
-- root and gets a consumes edge; every moved step keeps its trace id (otel.trace_id). A moved trace's run row
-- gives way to the run's (the new run is stored); what was found or computed about it goes.
CREATE OR REPLACE TEMP TABLE export_linked_steps AS
SELECT e.* REPLACE (
    coalesce(m.new_run, e.run_id) AS run_id,
    CASE WHEN p.step_id IS NOT NULL AND NOT p.hop AND e.parent_id IS NULL THEN p.linked ELSE e.parent_id END
        AS parent_id,
    CASE WHEN m.new_run IS NULL THEN e.attributes
         WHEN e.attributes IS NULL THEN json_object('otel.trace_id', e.run_id)
         WHEN json_exists(e.attributes, '$."otel.trace_id"') THEN e.attributes
         WHEN json_type(e.attributes) = 'OBJECT' THEN json_merge_patch(e.attributes, json_object('otel.trace_id', e.run_id))
         ELSE e.attributes END AS attributes)
FROM export_steps e
LEFT JOIN export_moves m ON m.old_run = e.run_id
LEFT JOIN export_link_roots p ON p.old_run = e.run_id AND p.step_id = e.step_id AND m.old_run IS NOT NULL;

CREATE OR REPLACE TEMP TABLE export_linked_edges AS
SELECT e.* REPLACE (coalesce(m.new_run, e.run_id) AS run_id)
FROM export_edges e LEFT JOIN export_moves m ON m.old_run = e.run_id
UNION ALL
-- (given the root's file and row: where the edge comes from)
SELECT m.new_run, p.linked, p.step_id, CASE WHEN p.hop THEN 'consumes' ELSE 'parent' END,
       p.export_file, p.export_row, NULL
FROM export_link_roots p JOIN export_moves m ON m.old_run = p.old_run;

CREATE OR REPLACE TEMP TABLE export_linked_runs AS
SELECT * FROM export_runs WHERE run_id NOT IN (SELECT old_run FROM export_moves);

CREATE OR REPLACE TEMP TABLE export_linked_labels AS
SELECT e.* REPLACE (coalesce(m.new_run, e.run_id) AS run_id)
FROM export_labels e LEFT JOIN export_moves m ON m.old_run = e.run_id;

CREATE OR REPLACE TEMP TABLE export_linked_findings AS
SELECT * FROM export_findings WHERE run_id NOT IN (SELECT old_run FROM export_moves);

CREATE OR REPLACE TEMP TABLE export_linked_attributions AS
SELECT * FROM export_attributions WHERE run_id NOT IN (SELECT old_run FROM export_moves);

-- [section walk]
-- After merge_export.sql, on every merge: the runs the store held before that the export adds steps to, and the
-- runs joined (export_moves, export_stored_moves): runs whose steps' agents and depths were worked out without
-- the whole run (the export's store may have lacked their ancestors, the store their callers or children).
CREATE OR REPLACE TEMP TABLE export_walk_runs AS
SELECT run_id FROM affected SEMI JOIN export_new_steps n USING (run_id)
UNION SELECT new_run FROM export_stored_moves UNION SELECT new_run FROM export_moves;

-- [section tree]
-- Those runs walked again whole, by the ingest's own walk (ingest/_tree_walk.py on finalize_tree.sql's tree, every
-- step a stored one: the export's are stored now), as one ingest of all their logs walks them: each step's agent
-- its own (agent_own) else its caller's, through the frameworks' rules on the tree, and its depth one below its
-- parent's. A step's agent and depth were worked out in the store it came from, with the part of the run that
-- store held; its own agent is what its log said and holds.
CREATE OR REPLACE TEMP TABLE tree_rows AS
SELECT run_id, step_id, parent_id, agent_own, NULL::BIGINT AS rid FROM steps SEMI JOIN export_walk_runs USING (run_id);

-- (no staged rows: the tree's rules read a stored step's name and attributes from steps)
CREATE OR REPLACE TEMP VIEW chunk_n AS
SELECT NULL::BIGINT AS rid, NULL::VARCHAR AS name, NULL::VARCHAR AS status, NULL::JSON AS attributes WHERE false;

-- [section edges]
-- (after finalize_insert.sql's stored_runs section: the agents, depths and order of the runs' steps)
-- The tree's parent edges the run now holds (a root given its caller; a step whose parent the export lacked),
-- as finalize_insert.sql writes them.
INSERT INTO edges
SELECT s.run_id, s.parent_id, s.step_id, 'parent'
FROM steps s SEMI JOIN export_walk_runs j ON j.run_id = s.run_id
WHERE EXISTS (SELECT 1 FROM steps p WHERE p.run_id = s.run_id AND p.step_id = s.parent_id)
  AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.run_id = s.run_id AND e.src_step = s.parent_id
                                          AND e.dst_step = s.step_id AND e.kind = 'parent');

-- Those runs' rows are rebuilt (refresh_runs.sql) from all their steps now stored.
INSERT INTO affected SELECT run_id FROM export_walk_runs WHERE run_id NOT IN (SELECT run_id FROM affected);
