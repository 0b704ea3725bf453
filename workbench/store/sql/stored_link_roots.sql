-- The stored runs of their own (a root span not moved into another trace's run) whose root has exactly one
-- link, to a span of another trace staged in this call: they continue that trace (ingest/_links.py). Read
-- before the staged traces are moved, so the linked span is found under its own trace's id. The root's span
-- kind is not stored: a messaging hop is told by its messaging.* attributes.
WITH roots AS (
    SELECT run_id, step_id, attributes FROM steps
    WHERE parent_id IS NULL AND json_exists(attributes, '$."otel.links"')
      AND NOT json_exists(attributes, '$."otel.trace_id"')
), one AS (
    SELECT run_id, step_id, attributes,
           json_extract_string(attributes, '$."otel.links"[0].trace_id') AS ltrace,
           json_extract_string(attributes, '$."otel.links"[0].span_id') AS lspan
    FROM roots
    WHERE json_array_length(attributes, '$."otel.links"') = 1
)
SELECT o.run_id, o.step_id, o.ltrace, o.lspan,
       list_bool_or(list_transform(json_keys(o.attributes), lambda k: starts_with(k, 'messaging.'))) AS hop
FROM one o
WHERE o.ltrace <> o.run_id
  AND EXISTS (SELECT 1 FROM stage_steps t WHERE t.run_id = o.ltrace AND t.step_id = o.lspan)
ORDER BY ALL
