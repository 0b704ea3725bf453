-- The stored runs of their own (a root span not moved into another trace's run) whose root has exactly one
-- link, to a span of another trace staged in this call: they continue that trace (ingest/_links.py). Read
-- before the staged traces are moved, so the linked span is found under its own trace's id. The root's span
-- kind is not stored: a messaging hop is told by its messaging.* attributes.

-- [section found]
-- The stored steps linking to a staged span, by the store's linked_roots (no scan of the steps' attributes):
-- most calls find none, and the section below is not run. Asked in the same statement: whether a staged run
-- has no root staged (part of a trace whose root an earlier call may have moved: the moved section's work;
-- a call of whole traces has none).
SELECT (SELECT count(*) FROM linked_roots k
        WHERE EXISTS (SELECT 1 FROM stage_steps t WHERE t.run_id = k.linked_trace AND t.step_id = k.linked_span)),
       EXISTS (SELECT 1 FROM stage_steps GROUP BY run_id HAVING count(*) FILTER (WHERE parent_id IS NULL) = 0);

-- [section roots]
-- Those steps as they are now (linked_roots keeps more than it needs: a step moved or changed since).
WITH roots AS (
    SELECT s.run_id, s.step_id, s.attributes FROM steps s
    SEMI JOIN (SELECT k.run_id, k.step_id FROM linked_roots k
               WHERE EXISTS (SELECT 1 FROM stage_steps t WHERE t.run_id = k.linked_trace
                                                           AND t.step_id = k.linked_span)) k
           ON k.run_id = s.run_id AND k.step_id = s.step_id
    WHERE s.parent_id IS NULL AND json_exists(s.attributes, '$."otel.links"')
      AND NOT json_exists(s.attributes, '$."otel.trace_id"')
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

-- [section moved]
-- Staged traces an earlier call moved into another run (its root, with its one link, joined the trace it
-- continues; each moved step keeps its trace id as otel.trace_id): their spans staged now belong to that run too,
-- as one call of all the spans stores them (a trace's spans split over files: its root and upper spans in the
-- first, the rest in the next). Found by the staged spans of a new run whose parent is not staged: the store
-- holds it, moved (a join on those few ids; a call of whole traces has none and reads no stored step).
WITH orphans AS (
    SELECT DISTINCT s.run_id, s.parent_id FROM stage_steps s
    WHERE s.parent_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM stage_steps p WHERE p.run_id = s.run_id AND p.step_id = s.parent_id)
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = s.run_id)
)
SELECT DISTINCT o.run_id AS trace, t.run_id
FROM orphans o JOIN steps t ON t.step_id = o.parent_id
WHERE t.run_id <> o.run_id AND json_extract_string(t.attributes, '$."otel.trace_id"') = o.run_id
ORDER BY ALL
