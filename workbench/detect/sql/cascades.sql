-- Cascades: a faulty step whose output other agents built on. Faulty: it stated a value it could
-- not have seen or picked a look-alike (det_bad_values), or it failed and another agent consumed its output. Built on: later
-- steps of other agents that carry the made-up value, and steps reached along 'consumes' and
-- 'handoff' edges. A made-up value counts once it reached the backend (a tool call's input) or
-- the final answer: a slip nobody acted on is not a cascade.
-- The lineage of the runs in scope, read once (the detector runs over chunks of runs).
CREATE OR REPLACE TEMP TABLE det_edges AS
SELECT * FROM edges SEMI JOIN det_scope USING (run_id)
WHERE kind IN ('consumes', 'handoff') AND edges.rowid BETWEEN $edge_lo AND $edge_hi;

-- The wrong values a cascade can start from: values made up where first stated (det_bad_values), and
-- values of the final answer that neither the backend nor the task supports (the silent check's
-- 'unsupported', as it reports them: not in a run reported failed, whose last output is no answer),
-- at the step that first stated them. A figure worked out of what the step was given
-- is not made up (40 = the 4 a tool said is in stock x the 10 asked), yet when no backend record or
-- request supports it the agents that went on with it built on a wrong value all the same.
-- `unsupported`: such a value (not made up by det_intro's rule), whose cascade must reach a named agent.
-- (made empty, then each part planned only when the table it reads holds a row)
CREATE OR REPLACE TEMP TABLE det_cascade_values (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, tref DOUBLE,
    token VARCHAR, v VARCHAR, why VARCHAR, unsupported BOOLEAN);

-- [section needs_det_bad_values]
INSERT INTO det_cascade_values
SELECT run_id, step_id, agent, tref, token, coalesce(ident, num::VARCHAR) AS v, why, false AS unsupported
FROM det_bad_values;

-- [section needs_det_unsupported_values]
INSERT INTO det_cascade_values
SELECT DISTINCT p.run_id, p.origin_step, p.origin_agent, p.origin_t, p.token, coalesce(u.ident, u.num::VARCHAR),
       'unsupported value ' || p.token, true
FROM det_reported p JOIN det_unsupported_values u ON u.run_id = p.run_id AND u.token = p.token
WHERE p.why = 'unsupported'
  AND NOT EXISTS (SELECT 1 FROM det_bad_values b WHERE b.run_id = p.run_id AND b.step_id = p.origin_step);

-- [section every]

-- (the flow and uses of det_cascade_values' values: planned only when it holds one)
CREATE OR REPLACE TEMP TABLE det_value_flow (run_id VARCHAR, seed VARCHAR, why VARCHAR, unsupported BOOLEAN,
    step_id VARCHAR, agent VARCHAR, kind VARCHAR, field VARCHAR, is_answer BOOLEAN);
CREATE OR REPLACE TEMP TABLE det_value_uses (run_id VARCHAR, seed VARCHAR, step_id VARCHAR);

-- [section needs_det_cascade_values]
INSERT INTO det_value_flow
SELECT DISTINCT i.run_id, i.step_id AS seed, i.why, i.unsupported, v.step_id, v.agent, v.kind, v.field,
       v.step_id = a.step_id AS is_answer
FROM det_cascade_values i
JOIN det_vals v ON v.run_id = i.run_id AND v.v = i.v AND v.tref > i.tref
 AND v.step_id <> i.step_id
LEFT JOIN det_answer a ON a.run_id = i.run_id;

-- Agents that took a wrong value in without stating it again: another agent handed "40 widgets are in
-- stock" prices all 10 and says only its total. The first step of each such agent, begun after the
-- value was stated, whose input holds it as a whole token (a number inside another is no use of it).
-- Only agents the value's own flow did not reach already. Few seeds: the regex runs on their runs only.
INSERT INTO det_value_uses
SELECT i.run_id, i.step_id AS seed, arg_min(s.step_id, [coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE), s.seq::DOUBLE]) AS step_id
FROM (SELECT DISTINCT run_id, step_id, agent, tref, token FROM det_cascade_values) i
JOIN steps s ON s.run_id = i.run_id AND s.rowid BETWEEN $row_lo AND $row_hi
WHERE s.agent IS NOT NULL AND s.agent IS DISTINCT FROM i.agent
  AND coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE) > i.tref
  AND contains(s.input, i.token)
  AND regexp_matches(s.input, '(^|[^0-9A-Za-z.])' || regexp_escape(i.token) || '([^0-9A-Za-z]|$)')
  AND NOT EXISTS (SELECT 1 FROM det_value_flow f WHERE f.run_id = i.run_id AND f.seed = i.step_id
                                                   AND f.agent = s.agent)
GROUP BY i.run_id, i.step_id, s.agent;

-- [section every]

-- Failed steps another agent consumed. A failure the run then handled is no fault built on: the
-- same call (agent, kind, tool) made again later succeeded — the consumer fixed the script and the
-- executor ran it again (a Who&When group chat: 85 "cascades" in 65 of 126 runs were that).
CREATE OR REPLACE TEMP TABLE det_failed_consumed AS
SELECT DISTINCT s.run_id, s.step_id, s.seq, s.agent, s.kind, coalesce(s.tool, s.name) AS what,
       'failed step consumed by ' || coalesce(d.agent, 'a step outside any agent') AS why
FROM steps s
JOIN det_edges e ON e.run_id = s.run_id AND e.src_step = s.step_id AND e.kind = 'consumes'
JOIN steps d ON d.run_id = e.run_id AND d.step_id = e.dst_step
-- det_edges holds the runs in scope; their steps lie in the chunk's rowid range
WHERE s.status = 'error' AND d.agent IS DISTINCT FROM s.agent
  AND s.rowid BETWEEN $row_lo AND $row_hi AND d.rowid BETWEEN $row_lo AND $row_hi;

-- A made-up value its agent took back before it had effect is no fault built on either: it reached the backend
-- only through a call that hands back what it was given, whole (its output within its input: a structured-output
-- or final-answer tool, no backend record; not det_echoes' record of the arguments alone, an order placed that
-- says back its quantity), and the agent made that call again later without the value. An AgentScope GoalPipeline's
-- quoter reporting 12.40, failed by its auditor, then 14.20, and passed: the auditor quoting 12.40 to reject it
-- built on nothing. (Made again with the value, or the value in another call's input or the answer: a cascade.)
-- (made empty, filled only when a value flowed: planned for nothing else)
CREATE OR REPLACE TEMP TABLE det_mended (run_id VARCHAR, seed VARCHAR, step_id VARCHAR);

-- [section needs_det_value_flow]
INSERT INTO det_mended
SELECT DISTINCT f.run_id, f.seed, f.step_id
FROM det_value_flow f
JOIN steps c ON c.run_id = f.run_id AND c.step_id = f.step_id AND c.rowid BETWEEN $row_lo AND $row_hi
 AND c.output <> '' AND contains(c.input, c.output)
JOIN steps l ON l.run_id = c.run_id AND l.kind = 'tool' AND l.seq > c.seq AND l.agent IS NOT DISTINCT FROM c.agent
 AND coalesce(l.tool, l.name) IS NOT DISTINCT FROM coalesce(c.tool, c.name) AND l.status IS DISTINCT FROM 'error'
 AND l.rowid BETWEEN $row_lo AND $row_hi
WHERE f.kind = 'tool' AND f.field = 'input'
  AND NOT EXISTS (SELECT 1 FROM det_value_flow g WHERE g.run_id = f.run_id AND g.seed = f.seed
                                                  AND g.step_id = l.step_id AND g.field = 'input');

-- [section every]

CREATE OR REPLACE TEMP TABLE det_seeds AS
SELECT f.run_id, f.seed AS step_id, min(f.why) AS why, bool_or(f.unsupported) AS unsupported FROM det_value_flow f
LEFT JOIN det_mended m ON m.run_id = f.run_id AND m.seed = f.seed AND m.step_id = f.step_id
GROUP BY f.run_id, f.seed
HAVING bool_or((f.kind = 'tool' AND f.field = 'input' AND m.step_id IS NULL) OR f.is_answer)
UNION
SELECT f.run_id, f.step_id, min(f.why), false FROM det_failed_consumed f
ANTI JOIN (SELECT DISTINCT f2.run_id, f2.step_id FROM det_failed_consumed f2
           JOIN steps r ON r.run_id = f2.run_id AND r.seq > f2.seq AND r.kind = f2.kind
            AND r.agent IS NOT DISTINCT FROM f2.agent AND coalesce(r.tool, r.name) IS NOT DISTINCT FROM f2.what
           WHERE r.status IS DISTINCT FROM 'error' AND r.rowid BETWEEN $row_lo AND $row_hi) handled
  ON handled.run_id = f.run_id AND handled.step_id = f.step_id
GROUP BY f.run_id, f.step_id;

-- [section needs_det_seeds]
-- (what a cascade spread to starts at a seed of det_seeds: none, no cascade; skipped then, by the runner)
CREATE OR REPLACE TEMP TABLE det_downstream AS
WITH RECURSIVE flow(run_id, seed, step_id, hops) AS (
    SELECT run_id, step_id, step_id, 0 FROM det_seeds
    UNION
    SELECT f.run_id, f.seed, e.dst_step, f.hops + 1
    FROM flow f JOIN det_edges e ON e.run_id = f.run_id AND e.src_step = f.step_id
    WHERE f.hops < 64
)
SELECT run_id, seed, step_id FROM flow WHERE hops > 0
UNION
SELECT f.run_id, f.seed, f.step_id FROM det_value_flow f SEMI JOIN det_seeds s ON s.run_id = f.run_id AND s.step_id = f.seed
UNION
SELECT u.run_id, u.seed, u.step_id FROM det_value_uses u SEMI JOIN det_seeds s ON s.run_id = u.run_id AND s.step_id = u.seed;

CREATE OR REPLACE TEMP TABLE det_cascade AS
SELECT d.run_id, d.seed, d.step_id, s.agent
FROM (SELECT DISTINCT run_id, seed, step_id FROM det_downstream) d
JOIN steps s ON s.run_id = d.run_id AND s.step_id = d.step_id AND s.rowid BETWEEN $row_lo AND $row_hi;

CREATE OR REPLACE TEMP TABLE det_cascade_origins AS
SELECT c.run_id, c.seed, o.agent, min(sd.why) AS why, count(DISTINCT c.step_id) AS n,
       list(DISTINCT c.step_id ORDER BY c.step_id) AS downstream, list(DISTINCT c.agent ORDER BY c.agent) AS agents
FROM det_cascade c
JOIN steps o ON o.run_id = c.run_id AND o.step_id = c.seed AND o.rowid BETWEEN $row_lo AND $row_hi
JOIN det_seeds sd ON sd.run_id = c.run_id AND sd.step_id = c.seed
GROUP BY c.run_id, c.seed, o.agent
HAVING count(DISTINCT c.agent) FILTER (WHERE c.agent IS DISTINCT FROM o.agent) > 0
   -- (an unsupported value only the step outside any agent that wraps the run repeated is the silent
   -- failure itself, not a value other agents built on)
   AND (count(DISTINCT c.agent) FILTER (WHERE c.agent IS NOT NULL AND c.agent IS DISTINCT FROM o.agent) > 0
        OR NOT bool_or(sd.unsupported));

INSERT INTO det_out
SELECT run_id, seed, agent, 'cascade', 'critical',
       coalesce(agent, '?') || ' at ' || seed || ' (' || why || ') spread to ' || n || ' later steps of '
       || array_to_string(list_filter(agents, lambda x: x IS NOT NULL), ', '),
       json_object('role', 'origin', 'downstream', downstream, 'agents', agents)
FROM det_cascade_origins;

INSERT INTO det_out
SELECT c.run_id, c.step_id, c.agent, 'cascade', 'info', 'built on ' || c.seed || ' (' || coalesce(o.agent, '?') || ')',
       json_object('role', 'downstream', 'origin', c.seed)
FROM det_cascade c
JOIN det_cascade_origins o ON o.run_id = c.run_id AND o.seed = c.seed;
