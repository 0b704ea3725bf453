-- Merge the staging tables (stage_steps, stage_runs, stage_edges, stage_labels, stage_quarantine)
-- into the store. Runs inside the ingest transaction, statement by statement, in this order: this file
-- (the checks that look at every staged step), then chunk by chunk of runs (merge_chunks, below):
-- finalize_tree.sql, finalize_unreached.sql when the walk down (`down`) did not reach every step of the
-- chunk's tree (else finalize_all_reached.sql), finalize_insert.sql; then finalize_rest.sql.
-- Every staged step ends either in steps (new, or already there: idempotence) or in quarantine.

-- [section compare]
-- (the macros of the dups and stored sections below, with step_differs.sql's: created only when one of those
-- sections runs; a call of new runs without a step given twice plans none of them)
-- A staged step in the shape step_differs (step_differs.sql, run before this file) compares: a copy staged
-- earlier in the call (both through as_stored) or the step already stored (with its times in microseconds).
CREATE OR REPLACE TEMP MACRO as_stored(n) AS struct_pack(
    parent_id := n.parent_id, agent_own := n.agent, kind := n.kind, name := n.name, tool := n.tool,
    model := n.model, started_us := n.start_ns // 1000, ended_us := n.end_ns // 1000, status := n.status,
    error := n.error, input := n.input, output := n.output, tokens_in := n.tokens_in,
    tokens_out := n.tokens_out, cost := n.cost, confidence := n.confidence, entropy := n.entropy,
    attributes := n.attributes);

-- A stored step as its span gave it: without what its OTLP log records added (ingest/_otlp_logs.py: the
-- columns named in otel.log_filled, the status an exception record changed (otel.log_status: the span's), and
-- the otel.log* attributes), so that the span given again is a repeat.
-- (applied to the joined rows only: a scan of every stored step's attributes would cost every ingest)
CREATE OR REPLACE TEMP MACRO without_logs(s) AS CASE
    WHEN NOT coalesce(contains(s.attributes::VARCHAR, '"otel.log_filled"'), false) THEN s
    ELSE struct_update(s,
        input := CASE WHEN list_contains(CAST(json_extract(s.attributes, '$."otel.log_filled"') AS VARCHAR[]), 'input')
                      THEN NULL ELSE s.input END,
        output := CASE WHEN list_contains(CAST(json_extract(s.attributes, '$."otel.log_filled"') AS VARCHAR[]), 'output')
                       THEN NULL ELSE s.output END,
        error := CASE WHEN list_contains(CAST(json_extract(s.attributes, '$."otel.log_filled"') AS VARCHAR[]), 'error')
                      THEN NULL ELSE s.error END,
        status := coalesce(json_extract_string(s.attributes, '$."otel.log_status"'), s.status),
        attributes := json_merge_patch(s.attributes, '{"otel.logs": null, "otel.log_ids": null, "otel.log_filled": null, "otel.log_times": null, "otel.log_status": null}'))
    END;

-- What a stored step's OTLP log records added to its attributes (the otel.log* keys), as a patch: a stored row
-- that becomes another copy of its span (finalize_insert.sql) keeps it. Keys absent give nulls, which patch
-- nothing in.
CREATE OR REPLACE TEMP MACRO logs_patch(attributes) AS json_object(
    'otel.logs', json_extract(attributes, '$."otel.logs"'), 'otel.log_ids', json_extract(attributes, '$."otel.log_ids"'),
    'otel.log_filled', json_extract(attributes, '$."otel.log_filled"'),
    'otel.log_times', json_extract(attributes, '$."otel.log_times"'),
    'otel.log_status', json_extract(attributes, '$."otel.log_status"'));

-- A copy of a span taken before it ended (no end time: the SDK's console exporter of Microsoft Agent
-- Framework prints a span when it starts and again when it ends) differs from the complete copy only in
-- what a running span fills in later. The complete copy is kept and the other counted as a repeat of it,
-- not quarantined as a conflict: it says nothing the complete one does not (report.notes counts them).
CREATE OR REPLACE TEMP MACRO filled_later(differs) AS list_has_all(
    ['ended_at', 'status', 'error', 'output', 'model', 'tokens_in', 'tokens_out', 'cost', 'confidence', 'entropy',
     'attributes'], string_split(differs, ', '));

-- Two exporters' copies of one span (an SDK's OTLP exporter and its console exporter given the same spans):
-- the console exporter prints times as ISO text in microseconds (1 us off the OTLP copy's nanoseconds after
-- rounding) and prints no scope name or resource beside each span, so its copy holds a subset of the
-- attributes. Such copies are one record, stored once (the one with more attributes) and counted as a
-- repeat: every other column equal, times within 1 us, one copy's attributes all in the other's with the
-- same values. Any other difference is a conflict, as before. (x within y: every key of x in y, same value.)
CREATE OR REPLACE TEMP MACRO attrs_within(x, y) AS
    x IS NULL OR json(x) = '{}' OR (y IS NOT NULL AND coalesce(try(list_bool_and(list_transform(
        map_keys(json_transform(x, '"MAP(VARCHAR, JSON)"')),
        lambda k: json_transform(y, '"MAP(VARCHAR, JSON)"')[k] IS NOT DISTINCT FROM
                  json_transform(x, '"MAP(VARCHAR, JSON)"')[k]))), false));

CREATE OR REPLACE TEMP MACRO export_copies(n, s, differs) AS
    list_has_all(['started_at', 'ended_at', 'attributes'], string_split(differs, ', '))
    AND coalesce(abs(n.started_us - s.started_us) <= 1, n.started_us IS NOT DISTINCT FROM s.started_us)
    AND coalesce(abs(n.ended_us - s.ended_us) <= 1, n.ended_us IS NOT DISTINCT FROM s.ended_us)
    AND (attrs_within(n.attributes, s.attributes) OR attrs_within(s.attributes, n.attributes));

-- (n holds more of the span than s: s's attributes are all in n's, not the other way round)
CREATE OR REPLACE TEMP MACRO holds_more(n, s) AS
    attrs_within(s.attributes, n.attributes) AND NOT attrs_within(n.attributes, s.attributes);

-- [section numbered]
-- Staged steps numbered in arrival order, so "the first of two duplicates" is well defined. A view, not
-- a copy: stage_steps is not changed from here on, so its row ids stay put, and a copy of every staged
-- step (their text included) would double the memory the merge needs.
-- Its input and output with the escapes JSON lets stand written as their characters (.NET's I couldn\u0027t,
-- ensure_ascii's Caf\u00e9), whichever reader staged them: wb_unescaped_json_text is
-- ingest/_json_escapes.unescaped_json_text, registered by the driver; called only for a value with a \u, and only
-- by the statements that read the value (the insert, the comparisons of a step given again). Here, read as the
-- rows are merged, rather than an UPDATE of the staged rows: that rewrote them in the compressed stage database
-- (1M generated spans whose every input and output had such escapes, against main without any unescaping: the
-- UPDATE 57.0 CPU s and 977 MB peak against 26.0 s and 369 MB, load ~18; read here 32.5 s and 369 MB against
-- 26.1 s and 371 MB, load ~20).
CREATE OR REPLACE TEMP VIEW stage_n AS
SELECT rowid AS rid, * REPLACE (
    CASE WHEN contains(input, '\u') THEN wb_unescaped_json_text(input) ELSE input END AS input,
    CASE WHEN contains(output, '\u') THEN wb_unescaped_json_text(output) ELSE output END AS output)
FROM stage_steps;

-- [section dups]
-- (the driver leaves this section out when no two staged steps share a hash of their ids, and creates its
-- tables empty: its statements cost more to plan than to run on the few steps of a small call)
-- The steps staged more than once (by run and step id; most inputs have none), numbered in input order:
-- k = 1 is the first in the input (the files in the order they were read — stage_files, filled by the
-- driver — then line, then place in the line), not the first staged: an adapter's fast path stages its
-- rows before the lines it handed to the Python reader. first_rid names that first one.
CREATE OR REPLACE TEMP TABLE stage_dup_rows AS
SELECT *, first_value(rid) OVER w AS first_rid, row_number() OVER w AS k
-- Found by a 64-bit hash of the ids, grouped as an integer: a group-by on the text ids of millions of
-- steps spills. A hash shared by two different ids only makes both candidates; the window, on the ids
-- themselves, decides. (A NULL id is never a duplicate, as the join on the ids had it.)
FROM (SELECT n.* EXCLUDE (raw, latency_ms, source), f.ord
      FROM stage_n n
      LEFT JOIN (SELECT file, min(ord) AS ord FROM stage_files GROUP BY file) f ON f.file = n.file
      WHERE n.run_id IS NOT NULL AND n.step_id IS NOT NULL
        AND hash(n.run_id, n.step_id) IN (
            SELECT h FROM (SELECT hash(run_id, step_id) AS h FROM stage_steps) GROUP BY h HAVING count(*) > 1))
-- (a complete copy first: it is the one kept when another was taken before the span ended)
WINDOW w AS (PARTITION BY run_id, step_id ORDER BY end_ns IS NULL, ord NULLS LAST, line NULLS LAST,
             order_hint NULLS LAST, rid);

-- Steps rejected here, with the reason. A step staged again with other content than the first is a
-- conflict, named with the columns that differ (compared as against a stored step below). Staged again
-- with the same content (two exports of one trace, a file copied under two names) it is a repeat, not a
-- reject: it is stored once, as a second ingest call would find it already stored (stage_repeats).
CREATE OR REPLACE TEMP TABLE stage_dup_pairs AS
SELECT *, differs <> '' AND export_copies(ns, fs, differs) AS export_copy
FROM (
    SELECT *, step_differs(ns, fs) AS differs
    -- (as_stored taken once per row, in a subquery: passed to step_differs it was expanded in each of the
    -- macro's comparisons, and binding the statement cost more CPU than running it on a small input)
    FROM (SELECT n.rid, n.first_rid, n.run_id, n.step_id, a.file AS first_file, a.line AS first_line,
                 as_stored(n) AS ns, as_stored(a) AS fs, n.end_ns IS NULL AND a.end_ns IS NOT NULL AS early
          FROM stage_dup_rows n JOIN stage_dup_rows a ON a.rid = n.first_rid
          WHERE n.k > 1)
);

CREATE OR REPLACE TEMP TABLE stage_bad AS
SELECT rid, 'duplicate step id ' || step_id || ' in run ' || run_id || ' with other content than at '
            || first_file || ' line ' || first_line || ': differs in ' || differs AS reason
FROM stage_dup_pairs
WHERE differs <> '' AND NOT (early AND filled_later(differs)) AND NOT export_copy;

-- Another exporter's copy that holds more of the span than the first copy is the one kept (whichever file
-- came first): the first becomes its repeat.
CREATE OR REPLACE TEMP TABLE stage_fuller AS
SELECT arg_max(rid, len(json_keys(ns.attributes)) * 1e12 - rid) AS rid, first_rid
FROM stage_dup_pairs WHERE export_copy AND holds_more(ns, fs)
GROUP BY first_rid;

CREATE OR REPLACE TEMP TABLE stage_repeats AS
SELECT rid FROM stage_dup_rows
WHERE k > 1 AND rid NOT IN (SELECT rid FROM stage_bad) AND rid NOT IN (SELECT rid FROM stage_fuller)
UNION ALL SELECT first_rid FROM stage_fuller;

-- The other exporters' copies taken as repeats (the report counts them).
CREATE OR REPLACE TEMP TABLE stage_export_copies AS
SELECT rid FROM stage_dup_pairs WHERE export_copy;

DROP TABLE stage_dup_pairs;

-- The repeats that were copies taken before the span ended, superseded by its complete copy.
CREATE OR REPLACE TEMP TABLE stage_superseded AS
SELECT n.rid FROM stage_dup_rows n JOIN stage_dup_rows a ON a.rid = n.first_rid
WHERE n.k > 1 AND n.end_ns IS NULL AND a.end_ns IS NOT NULL AND n.rid IN (SELECT rid FROM stage_repeats);

DROP TABLE stage_dup_rows;

-- [section ends]
INSERT INTO stage_bad
SELECT rid, 'ends before it starts (end ' || end_ns || ' ns < start ' || start_ns || ' ns)'
FROM stage_n
WHERE end_ns < start_ns AND rid NOT IN (SELECT rid FROM stage_bad);

-- [section stored]
-- (left out, its tables created empty, when no staged step's ids are in the store: a call of new runs)
-- A step already in the store with other content is a conflict: quarantined, naming the stored step
-- and the columns that differ (step_differs; the same content again is not: ingesting twice adds nothing).
-- Copies taken before the span ended are told apart as within a call (filled_later): an early copy of a
-- stored complete step is a repeat of it; a complete copy of a step stored early (an exporter flushed the
-- span before it ended, in an earlier call) completes the stored row (stage_completes, finalize_insert.sql).
CREATE OR REPLACE TEMP TABLE stage_vs_stored AS
SELECT * FROM (
    SELECT *, step_differs(ns, s) AS differs
    -- (as_stored taken once per joined row, in a subquery, as in stage_dup_pairs)
    FROM (SELECT n.rid, n.run_id, n.step_id, s.file AS s_file, s.line AS s_line,
                 n.end_ns IS NULL AND s.ended_us IS NOT NULL AS early,
                 n.end_ns IS NOT NULL AND s.ended_us IS NULL AS late, as_stored(n) AS ns,
                 without_logs(s) AS s
          FROM stage_n n
          JOIN (SELECT run_id, step_id, file, line, parent_id, agent_own, kind, name, tool, model, status, error,
                       input, output, tokens_in, tokens_out, cost, confidence, entropy, attributes,
                       epoch_us(started_at) AS started_us, epoch_us(ended_at) AS ended_us FROM steps) s
            ON s.run_id = n.run_id AND s.step_id = n.step_id
          WHERE n.rid NOT IN (SELECT rid FROM stage_bad))
)
WHERE differs <> '';

INSERT INTO stage_bad
SELECT rid, 'conflicts with the stored step ' || step_id || ' of run ' || run_id || ' (stored from '
            || coalesce(s_file, '?') || ' line ' || coalesce(s_line::VARCHAR, '?') || '): differs in '
            || differs AS reason
FROM stage_vs_stored
WHERE NOT ((early OR late) AND filled_later(differs)) AND NOT export_copies(ns, s, differs);

-- (one copy per step: the others staged in this call are its repeats)
CREATE OR REPLACE TEMP TABLE stage_completes AS
SELECT rid FROM stage_vs_stored
WHERE late AND filled_later(differs) AND rid NOT IN (SELECT rid FROM stage_repeats);

-- Another exporter's copy of a stored step: a repeat; when it holds more of the span, the stored row
-- becomes it (finalize_insert.sql), as one call given both copies would have kept it.
INSERT INTO stage_export_copies
SELECT rid FROM stage_vs_stored WHERE export_copies(ns, s, differs) AND rid NOT IN (SELECT rid FROM stage_export_copies);

CREATE OR REPLACE TEMP TABLE stage_fuller_stored AS
SELECT rid FROM stage_vs_stored
WHERE export_copies(ns, s, differs) AND holds_more(ns, s) AND rid NOT IN (SELECT rid FROM stage_repeats);

DROP TABLE stage_vs_stored;

-- [section runs]
-- (left out when no run record is staged: its table created empty by the driver)
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

-- A run record ending before it starts, its times in two units (the reader quarantines the rest whole,
-- native.stage_record) compared once scaled.
INSERT INTO stage_run_conflicts
SELECT rrid, file, line, source, run_id,
       'run record ends before it starts (end ' || end_ns || ' ns < start ' || start_ns || ' ns)'
FROM stage_runs_n WHERE end_ns < start_ns AND rrid NOT IN (SELECT rrid FROM stage_run_conflicts);

DELETE FROM stage_runs WHERE rowid IN (SELECT rrid FROM stage_run_conflicts);

-- [section affected]
-- Runs this ingest touches; also a stored run a record of which this call newly quarantines (refresh_runs.sql
-- then no longer reads it a success from the rest: one call reads as two calls would, in either order), and one
-- an OTLP exception log record fails a step of (wb_log_runs, ingest/_otlp_logs.py).
CREATE OR REPLACE TEMP TABLE affected AS
SELECT run_id FROM stage_steps WHERE run_id IS NOT NULL
UNION SELECT run_id FROM stage_runs
UNION SELECT run_id FROM stage_labels
UNION SELECT unnest(getvariable('wb_log_runs')) AS run_id
UNION SELECT q.run_id FROM stage_quarantine q SEMI JOIN runs r ON r.run_id = q.run_id
      WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.run_id = q.run_id AND x.file = q.file AND x.line = q.line);

-- [section steps_before]
-- The steps table's rows before this call: the steps this call inserts have row ids from here on. (left out when
-- store_steps runs) Past the highest row id, not the count: a deleted row keeps its id (a model call's two spans
-- folded, a derived step traced later), and with the count the rows of other runs above it were read as this
-- call's, their trees walked again without their roots (depth 1 -> 0). The rows from the count on only are read
-- for it (as many as were deleted): a scan of every row id cost a call in proportion to the store.
SET VARIABLE wb_steps_before = (SELECT count(*) FROM steps);

-- (the count a constant to the scan below: its row groups before it are skipped)
SET VARIABLE wb_steps_before = greatest(getvariable('wb_steps_before'),
                                        (SELECT max(rowid) + 1 FROM steps WHERE rowid >= getvariable('wb_steps_before')));

-- [section new_steps]
-- (in place of old_steps and store_steps when no affected run can have been stored before, the driver's _HOLDS
-- finding none of the staged runs in the runs table and no stored run moved in, unless the store and the call
-- together hold fewer steps than the driver's SMALL_STORE_STEPS: _driver._steps_left_out)
-- The steps of the affected runs are then the rows this call inserts: read by their row ids, not looked for in
-- the store (a join on the steps table scanned it in each of root_said's parts, ~40 ms CPU a call at 2M stored
-- steps, and a join on an empty old_runs still scanned it).
CREATE OR REPLACE TEMP VIEW affected_steps AS
SELECT s.* FROM steps s WHERE s.rowid >= getvariable('wb_steps_before');

-- [section old_steps]
-- (a store of more steps than the driver's SMALL_STORE_STEPS; a smaller one runs store_steps in its place)
-- The affected runs the store held steps of before this call: those it holds a run row of (every merge writes
-- the row of each run it stores steps of, refresh_runs.sql), or every affected run when stored runs were moved
-- into a staged trace's run (_links.move_stored_runs; the driver sets wb_moved: such a run may have no row
-- until refresh_runs.sql). Read through the runs' primary key: a call of new runs reads nothing of the steps.
CREATE OR REPLACE TEMP TABLE old_runs AS
SELECT run_id FROM affected SEMI JOIN runs r ON r.run_id = affected.run_id
UNION SELECT run_id FROM affected WHERE coalesce(getvariable('wb_moved'), false);

-- The steps of the affected runs, read without a scan of the store for runs it never held (a scan of the steps
-- table costs a small call in proportion to the store: ~25 ms CPU each at 2M stored steps): every step of a
-- run it held, and the rows inserted since wb_steps_before of the others (the steps of a run new to the store
-- are those this call inserts; the rows from there on hold no other step of theirs).
CREATE OR REPLACE TEMP VIEW affected_steps AS
SELECT s.* FROM steps s SEMI JOIN old_runs o ON o.run_id = s.run_id
UNION ALL
SELECT s.* FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id ANTI JOIN old_runs o ON o.run_id = s.run_id
WHERE s.rowid >= getvariable('wb_steps_before');

-- [section store_steps]
-- (in place of old_steps on a small store: a scan of its steps costs less than the plans of the joins that spare
-- it, 2 statements fewer)
CREATE OR REPLACE TEMP VIEW affected_steps AS
SELECT s.* FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id;

-- [section new]
-- Steps not yet in the store (the rest are already there: ingesting twice adds nothing). Keys only;
-- the rest of each row is read from stage_n when it is inserted.
CREATE OR REPLACE TEMP TABLE stage_new AS
SELECT n.rid, n.run_id, n.step_id, n.parent_id, n.agent FROM stage_n n
WHERE n.rid NOT IN (SELECT rid FROM stage_bad) AND n.rid NOT IN (SELECT rid FROM stage_repeats)
  AND NOT EXISTS (SELECT 1 FROM affected_steps s WHERE s.run_id = n.run_id AND s.step_id = n.step_id);

-- [section chunks]
-- (left out when fewer steps are staged than a chunk holds: every run is then in chunk 0, and the driver runs
-- finalize_tree.sql's whole section in place of its chunk section)
-- The runs split in chunks of about getvariable('wb_chunk_steps') staged steps, whole runs each (every
-- statement from the tree to the insert looks at the steps of one run only), numbered in the order of their
-- first staged row: a chunk's new steps are then mostly one range of stage_n's rows (first_rid to last_rid),
-- read as such. The joins, walks and windows of a chunk fit in memory where those of millions of steps spill
-- (5M OTLP spans: the merge's CPU seconds grew 8x from 1M, its wall time 9x). A run with no staged steps
-- (a label, a run record) goes in the last chunk.
CREATE OR REPLACE TEMP TABLE merge_chunks AS
SELECT run_id, first_rid, last_rid,
       coalesce(sum(n) OVER (ORDER BY first_rid NULLS LAST, run_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           // getvariable('wb_chunk_steps') AS chunk
FROM affected
LEFT JOIN (SELECT run_id, min(rid) AS first_rid, max(rid) AS last_rid, count(*) AS n
           FROM stage_n WHERE run_id IS NOT NULL GROUP BY run_id) s USING (run_id);

-- [section roots]
-- The roots of the affected runs' trees, gathered chunk by chunk (finalize_insert.sql) for refresh_runs.sql.
CREATE OR REPLACE TEMP TABLE run_roots (run_id VARCHAR, step_id VARCHAR);
