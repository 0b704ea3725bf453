-- The steps of linked_source (a name from a fixed list, store/_linked_roots.py: the steps table, the stage, an
-- export's new steps) that carry exactly one span link and were not moved into another trace's run, added to
-- linked_roots by the span they link to when not there yet. (Staged attributes are text, not always JSON: one
-- that is not carries no link.)
INSERT INTO linked_roots
SELECT DISTINCT run_id, step_id, linked_trace, linked_span FROM (
    SELECT run_id, step_id,
           json_extract_string(attributes::VARCHAR, '$."otel.links"[0].trace_id') AS linked_trace,
           json_extract_string(attributes::VARCHAR, '$."otel.links"[0].span_id') AS linked_span
    FROM linked_source
    WHERE contains(attributes::VARCHAR, '"otel.links"') AND run_id IS NOT NULL AND step_id IS NOT NULL
      AND json_valid(attributes::VARCHAR)
      AND json_array_length(attributes::VARCHAR, '$."otel.links"') = 1
      AND NOT json_exists(attributes::VARCHAR, '$."otel.trace_id"')
) n
WHERE NOT EXISTS (SELECT 1 FROM linked_roots k WHERE k.run_id = n.run_id AND k.step_id = n.step_id
                                                 AND k.linked_trace IS NOT DISTINCT FROM n.linked_trace
                                                 AND k.linked_span IS NOT DISTINCT FROM n.linked_span)
