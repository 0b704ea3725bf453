-- A Parquet export of a store (Workspace.export) merged into this store, in one transaction. The export's
-- tables are the temp views export_<table> (the store's columns in its order, then export_file and
-- export_row: the Parquet file and row each came from), made by store/_export_merge.py. A row the store
-- holds already, identical, adds nothing (so merging the same export again adds nothing); a step
-- whose id the store holds with other contents is quarantined at its file and row, the stored one kept; the
-- export's own quarantine comes along. A run the store holds that the export says more about (its run row
-- otherwise, steps or labels the store lacks) has its row rebuilt as an ingest rebuilds it (refresh_runs.sql,
-- run after this file by store/_export_merge.py): the export's run row read as a run record of the logs. A
-- label or attribution the store holds but for its created_at (the same one given in both stores) is kept
-- once. Counted in export_counts for the ingest report.
-- what: the kind of row rejected ('run', 'step', 'quarantine': a row of the export's quarantine, counted
-- read there already, 'row': a row of another table)
CREATE OR REPLACE TEMP TABLE export_rejects (file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR,
                                             run_id VARCHAR, step_id VARCHAR, what VARCHAR);

-- A row the store cannot hold as it is (export_bad: a value of another type, none where one is required;
-- for a step also what the ingest's check of a step, ingest/_fields.step_row, refuses: a field past its size
-- limit, a number out of range, a step of a run the export does not hold): quarantined on its own at its
-- file and row, the rest merged. A store holds no such row: the export was damaged or put together by hand.
-- Outcomes and kinds out of their sets (a hand edit's 'failed', 'partial', NULL; an edge kind of its own), as
-- the logs route refuses them (Stage.run / label / edge): counted as neither failed nor succeeded, such a run
-- left every count of failures quietly. A run row refused for its values costs only itself: its steps are
-- kept and the run's row rebuilt from them and its labels (refresh_runs.sql, through `affected`).
-- A value past the ingest's field limit (ingest/_fields.step_row refuses it; no log gives such a value): why,
-- naming the field; NULL when it fits. The checks below are coalesce() of such reasons, the first one found wins.
CREATE OR REPLACE TEMP MACRO export_too_big(field, v) AS
    CASE WHEN strlen(v::VARCHAR) > getvariable('export_max_field')
         THEN 'field ' || field || ' is ' || strlen(v::VARCHAR) || ' bytes (limit ' || getvariable('export_max_field') || ')' END;

-- A time a log cannot give (ingest/_values.checked_ns: 1970 to 2262, what nanoseconds since 1970 hold): why,
-- naming the field; NULL when it fits or is none. (A hand edit's 1960 was stored, where a log's is quarantined.)
CREATE OR REPLACE TEMP MACRO export_out_of_range(field, t) AS
    CASE WHEN t < TIMESTAMP '1970-01-01' OR t > TIMESTAMP '2262-04-11 23:47:16.854775'
         THEN field || ' is out of range (got ' || t || '; the range is 1970 to 2262)' END;

CREATE OR REPLACE TEMP TABLE export_checked_runs AS
SELECT * REPLACE (coalesce(export_bad, export_too_big('run_id', run_id),
    export_out_of_range('started_at', started_at), export_out_of_range('ended_at', ended_at),
    -- (as the ingest, ingest/_fields._attributes: attributes are an object; readers index them so)
    CASE WHEN attributes IS NOT NULL AND json_type(attributes) <> 'OBJECT'
             THEN 'field attributes must be a JSON object (got ' || lower(json_type(attributes)) || ')'
         WHEN coalesce(outcome, '') NOT IN ('success', 'failure', 'unknown')
             THEN 'outcome must be success, failure or unknown (got ' || coalesce(to_json(left(outcome, 40))::VARCHAR, 'none') || ')'
         -- (reported_outcome, outcome_source: empty in an export older than the column is no value of its own)
         WHEN reported_outcome NOT IN ('success', 'failure', 'unknown')
             THEN 'reported_outcome must be success, failure or unknown (got '
                  || to_json(left(reported_outcome, 40))::VARCHAR || ')'
         WHEN declared_outcome NOT IN ('success', 'failure', 'unknown')
             THEN 'declared_outcome must be success, failure or unknown if given (got '
                  || to_json(left(declared_outcome, 40))::VARCHAR || ')'
         WHEN outcome_source NOT IN ('label', 'declared', 'root_status', 'none')
             THEN 'outcome_source must be label, declared, root_status or none (got '
                  || to_json(left(outcome_source, 40))::VARCHAR || ')'
         -- (finalize.sql's rule for a log's run record; a stored run's times span its steps' and never cross)
         WHEN ended_at < started_at
             THEN 'run record ends before it starts (ended_at ' || ended_at || ' < started_at ' || started_at || ')'
    END) AS export_bad)
FROM export_runs;

CREATE OR REPLACE TEMP TABLE export_valued_labels AS
SELECT * REPLACE (coalesce(export_bad,
    CASE WHEN outcome NOT IN ('success', 'failure', 'unknown')
         THEN 'outcome must be success, failure or unknown if given (got ' || to_json(left(outcome, 40))::VARCHAR || ')'
    END, export_too_big('step_id', step_id)) AS export_bad)
FROM export_labels;

CREATE OR REPLACE TEMP TABLE export_valued_edges AS
SELECT * REPLACE (coalesce(export_bad,
    CASE WHEN kind NOT IN ('parent', 'handoff', 'consumes')
         THEN 'kind must be parent, handoff or consumes (got ' || to_json(left(kind, 40))::VARCHAR || ')'
    END, export_too_big('src_step', src_step), export_too_big('dst_step', dst_step)) AS export_bad)
FROM export_edges;

-- A finding's attributes are an object, as the detectors write them: readers index them (detect/_evaluate's
-- drift_delay reads attributes["since"]; a JSON list or number there raised TypeError for the whole call).
CREATE OR REPLACE TEMP TABLE export_valued_findings AS
SELECT * REPLACE (coalesce(export_bad,
    CASE WHEN attributes IS NOT NULL AND json_type(attributes) <> 'OBJECT'
         THEN 'field attributes must be a JSON object (got ' || lower(json_type(attributes)) || ')'
    END, export_too_big('step_id', step_id)) AS export_bad)
FROM export_findings;

INSERT INTO export_rejects
SELECT e.export_file, e.export_row + 1, 'run: ' || e.export_bad, to_json(e)::VARCHAR, e.run_id, NULL, 'run'
FROM export_checked_runs e WHERE e.export_bad IS NOT NULL;

-- The runs the export's rows may belong to: its own (those it can store) and the store's.
CREATE OR REPLACE TEMP TABLE export_known_runs AS
SELECT run_id FROM export_runs WHERE export_bad IS NULL UNION SELECT run_id FROM runs;

-- A row of a run neither the export nor the store holds (``what``: 'a step', 'an edge', ...): why; NULL otherwise.
CREATE OR REPLACE TEMP MACRO export_no_run(rid, what) AS
    CASE WHEN rid NOT IN (SELECT k.run_id FROM export_known_runs k)
         THEN 'the export holds no run ' || left(rid, 512) || ' (' || what || ' of no run is not stored)' END;

CREATE OR REPLACE TEMP TABLE export_checked_steps AS
SELECT * REPLACE (coalesce(export_bad,
    CASE WHEN run_id = '' THEN 'missing or empty run id'
         WHEN step_id = '' THEN 'missing or empty step id' END,
    export_too_big('run_id', run_id), export_too_big('step_id', step_id),
    export_out_of_range('started_at', started_at), export_out_of_range('ended_at', ended_at),
    -- (the lists of ingest/_stage_tables, STEP_KINDS and STEP_STATUSES, set by store/_export_merge.py)
    CASE WHEN NOT list_contains(getvariable('export_step_kinds'), kind)
             THEN 'kind must be one of ' || array_to_string(getvariable('export_step_kinds'), ', ') || ' (got '
                  || to_json(left(kind, 40))::VARCHAR || ')'
         WHEN NOT list_contains(getvariable('export_step_statuses'), status)
             THEN 'status must be one of ' || array_to_string(getvariable('export_step_statuses'), ', ') || ' (got '
                  || to_json(left(status, 40))::VARCHAR || ')'
         WHEN NOT (confidence BETWEEN 0 AND 1) THEN 'confidence must be in [0, 1] (got ' || confidence || ')'
         WHEN tokens_in < 0 THEN 'tokens_in must be 0 or more (got ' || tokens_in || ')'
         WHEN tokens_out < 0 THEN 'tokens_out must be 0 or more (got ' || tokens_out || ')'
         -- (a step's depth in its run's tree, the root's 0, as the merge's walk gives it: a hand-edited -7 was stored)
         WHEN depth < 0 THEN 'depth must be 0 or more (got ' || depth || ')'
         WHEN NOT (cost >= 0 AND isfinite(cost)) THEN 'cost must be a finite number, 0 or more (got ' || cost || ')'
         WHEN NOT isfinite(entropy) THEN 'entropy must be a finite number (got ' || entropy || ')'
         WHEN NOT isfinite(latency_ms) THEN 'latency_ms must be a finite number (got ' || latency_ms || ')'
         -- (finalize.sql's rule for a log's step: a hand-edited export's step ending a day before it started
         -- was merged and stored, read by the backtest and the views as a time)
         WHEN ended_at < started_at
             THEN 'ends before it starts (ended_at ' || ended_at || ' < started_at ' || started_at || ')' END,
    export_too_big('input', input), export_too_big('output', output), export_too_big('error', error),
    export_too_big('attributes', attributes),
    -- (as the ingest, ingest/_fields._attributes: a step's attributes are an object; readers take them so)
    CASE WHEN attributes IS NOT NULL AND json_type(attributes) <> 'OBJECT'
             THEN 'field attributes must be a JSON object (got ' || lower(json_type(attributes)) || ')' END,
    export_too_big('name', name), export_too_big('agent', agent), export_too_big('agent_own', agent_own),
    export_too_big('tool', tool), export_too_big('model', model), export_too_big('parent_id', parent_id),
    -- (export_known_runs: a run row refused only for its values, export_checked_runs, still holds its steps)
    export_no_run(run_id, 'a step')) AS export_bad)
FROM export_steps;

INSERT INTO export_rejects
SELECT e.export_file, e.export_row + 1, coalesce('step ' || left(e.step_id, 512) || ' of run ' || left(e.run_id, 512) || ': ', 'step: ')
       || e.export_bad, to_json(e)::VARCHAR, e.run_id, e.step_id, 'step'
FROM export_checked_steps e WHERE e.export_bad IS NOT NULL;

-- An edge, label, finding or attribution of a run neither the export nor the store holds says something of
-- nothing stored (a run row lost or rejected, or rows put together by hand): rejected, as such a step is.
CREATE OR REPLACE TEMP TABLE export_checked_edges AS
SELECT * REPLACE (coalesce(export_bad, export_no_run(run_id, 'an edge')) AS export_bad)
FROM export_valued_edges;

-- (a label of a run neither holds is kept, as an ingest keeps one: labels may come before their logs, and the store
-- exported keeps such labels with no run row, refresh_runs.sql)
CREATE OR REPLACE TEMP TABLE export_checked_labels AS
SELECT * FROM export_valued_labels;

CREATE OR REPLACE TEMP TABLE export_checked_findings AS
SELECT * REPLACE (coalesce(export_bad, export_no_run(run_id, 'a finding')) AS export_bad)
FROM export_valued_findings;

CREATE OR REPLACE TEMP TABLE export_checked_attributions AS
SELECT * REPLACE (coalesce(export_bad, export_no_run(run_id, 'an attribution')) AS export_bad)
FROM export_attributions;

INSERT INTO export_rejects
SELECT export_file, export_row + 1, 'edge: ' || export_bad, to_json(e)::VARCHAR, run_id, NULL, 'row'
FROM export_checked_edges e WHERE export_bad IS NOT NULL
UNION ALL
SELECT export_file, export_row + 1, 'label: ' || export_bad, to_json(e)::VARCHAR, run_id, NULL, 'row'
FROM export_checked_labels e WHERE export_bad IS NOT NULL
UNION ALL
SELECT export_file, export_row + 1, 'finding: ' || export_bad, to_json(e)::VARCHAR, run_id, NULL, 'row'
FROM export_checked_findings e WHERE export_bad IS NOT NULL
UNION ALL
SELECT export_file, export_row + 1, 'attribution: ' || export_bad, to_json(e)::VARCHAR, run_id, NULL, 'row'
FROM export_checked_attributions e WHERE export_bad IS NOT NULL
UNION ALL
SELECT export_file, export_row + 1, 'quarantine row: ' || export_bad, to_json(e)::VARCHAR, run_id, step_id,
       'quarantine'
FROM export_quarantine e WHERE export_bad IS NOT NULL;

-- A key given twice in the export (a folder put together by hand: a store holds each once): the first kept.
CREATE OR REPLACE TEMP TABLE export_first_runs AS
SELECT * FROM export_checked_runs WHERE export_bad IS NULL
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY export_file, export_row) = 1;

CREATE OR REPLACE TEMP TABLE export_first_steps AS
SELECT * FROM export_checked_steps WHERE export_bad IS NULL
QUALIFY row_number() OVER (PARTITION BY run_id, step_id ORDER BY export_file, export_row) = 1;

INSERT INTO export_rejects
SELECT e.export_file, e.export_row + 1, 'run ' || e.run_id || ' given twice in the export (the first is kept)',
       to_json(e)::VARCHAR, e.run_id, NULL, 'run'
FROM export_checked_runs e ANTI JOIN export_first_runs f ON f.export_file = e.export_file AND f.export_row = e.export_row
WHERE e.export_bad IS NULL;

INSERT INTO export_rejects
SELECT e.export_file, e.export_row + 1,
       'step ' || e.step_id || ' of run ' || e.run_id || ' given twice in the export (the first is kept)',
       to_json(e)::VARCHAR, e.run_id, e.step_id, 'step'
FROM export_checked_steps e
ANTI JOIN export_first_steps f ON f.export_file = e.export_file AND f.export_row = e.export_row
WHERE e.export_bad IS NULL;

-- An edge given twice (a store holds each (run_id, src_step, dst_step, kind) once, schema.sql): the first kept;
-- copied as they came, a row duplicated by hand made the store hold the edge twice.
CREATE OR REPLACE TEMP TABLE export_first_edges AS
SELECT * FROM export_checked_edges WHERE export_bad IS NULL
QUALIFY row_number() OVER (PARTITION BY run_id, src_step, dst_step, kind ORDER BY export_file, export_row) = 1;

INSERT INTO export_rejects
SELECT e.export_file, e.export_row + 1,
       'edge: ' || e.kind || ' edge ' || e.src_step || ' -> ' || e.dst_step || ' of run ' || e.run_id
       || ' given twice in the export (the first is kept)', to_json(e)::VARCHAR, e.run_id, NULL, 'row'
FROM export_checked_edges e
ANTI JOIN export_first_edges f ON f.export_file = e.export_file AND f.export_row = e.export_row
WHERE e.export_bad IS NULL;

-- A label or finding given twice in the export with every column alike, created_at too (a row copied by
-- hand: the store writes a label once, ingest/finalize_rest.sql, and a detector's findings once per run):
-- the first kept, the copy quarantined, as an edge. Labels alike but for created_at (given in two stores,
-- then merged) stay as they are.
CREATE OR REPLACE TEMP TABLE export_first_labels AS
SELECT * FROM export_checked_labels WHERE export_bad IS NULL
QUALIFY row_number() OVER (PARTITION BY run_id, agent, step_id, kind, source, outcome, detail, created_at, given_by
                           ORDER BY export_file, export_row) = 1;

CREATE OR REPLACE TEMP TABLE export_first_findings AS
SELECT * FROM export_checked_findings WHERE export_bad IS NULL
QUALIFY row_number() OVER (PARTITION BY run_id, step_id, agent, detector, severity, detail, attributes::VARCHAR
                           ORDER BY export_file, export_row) = 1;

INSERT INTO export_rejects
SELECT e.export_file, e.export_row + 1,
       'label: ' || coalesce(e.outcome || ' ', '') || 'label of run ' || e.run_id
       || ' given twice in the export (the first is kept)', to_json(e)::VARCHAR, e.run_id, NULL, 'row'
FROM export_checked_labels e
ANTI JOIN export_first_labels f ON f.export_file = e.export_file AND f.export_row = e.export_row
WHERE e.export_bad IS NULL
UNION ALL
SELECT e.export_file, e.export_row + 1,
       'finding: ' || e.detector || ' finding of run ' || e.run_id || coalesce(' at step ' || e.step_id, '')
       || ' given twice in the export (the first is kept)', to_json(e)::VARCHAR, e.run_id, e.step_id, 'row'
FROM export_checked_findings e
ANTI JOIN export_first_findings f ON f.export_file = e.export_file AND f.export_row = e.export_row
WHERE e.export_bad IS NULL;

-- rows the store does not hold as they are: new ones, or ones whose id the store holds with other contents
CREATE OR REPLACE TEMP TABLE export_new_runs AS
SELECT * FROM (SELECT * EXCLUDE (export_file, export_row, export_bad) FROM export_first_runs EXCEPT ALL SELECT * FROM runs);

-- A step is new by its id; a step of an id the store holds is the same step when its log said the same of it
-- (step_differs.sql, as the log ingest compares a step given again): read from another path or line, or
-- placed otherwise in a run the export holds more or fewer steps of, it adds nothing; else it differs.
CREATE OR REPLACE TEMP TABLE export_new_steps AS
SELECT * EXCLUDE (export_file, export_row, export_bad) FROM export_first_steps e
WHERE NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = e.run_id AND s.step_id = e.step_id);

CREATE OR REPLACE TEMP TABLE export_vs_stored AS
SELECT * FROM (
    SELECT e.export_file, e.export_row, e.run_id, e.step_id, s.file AS s_file, s.line AS s_line,
           step_differs(stored_step(e), stored_step(s)) AS differs,
           to_json(e)::JSON AS raw
    FROM export_first_steps e JOIN steps s ON s.run_id = e.run_id AND s.step_id = e.step_id)
WHERE differs <> '';

-- [section given]
-- (after export_rules.sql's given_again section, run when export_vs_stored holds a row)

-- A stored run's row the export gives otherwise is what its logs said about the run (what it declared, its
-- system, task, attributes), as a run record given again in an ingest: read as one (refresh_runs.sql's
-- stage_runs), the rest of the row rebuilt from the store's steps and labels.
CREATE OR REPLACE TEMP TABLE stage_runs AS
SELECT run_id, source, system, task, declared_outcome AS outcome, outcome_detail, attributes,
       epoch_ns(started_at::TIMESTAMP) AS start_ns, epoch_ns(ended_at::TIMESTAMP) AS end_ns
FROM export_new_runs SEMI JOIN runs USING (run_id);

INSERT INTO export_rejects
SELECT export_file, export_row + 1,
       'step ' || step_id || ' of run ' || run_id || ' differs from the stored step of that id (stored from '
       || coalesce(s_file, '?') || ' line ' || coalesce(s_line::VARCHAR, '?') || ') in ' || differs
       || ' (the stored one is kept)',
       json_merge_patch(raw, '{"export_file": null, "export_row": null, "export_bad": null}')::VARCHAR,
       run_id, step_id, 'step'
FROM export_vs_stored;

DELETE FROM export_new_runs WHERE run_id IN (SELECT run_id FROM runs);


-- labels and attributions the store holds but for created_at (the same label given in both stores, each
-- at its own time) add nothing; as EXCEPT ALL, a row given n times is kept n times, not 2n.
CREATE OR REPLACE TEMP TABLE export_new_labels AS
SELECT * EXCLUDE (export_file, export_row, export_bad, k)
FROM (SELECT *, row_number() OVER (PARTITION BY run_id, agent, step_id, kind, source, outcome, detail, given_by
                                   ORDER BY created_at, export_file, export_row) AS k
      FROM export_first_labels) e
WHERE k > (SELECT count(*) FROM labels l
           WHERE l.run_id = e.run_id AND l.agent IS NOT DISTINCT FROM e.agent
             AND l.step_id IS NOT DISTINCT FROM e.step_id AND l.kind IS NOT DISTINCT FROM e.kind
             AND l.source IS NOT DISTINCT FROM e.source AND l.outcome IS NOT DISTINCT FROM e.outcome
             AND l.detail IS NOT DISTINCT FROM e.detail AND l.given_by IS NOT DISTINCT FROM e.given_by);

CREATE OR REPLACE TEMP TABLE export_new_attributions AS
SELECT * EXCLUDE (export_file, export_row, export_bad, k)
FROM (SELECT *, row_number() OVER (PARTITION BY run_id, method, unit, target, value, ci_low, ci_high, params
                                   ORDER BY created_at, export_file, export_row) AS k
      FROM export_checked_attributions WHERE export_bad IS NULL) e
WHERE k > (SELECT count(*) FROM attributions a
           WHERE a.run_id = e.run_id AND a.method = e.method AND a.unit = e.unit AND a.target = e.target
             AND a.value IS NOT DISTINCT FROM e.value AND a.ci_low IS NOT DISTINCT FROM e.ci_low
             AND a.ci_high IS NOT DISTINCT FROM e.ci_high AND a.params IS NOT DISTINCT FROM e.params);

-- the runs to rebuild (refresh_runs.sql): stored ones given otherwise, or given steps or labels they lacked;
-- new ones whose run row was refused (export_checked_runs), from their steps
CREATE OR REPLACE TEMP TABLE affected AS
SELECT run_id FROM runs
WHERE run_id IN (SELECT run_id FROM stage_runs UNION ALL SELECT run_id FROM export_new_steps
                 UNION ALL SELECT run_id FROM export_new_labels)
UNION
SELECT run_id FROM export_new_steps
WHERE run_id NOT IN (SELECT run_id FROM runs UNION ALL SELECT run_id FROM export_new_runs);

CREATE OR REPLACE TEMP TABLE export_counts AS
SELECT (SELECT count(*) FROM export_steps) AS steps_read,
       (SELECT count(*) FROM export_quarantine) AS quarantine_read,
       (SELECT count(*) FROM export_rejects WHERE what = 'run') AS run_rejects,
       (SELECT count(*) FROM export_rejects WHERE what = 'step') AS step_rejects,
       (SELECT count(*) FROM export_rejects WHERE what = 'row') AS row_rejects,
       (SELECT count(*) FROM export_new_steps) AS steps_added,
       (SELECT count(*) FROM (SELECT run_id FROM export_new_runs UNION SELECT run_id FROM export_new_steps
                              UNION SELECT run_id FROM affected)) AS runs_touched;

INSERT INTO runs SELECT * FROM export_new_runs;

INSERT INTO steps SELECT * FROM export_new_steps;

-- What the export's store kept of the steps it gives (store/_export_kept.py: export_kept_<table>): which tool steps
-- it read out of messages, which agents and hand-offs' agents its rules gave. An export written before it carried
-- them: its tool steps read out of messages told as a store of schema 3 told them, by their attributes' marker (a
-- log's step holding it too is taken for one), the rules' names and hand-offs read as its logs'.
INSERT INTO derived_tools SELECT run_id, step_id FROM export_new_steps n
WHERE CASE WHEN getvariable('export_kept_derived')
           THEN EXISTS (SELECT 1 FROM export_kept_derived_tools k WHERE k.run_id = n.run_id AND k.step_id = n.step_id)
           ELSE kind = 'tool' AND contains(attributes::VARCHAR, '"workbench.tool_call_from"') END;

INSERT INTO rule_agents SELECT DISTINCT k.run_id, k.step_id FROM export_kept_rule_agents k
SEMI JOIN export_new_steps n ON n.run_id = k.run_id AND n.step_id = k.step_id;

INSERT INTO rule_handoffs SELECT DISTINCT k.run_id, k.step_id FROM export_kept_rule_handoffs k
SEMI JOIN export_new_steps n ON n.run_id = k.run_id AND n.step_id = k.step_id;

INSERT INTO edges
SELECT * FROM (SELECT * EXCLUDE (export_file, export_row, export_bad) FROM export_first_edges
                 EXCEPT ALL SELECT * FROM edges);

INSERT INTO labels SELECT * FROM export_new_labels;

INSERT INTO findings
SELECT * FROM (SELECT * EXCLUDE (export_file, export_row, export_bad) FROM export_first_findings
                 EXCEPT ALL SELECT * FROM findings);

INSERT INTO attributions SELECT * FROM export_new_attributions;

-- A reject's text is at most its first MiB (export_max_raw), as the log ingest keeps it (schema.sql; raw_bytes and
-- raw_sha256 are the whole row's): kept whole, a row refused for a 30 MB field put 30 MB into the quarantine.
-- Cut on a character: a UTF-8 character is 1 to 4 bytes, so one of the four cuts ends on one.
CREATE OR REPLACE TEMP MACRO export_cut_raw(t) AS
    CASE WHEN strlen(t) <= getvariable('export_max_raw') THEN t
         ELSE coalesce(try(decode(encode(t)[1:getvariable('export_max_raw')])),
                       try(decode(encode(t)[1:getvariable('export_max_raw') - 1])),
                       try(decode(encode(t)[1:getvariable('export_max_raw') - 2])),
                       try(decode(encode(t)[1:getvariable('export_max_raw') - 3]))) END;

-- the export's quarantine as it was (file and line of the logs it was read from), but for the rejects this
-- store holds already (its key, as schema.sql says: the same logs ingested here too hold the same reject,
-- only created_at differs), then the export's own conflicts
INSERT INTO quarantine
SELECT * EXCLUDE (export_file, export_row, export_bad) REPLACE (export_cut_raw(raw) AS raw) FROM export_quarantine e
WHERE export_bad IS NULL AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.file = e.file AND q.line = e.line AND q.reason = e.reason
                  AND q.step_id IS NOT DISTINCT FROM e.step_id AND q.raw_sha256 IS NOT DISTINCT FROM e.raw_sha256
                  AND q.occurrence IS NOT DISTINCT FROM e.occurrence);

INSERT INTO quarantine (file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256, occurrence)
-- (ids cut to 512 characters, as the log ingest's quarantine keeps them: ingest/_fields._short_id)
SELECT j.file, j.line, j.reason, export_cut_raw(j.raw), 'export', left(j.run_id, 512), left(j.step_id, 512), octet_length(encode(j.raw)),
       sha256(j.raw), 1
FROM export_rejects j
WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.file = j.file AND q.line = j.line AND q.reason = j.reason
                  AND q.step_id IS NOT DISTINCT FROM left(j.step_id, 512) AND q.raw_sha256 = sha256(j.raw));

-- the steps of the rebuilt runs, as refresh_runs.sql reads them (the log ingest's is finalize.sql's)
CREATE OR REPLACE TEMP VIEW affected_steps AS
SELECT s.* FROM steps s SEMI JOIN affected a ON a.run_id = s.run_id;

-- the roots of the rebuilt runs' trees, for refresh_runs.sql's root status: steps whose parent is not stored
CREATE OR REPLACE TEMP TABLE run_roots AS
SELECT s.run_id, s.step_id FROM affected_steps s
WHERE NOT EXISTS (SELECT 1 FROM steps p WHERE p.run_id = s.run_id AND p.step_id = s.parent_id);
