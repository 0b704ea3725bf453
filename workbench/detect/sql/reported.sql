-- The problems of each final answer (det_problems) that are reported: read by the silent check and by the
-- cascades from an unsupported value (what a run reported failed, or a raw payload of unknown outcome, says
-- is no wrong answer to follow). Makes tables only; see silent.sql for which problems and why.
-- The runs of unknown outcome with a problem (few, and none in a store whose runs report their
-- outcome): the tests below read the backend's numbers of these runs only.
-- (each table below holds rows of det_problems' runs only: made empty first, filled only when it holds one)
CREATE OR REPLACE TEMP TABLE det_unknown (run_id VARCHAR);
CREATE OR REPLACE TEMP TABLE det_reported (run_id VARCHAR, token VARCHAR, why VARCHAR, origin_step VARCHAR,
    origin_agent VARCHAR, origin_t DOUBLE);
-- (det_replaced: a run of det_unknown's only)
CREATE OR REPLACE TEMP TABLE det_replaced (run_id VARCHAR, token VARCHAR);

-- [section needs_det_problems]
INSERT INTO det_unknown
SELECT DISTINCT p.run_id FROM det_problems p JOIN runs r ON r.run_id = p.run_id
WHERE r.reported_outcome = 'unknown' AND r.outcome IS DISTINCT FROM 'failure';

-- Numbers an answer of unknown outcome states in place of the backend's: a made-up or unsupported
-- number of the answer counting the same thing (the same JSON key or unit, det_num_labels) as a
-- number a tool stated and the answer does not repeat, or placed at the record of such a number (no unit
-- written: "210 at OPO" for the tool's {"warehouse": "OPO", "units": 80}; det_num_places). An answer
-- quoting the stock at one warehouse and giving its own figure for the other is caught; a figure of
-- another kind added beside the backend's (59°F "(15°C)"), or beside a backend number the answer
-- repeats, is not.
-- [section needs_det_unknown]
INSERT INTO det_replaced
WITH answer_labels AS (
    SELECT p.run_id, p.token,
           unnest(list_concat(det_num_labels(s.output, p.token), det_num_places(s.output, p.token))) AS label
    FROM det_problems p SEMI JOIN det_unknown USING (run_id)
    JOIN det_answer a ON a.run_id = p.run_id
    JOIN steps s ON s.run_id = a.run_id AND s.step_id = a.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
    WHERE ascii(p.token) < 65  -- numbers (a contradicted pair or a look-alike's name starts with a letter)
),
dropped AS (  -- backend numbers the answer does not repeat
    SELECT DISTINCT o.run_id, o.step_id, o.token FROM det_backend_vals o SEMI JOIN det_unknown USING (run_id)
    WHERE o.num IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM det_sink_vals v JOIN det_answer x ON x.run_id = v.run_id AND x.step_id = v.step_id
                      WHERE v.run_id = o.run_id AND v.field = 'output' AND v.v = o.v)
),
tool_labels AS (
    SELECT d.run_id, unnest(list_concat(det_num_labels(s.output, d.token), det_record_names(s.output))) AS label
    FROM dropped d
    JOIN steps s ON s.run_id = d.run_id AND s.step_id = d.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
)
SELECT DISTINCT a.run_id, a.token FROM answer_labels a
SEMI JOIN tool_labels t ON t.run_id = a.run_id AND t.label = a.label;

-- The problems reported: every one for a reported success, and for a run of unknown outcome where
-- the answer replaced the backend's numbers altogether (a tool stated numbers and the answer
-- repeats none of them); otherwise the numbers standing in for a backend number (det_replaced), and an
-- amount (a number written with decimals) made up after a tool call of the run failed (its span in
-- error): the backend gave no figure and the answer gives one anyway (Logfire's OpenAI Agents run, the
-- price feed raising and the pricer's model quoting "12.40 USD each", had no finding at all). Token counts
-- and a timestamp's pieces, what a raw payload's answer states, are integers.
-- [section needs_det_problems]
INSERT INTO det_reported
WITH replaced_all AS (
    -- with no claim of success, only an answer that replaced the backend's numbers: a tool stated
    -- numbers and the answer repeats none of them. An answer quoting the backend and adding a
    -- figure of its own (59°F "(15°C)", a total) and an answer that is a raw API payload (token
    -- counts, timestamps, in a run whose tools gave no number) are left alone: on Langfuse's
    -- sample traces of seven frameworks every such finding was false.
    SELECT u.run_id FROM det_unknown u
    WHERE EXISTS (SELECT 1 FROM det_backend_vals o WHERE o.run_id = u.run_id AND o.num IS NOT NULL)
      -- (a number the tool was the first to state: an agent called as a tool hands back what its
      -- own model said, a hand-off tool what it was given)
      AND NOT EXISTS (SELECT 1 FROM det_sink_vals v
                      JOIN det_answer x ON x.run_id = v.run_id AND x.step_id = v.step_id
                      JOIN det_first_out f ON f.run_id = v.run_id AND f.v = v.v
                      JOIN det_backend_vals o ON o.run_id = f.run_id AND o.step_id = f.step_id AND o.v = f.v
                                             AND o.num IS NOT NULL
                      WHERE v.run_id = u.run_id AND v.field = 'output')
)
SELECT p.* FROM det_problems p JOIN runs r ON r.run_id = p.run_id WHERE r.reported_outcome = 'success'
UNION ALL
SELECT p.* FROM det_problems p SEMI JOIN replaced_all USING (run_id)
UNION ALL
SELECT p.* FROM det_problems p ANTI JOIN replaced_all USING (run_id)
WHERE EXISTS (SELECT 1 FROM det_replaced x WHERE x.run_id = p.run_id AND x.token = p.token)
   OR (p.why = 'made up upstream' AND ascii(p.token) < 65 AND contains(p.token, '.')
       AND p.run_id IN (SELECT run_id FROM det_unknown)
       AND EXISTS (SELECT 1 FROM steps t
                   WHERE t.run_id = p.run_id AND t.rowid BETWEEN $row_lo AND $row_hi AND t.kind = 'tool'
                     AND t.status = 'error' AND coalesce(epoch_us(t.ended_at)::DOUBLE, t.seq + 0.5) <= p.origin_t));
