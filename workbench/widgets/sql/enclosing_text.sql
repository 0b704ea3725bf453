-- The nearest step enclosing $parent_id (itself first) in run $run_id that carries text (its input or output, read
-- as plots._data.has_text reads it: not missing, nor empty or an empty JSON list/object once the characters of
-- $space are trimmed), at most 511 levels up: its step_id, name, agent, input and output. One query: walked in
-- Python a query per level, a step at the foot of a chain of 5,000 nested spans cost 512 queries, ~0.9 CPU s.
WITH RECURSIVE tree AS MATERIALIZED (
    SELECT step_id, parent_id FROM steps WHERE run_id = $run_id
),
up(step_id, parent_id, depth) AS (
    SELECT step_id, parent_id, 1 FROM tree WHERE step_id = $parent_id
    UNION ALL
    SELECT t.step_id, t.parent_id, u.depth + 1 FROM up u JOIN tree t ON t.step_id = u.parent_id
    WHERE u.depth < 511 AND u.parent_id <> $step_id
)
SELECT s.step_id, s.name, s.agent, s.input, s.output
FROM up JOIN steps s ON s.run_id = $run_id AND s.step_id = up.step_id
WHERE trim(s.input, $space) NOT IN ('', '[]', '{}', 'null', '""')
   OR trim(s.output, $space) NOT IN ('', '[]', '{}', 'null', '""')
ORDER BY up.depth
LIMIT 1
