-- In the merge, once the staged steps are in the store (ingest/_otlp_logs.py): each step's log records
-- give it their messages, in the order read (each record's input / output is a JSON list; the lists are
-- joined), where the span itself carried no input / output. The last statement counts the records stored:
-- all of them (a record whose span the merge then quarantines, a conflicting copy or a cycle, goes with it).
CREATE OR REPLACE TEMP TABLE stage_span_log_texts AS
SELECT run_id, step_id,
       '[' || string_agg(substr(input, 2, length(input) - 2), ',' ORDER BY ord)
              FILTER (WHERE input IS NOT NULL AND input <> '[]') || ']' AS input,
       '[' || string_agg(substr(output, 2, length(output) - 2), ',' ORDER BY ord)
              FILTER (WHERE output IS NOT NULL AND output <> '[]') || ']' AS output,
       '[' || string_agg(note, ',' ORDER BY ord) FILTER (WHERE note IS NOT NULL) || ']' AS notes,
       count(*) AS n
FROM stage_span_logs GROUP BY run_id, step_id;
-- The step keeps which of its columns its log records filled (otel.logs_filled): the span sent again
-- without them is the same span, not a conflicting copy (finalize.sql, stage_vs_stored).
UPDATE steps SET input = coalesce(steps.input, t.input), output = coalesce(steps.output, t.output),
    attributes = json_merge_patch(coalesce(steps.attributes, '{}'), json_object('otel.logs_filled', list_sort(list_distinct(
        coalesce(json_extract_string(steps.attributes, '$."otel.logs_filled"[*]'), []::VARCHAR[])
        || CASE WHEN steps.input IS NULL AND t.input IS NOT NULL THEN ['input'] ELSE []::VARCHAR[] END
        || CASE WHEN steps.output IS NULL AND t.output IS NOT NULL THEN ['output'] ELSE []::VARCHAR[] END))))
FROM stage_span_log_texts t
WHERE steps.run_id = t.run_id AND steps.step_id = t.step_id
  AND ((steps.input IS NULL AND t.input IS NOT NULL) OR (steps.output IS NULL AND t.output IS NOT NULL));
-- the span's other log records (a log of the same span read again replaces the list)
UPDATE steps SET attributes = json_merge_patch(coalesce(steps.attributes, '{}'), json_object('otel.logs', json(t.notes)))
FROM stage_span_log_texts t
WHERE steps.run_id = t.run_id AND steps.step_id = t.step_id AND t.notes IS NOT NULL;
SELECT count(*) FROM stage_span_logs;
