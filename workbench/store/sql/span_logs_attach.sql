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
SELECT run_id, step_id, input, output, note, time, ord, digest, file, error, caught FROM stage_span_logs l
WHERE ord NOT IN (SELECT ord FROM stage_span_log_lost)
  AND NOT EXISTS (SELECT 1 FROM stage_span_log_stored_ids i
                  WHERE i.run_id = l.run_id AND i.step_id = l.step_id AND i.digest = l.digest)
QUALIFY row_number() OVER (PARTITION BY run_id, step_id, digest ORDER BY ord) = 1;
-- The steps the new records touch, with what earlier records stored: their otel.logs (a span's own otel.logs
-- of another type is kept as the list's first item), digests, the columns they filled, and the times of the
-- messages they filled them with (otel.log_times: {"input": [...], "output": [...]}, one a message).
CREATE OR REPLACE TEMP TABLE stage_span_log_steps AS
SELECT s.run_id, s.step_id,
       CASE json_type(s.attributes, '$."otel.logs"') WHEN 'ARRAY' THEN CAST(json_extract(s.attributes, '$."otel.logs"') AS VARCHAR)
            WHEN 'NULL' THEN NULL ELSE '[' || json_extract(s.attributes, '$."otel.logs"') || ']' END AS logs,
       coalesce(TRY_CAST(json_extract(s.attributes, '$."otel.log_ids"') AS VARCHAR[]), []) AS ids,
       coalesce(TRY_CAST(json_extract(s.attributes, '$."otel.log_filled"') AS VARCHAR[]), []) AS filled,
       TRY_CAST(json_extract(s.attributes, '$."otel.log_times".input') AS VARCHAR[]) AS input_times,
       TRY_CAST(json_extract(s.attributes, '$."otel.log_times".output') AS VARCHAR[]) AS output_times,
       coalesce(CASE WHEN json_valid(s.input) THEN json_type(s.input) = 'ARRAY' END, false) AS input_list,
       coalesce(CASE WHEN json_valid(s.output) THEN json_type(s.output) = 'ARRAY' END, false) AS output_list,
       s.input IS NULL AS input_empty, s.output IS NULL AS output_empty, s.input, s.output, s.status, s.error,
       strftime(s.started_at, '%Y-%m-%dT%H:%M:%S.%f') || '000Z' AS span_time
FROM steps s SEMI JOIN (SELECT DISTINCT run_id, step_id FROM stage_span_log_new) k
  ON k.run_id = s.run_id AND k.step_id = s.step_id;
-- Each message (of input, output) and note the new records bring, and those the step's earlier records stored
-- where the new ones are added to them: a step's messages read in the order they happened (the records' time,
-- then reading order), whatever order its records' files came in. A record's input / output is a JSON list; a
-- note is one object (its "time" is the record's).
-- A record with no time (neither timeUnixNano nor observedTimeUnixNano) is placed where it was read: at the
-- time of the record of its step read just before it in its file (then after it, by reading order), else at
-- its span's start (a record read before any other of its step's in its file: what came before it in
-- another file says nothing of when it happened). That place is what otel.log_times keeps
-- for it, so a later call's records are put around it the same way. (Before, it sorted first, ahead of the
-- whole conversation, wherever it was read.)
CREATE OR REPLACE TEMP TABLE stage_span_log_items AS
WITH placed AS (
    SELECT l.run_id, l.step_id, l.input, l.output, l.note, l.ord,
           coalesce(l.time, last_value(l.time IGNORE NULLS) OVER (
                        PARTITION BY l.run_id, l.step_id, l.file ORDER BY l.ord
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                    s.span_time) AS time
    FROM stage_span_log_new l LEFT JOIN stage_span_log_steps s ON s.run_id = l.run_id AND s.step_id = l.step_id),
fresh AS (
    SELECT run_id, step_id, col, time, ord, json_extract(text, '$[*]') AS items FROM (
        SELECT run_id, step_id, 'input' AS col, time, ord, input AS text FROM placed
        WHERE input IS NOT NULL AND input <> '[]'
        UNION ALL
        SELECT run_id, step_id, 'output', time, ord, output FROM placed
        WHERE output IS NOT NULL AND output <> '[]'
        UNION ALL
        SELECT run_id, step_id, 'notes', time, ord, '[' || note || ']' FROM placed WHERE note IS NOT NULL)),
-- (earlier messages are only re-read where new ones of their column are added to them: span_logs_attach's
-- UPDATE appends to an input / output its logs filled, as a JSON list; the span's own is kept as it is)
stored AS (
    SELECT s.run_id, s.step_id, c.col,
           CASE c.col WHEN 'input' THEN s.input WHEN 'output' THEN s.output ELSE s.logs END AS text,
           CASE c.col WHEN 'input' THEN s.input_times WHEN 'output' THEN s.output_times END AS times, s.span_time
    FROM stage_span_log_steps s JOIN (SELECT DISTINCT run_id, step_id, col FROM fresh) c
      ON c.run_id = s.run_id AND c.step_id = s.step_id
    WHERE (c.col = 'input' AND list_contains(s.filled, 'input') AND s.input_list)
       OR (c.col = 'output' AND list_contains(s.filled, 'output') AND s.output_list)
       OR (c.col = 'notes' AND s.logs IS NOT NULL)),
stored_items AS (
    SELECT run_id, step_id, col, times, span_time, unnest(items)::VARCHAR AS item, generate_subscripts(items, 1) AS i
    FROM (SELECT *, json_extract(text, '$[*]') AS items FROM stored)),
stored_times AS (
    SELECT run_id, step_id, col, item, span_time, i,
           -- (times stored for another list than the one stored, e.g. a span's own otel.logs, are not used)
           CASE WHEN col = 'notes' THEN json_extract_string(item, '$.time')
                WHEN len(times) = max(i) OVER (PARTITION BY run_id, step_id, col) THEN times[i] END AS time
    FROM stored_items)
SELECT run_id, step_id, col, item,
       -- a stored note of a record with no time stays where it was put: after the note before it, else at the
       -- span's start (as placed above)
       CASE WHEN col = 'notes' THEN coalesce(time, last_value(time IGNORE NULLS) OVER (
                PARTITION BY run_id, step_id, col ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), span_time)
            ELSE time END AS time,
       0 AS src, 0 AS ord, i
FROM stored_times
UNION ALL
SELECT run_id, step_id, col, unnest(items)::VARCHAR, time, 1, ord, generate_subscripts(items, 1) FROM fresh;
-- Per step, its log-filled messages and notes in time order, the times of the messages, the new digests, and
-- the error of its first new exception record (a GenAI exception event sent as a log record, as the same event on
-- the span gives it: error for a span that failed, caught for one whose status said no error).
CREATE OR REPLACE TEMP TABLE stage_span_log_texts AS
SELECT k.run_id, k.step_id, i.input, i.output, i.notes, i.input_times, i.output_times, k.ids, k.error, k.caught
FROM (SELECT run_id, step_id, list(digest ORDER BY ord) AS ids,
             arg_min(error, (time, ord)) FILTER (WHERE caught IS NOT NULL) AS error,
             arg_min(caught, (time, ord)) FILTER (WHERE caught IS NOT NULL) AS caught
      FROM stage_span_log_new GROUP BY ALL) k
LEFT JOIN (
    SELECT run_id, step_id,
           '[' || string_agg(item, ',' ORDER BY time NULLS FIRST, src, ord, i) FILTER (WHERE col = 'input') || ']' AS input,
           '[' || string_agg(item, ',' ORDER BY time NULLS FIRST, src, ord, i) FILTER (WHERE col = 'output') || ']' AS output,
           '[' || string_agg(item, ',' ORDER BY time NULLS FIRST, src, ord, i) FILTER (WHERE col = 'notes') || ']' AS notes,
           list(time ORDER BY time NULLS FIRST, src, ord, i) FILTER (WHERE col = 'input') AS input_times,
           list(time ORDER BY time NULLS FIRST, src, ord, i) FILTER (WHERE col = 'output') AS output_times
    FROM stage_span_log_items GROUP BY ALL) i ON i.run_id = k.run_id AND i.step_id = k.step_id;
-- The messages fill the input / output the span left empty, and take the place of an input / output that
-- earlier records filled (otel.log_filled: stage_span_log_texts holds those earlier messages with the new
-- ones); a span's own messages win (span_and_event mode writes both). The notes take the place of the
-- step's otel.logs (likewise), the digests are appended to its otel.log_ids.
-- An exception record fails a step whose span said no error, and names the error of one that said none (the
-- span's own error wins); the error column filled is named in otel.log_filled, the status the span gave in
-- otel.log_status (finalize.sql's without_logs compares the span given again with what it gave).
-- (The otel.* keys may also be a span's own attributes, of any type: read as a list only when they are one.
-- Text is added to only when it is a JSON list: a span's own otel.log_filled must not splice records into
-- its own text.)
UPDATE steps SET
    status = CASE WHEN t.caught IS NOT NULL THEN 'error' ELSE steps.status END,
    error = CASE WHEN t.caught IS NULL OR f.error IS NOT NULL THEN steps.error
                 WHEN f.status = 'error' THEN t.error ELSE t.caught END,
    input = CASE WHEN t.input IS NULL THEN steps.input
                 WHEN f.input_empty OR (list_contains(f.filled, 'input') AND f.input_list) THEN t.input
                 ELSE steps.input END,
    output = CASE WHEN t.output IS NULL THEN steps.output
                  WHEN f.output_empty OR (list_contains(f.filled, 'output') AND f.output_list) THEN t.output
                  ELSE steps.output END,
    attributes = json_merge_patch(json_merge_patch(coalesce(steps.attributes, '{}'), CASE
        WHEN t.caught IS NOT NULL AND f.status <> 'error' THEN json_object('otel.log_status', f.status) ELSE '{}' END),
        json_object(
        'otel.logs', json(coalesce(t.notes, f.logs)),
        'otel.log_ids', to_json(list_concat(f.ids, t.ids)),
        'otel.log_filled', to_json(list_distinct(list_concat(f.filled, [c FOR c IN ['input', 'output', 'error']
            IF (c = 'input' AND f.input_empty AND t.input IS NOT NULL)
            OR (c = 'output' AND f.output_empty AND t.output IS NOT NULL)
            OR (c = 'error' AND f.error IS NULL AND t.caught IS NOT NULL
                AND (f.status <> 'error' OR t.error IS NOT NULL))]))),
        'otel.log_times', CASE WHEN t.input_times IS NOT NULL OR t.output_times IS NOT NULL
                                 OR f.input_times IS NOT NULL OR f.output_times IS NOT NULL THEN json_object(
            'input', to_json(CASE WHEN t.input IS NOT NULL AND (f.input_empty
                                      OR (list_contains(f.filled, 'input') AND f.input_list)) THEN t.input_times
                                  ELSE f.input_times END),
            'output', to_json(CASE WHEN t.output IS NOT NULL AND (f.output_empty
                                      OR (list_contains(f.filled, 'output') AND f.output_list)) THEN t.output_times
                                   ELSE f.output_times END)) END))
FROM stage_span_log_texts t JOIN stage_span_log_steps f ON f.run_id = t.run_id AND f.step_id = t.step_id
WHERE steps.run_id = t.run_id AND steps.step_id = t.step_id;
SELECT count(*) FILTER (WHERE ord NOT IN (SELECT ord FROM stage_span_log_lost)),
       count(*) FILTER (WHERE ord IN (SELECT ord FROM stage_span_log_lost))
FROM stage_span_logs;
