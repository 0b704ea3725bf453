-- In the merge, once the staged steps are in the store (ingest/_otlp_logs.py).
-- A record whose span is not stored after the merge, or whose span was given in this call in a copy the merge
-- quarantined (a conflicting copy, a parent cycle: which copy the record belongs to cannot be told), goes to
-- the quarantine with its file and line (origin 3 in stage_rejects).
CREATE OR REPLACE TEMP TABLE stage_span_log_lost AS
SELECT l.* FROM stage_span_logs l
WHERE NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = l.run_id AND s.step_id = l.step_id)
   OR EXISTS (SELECT 1 FROM stage_bad b JOIN stage_n n ON n.rid = b.rid
              WHERE n.run_id = l.run_id AND n.step_id = l.step_id);
INSERT INTO stage_rejects (file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256, origin, ord,
                           occurrence)
SELECT file, line, 'log record of span ' || step_id || ' in run ' || run_id || ': its span was quarantined in '
       || 'this ingest (a conflicting copy or a parent cycle, see its own reject), so the record has no step',
       raw, 'otlp', run_id, step_id, octet_length(encode(raw)), sha256(raw), 3, ord,
       row_number() OVER (PARTITION BY file, line, run_id, step_id, digest ORDER BY ord)
FROM stage_span_log_lost;
-- The records new to their step: one of each (the same record read twice in this call is stored once), and
-- none that an earlier call stored (their digests are in the step's otel.log_ids). (The stored digests of
-- the records' steps only: the json is read after the join, not for every stored step.)
CREATE OR REPLACE TEMP TABLE stage_span_log_stored_ids AS
SELECT run_id, step_id, unnest(ids) AS digest FROM (
    SELECT s.run_id, s.step_id, TRY_CAST(json_extract(s.attributes, '$."otel.log_ids"') AS VARCHAR[]) AS ids
    FROM steps s SEMI JOIN (SELECT DISTINCT run_id, step_id FROM stage_span_logs) k
      ON k.run_id = s.run_id AND k.step_id = s.step_id);
CREATE OR REPLACE TEMP TABLE stage_span_log_new AS
SELECT run_id, step_id, input, output, note, ord, digest FROM stage_span_logs l
WHERE ord NOT IN (SELECT ord FROM stage_span_log_lost)
  AND NOT EXISTS (SELECT 1 FROM stage_span_log_stored_ids i
                  WHERE i.run_id = l.run_id AND i.step_id = l.step_id AND i.digest = l.digest)
QUALIFY row_number() OVER (PARTITION BY run_id, step_id, digest ORDER BY ord) = 1;
-- Per step, the new records' messages in the order read (each record's input / output is a JSON list; the
-- lists are joined), their other records (notes) and their digests.
CREATE OR REPLACE TEMP TABLE stage_span_log_texts AS
SELECT run_id, step_id,
       '[' || string_agg(substr(input, 2, length(input) - 2), ',' ORDER BY ord)
              FILTER (WHERE input IS NOT NULL AND input <> '[]') || ']' AS input,
       '[' || string_agg(substr(output, 2, length(output) - 2), ',' ORDER BY ord)
              FILTER (WHERE output IS NOT NULL AND output <> '[]') || ']' AS output,
       '[' || string_agg(note, ',' ORDER BY ord) FILTER (WHERE note IS NOT NULL) || ']' AS notes,
       list(digest ORDER BY ord) AS ids
FROM stage_span_log_new GROUP BY run_id, step_id;
-- The messages fill the input / output the span left empty, and are appended to an input / output that
-- earlier records filled (otel.log_filled); a span's own messages win (span_and_event mode writes both).
-- The notes are appended to the step's otel.logs, the digests to its otel.log_ids.
-- (The otel.* keys may also be a span's own attributes, of any type: read as a list only when they are one;
-- a span's own otel.logs of another type is kept as the list's first item. Text is appended to only when
-- it is a JSON list: a span's own otel.log_filled must not splice records into its own text.)
UPDATE steps SET
    input = CASE WHEN t.input IS NULL THEN steps.input
                 WHEN steps.input IS NULL THEN t.input
                 WHEN list_contains(f.filled, 'input') AND f.input_list
                   THEN left(steps.input, -1) || ',' || substr(t.input, 2)
                 ELSE steps.input END,
    output = CASE WHEN t.output IS NULL THEN steps.output
                  WHEN steps.output IS NULL THEN t.output
                  WHEN list_contains(f.filled, 'output') AND f.output_list
                    THEN left(steps.output, -1) || ',' || substr(t.output, 2)
                  ELSE steps.output END,
    attributes = json_merge_patch(coalesce(steps.attributes, '{}'), json_object(
        'otel.logs', json(CASE WHEN t.notes IS NULL THEN f.logs
                               WHEN f.logs IS NULL THEN t.notes
                               ELSE left(f.logs, -1) || ',' || substr(t.notes, 2) END),
        'otel.log_ids', to_json(list_concat(f.ids, t.ids)),
        'otel.log_filled', to_json(list_distinct(list_concat(f.filled, [c FOR c IN ['input', 'output']
            IF (c = 'input' AND steps.input IS NULL AND t.input IS NOT NULL)
            OR (c = 'output' AND steps.output IS NULL AND t.output IS NOT NULL)])))))
FROM stage_span_log_texts t,
     (SELECT s.run_id, s.step_id,
             CASE json_type(s.attributes, '$."otel.logs"') WHEN 'ARRAY' THEN CAST(json_extract(s.attributes, '$."otel.logs"') AS VARCHAR)
                  WHEN 'NULL' THEN NULL ELSE '[' || json_extract(s.attributes, '$."otel.logs"') || ']' END AS logs,
             coalesce(TRY_CAST(json_extract(s.attributes, '$."otel.log_ids"') AS VARCHAR[]), []) AS ids,
             coalesce(TRY_CAST(json_extract(s.attributes, '$."otel.log_filled"') AS VARCHAR[]), []) AS filled,
             coalesce(CASE WHEN json_valid(s.input) THEN json_type(s.input) = 'ARRAY' END, false) AS input_list,
             coalesce(CASE WHEN json_valid(s.output) THEN json_type(s.output) = 'ARRAY' END, false) AS output_list
      FROM steps s JOIN stage_span_log_texts x ON x.run_id = s.run_id AND x.step_id = s.step_id) f
WHERE steps.run_id = t.run_id AND steps.step_id = t.step_id AND f.run_id = t.run_id AND f.step_id = t.step_id;
SELECT count(*) FILTER (WHERE ord NOT IN (SELECT ord FROM stage_span_log_lost)),
       count(*) FILTER (WHERE ord IN (SELECT ord FROM stage_span_log_lost))
FROM stage_span_logs;
