-- Cascades: from a faulty step (the origin of an unsupported value, or a failed step whose output
-- another agent consumed: an agent reading its own failed call is ordinary error handling) follow the data lineage forward: 'consumes' and 'handoff' edges, and later steps
-- that carry the same unsupported value. Every step built on the fault is marked.
CREATE OR REPLACE TEMP TABLE det_seeds AS
SELECT DISTINCT run_id, origin_step AS step_id, 'unsupported value ' || token AS why FROM det_unsupported
UNION
SELECT DISTINCT s.run_id, s.step_id, 'failed step consumed by ' || d.agent
FROM steps s SEMI JOIN det_scope USING (run_id)
JOIN edges e ON e.run_id = s.run_id AND e.src_step = s.step_id AND e.kind = 'consumes'
JOIN steps d ON d.run_id = e.run_id AND d.step_id = e.dst_step
WHERE s.status = 'error' AND d.agent IS DISTINCT FROM s.agent;

CREATE OR REPLACE TEMP TABLE det_downstream AS
WITH RECURSIVE flow(run_id, seed, step_id, hops) AS (
    SELECT run_id, step_id, step_id, 0 FROM det_seeds
    UNION
    SELECT f.run_id, f.seed, e.dst_step, f.hops + 1
    FROM flow f JOIN edges e ON e.run_id = f.run_id AND e.src_step = f.step_id AND e.kind IN ('consumes', 'handoff')
    WHERE f.hops < 64
)
SELECT run_id, seed, step_id, min(hops) AS hops FROM flow WHERE hops > 0 GROUP BY ALL
UNION
-- Value lineage, for logs that record no edges: later steps stating the same unsupported value.
SELECT DISTINCT u.run_id, u.origin_step, v.step_id, NULL
FROM det_unsupported u
JOIN det_values v ON v.run_id = u.run_id AND v.seq > u.origin_seq
 AND (v.ident = u.ident OR (u.ident IS NULL AND v.ident IS NULL AND abs(v.num - u.num) <= greatest(0.005, 1e-4 * abs(u.num))));

CREATE OR REPLACE TEMP TABLE det_cascade AS
SELECT d.run_id, d.seed, d.step_id, s.agent, s.seq
FROM (SELECT run_id, seed, step_id FROM det_downstream GROUP BY ALL) d
JOIN steps s ON s.run_id = d.run_id AND s.step_id = d.step_id;

INSERT INTO det_out
SELECT c.run_id, c.seed, o.agent, 'cascade', 'critical',
       coalesce(o.agent, '?') || ' at ' || c.seed || ' (' || any_value(sd.why) || ') spread to '
       || count(DISTINCT c.step_id) || ' later steps of ' || string_agg(DISTINCT c.agent, ', '),
       json_object('role', 'origin', 'downstream', list(DISTINCT c.step_id ORDER BY c.step_id),
                   'agents', list(DISTINCT c.agent))
FROM det_cascade c
JOIN steps o ON o.run_id = c.run_id AND o.step_id = c.seed
JOIN det_seeds sd ON sd.run_id = c.run_id AND sd.step_id = c.seed
GROUP BY c.run_id, c.seed, o.agent
HAVING count(DISTINCT c.agent) FILTER (WHERE c.agent IS DISTINCT FROM o.agent) > 0;

INSERT INTO det_out
SELECT c.run_id, c.step_id, c.agent, 'cascade', 'info',
       'built on ' || c.seed || ' (' || coalesce(o.agent, '?') || ')',
       json_object('role', 'downstream', 'origin', c.seed)
FROM det_cascade c
JOIN steps o ON o.run_id = c.run_id AND o.step_id = c.seed
WHERE EXISTS (SELECT 1 FROM det_cascade x WHERE x.run_id = c.run_id AND x.seed = c.seed
              AND x.agent IS DISTINCT FROM o.agent);
