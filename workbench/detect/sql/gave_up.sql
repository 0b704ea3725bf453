-- Gave up: a tool call failed, nothing made it again with success, and the run's final answer declines,
-- apologises or says it could not (an MCP server down and the writer saying "Sorry, I cannot quote"; a
-- caught timeout and "the price is unavailable right now"). No step is in error at the end and the answer
-- states no wrong value, so no other detector sees that the user got no answer. The finding sits at the
-- failed call, with the agent that made it: what to repair first. One per run: its first such call.
-- A call failed when its span says error, when its result reports a failure (det_error_report: MCP answers
-- "Error executing tool get_price" in a span left unset), or when a span below it says error with no agent
-- or model call between (the MCP server's own span of that call). A later call of the same tool that did not
-- fail recovered it, whichever agent made it (a fallback agent's call counts as the first agent's own retry):
-- a refusal after that has another reason. An answer quoting a number of a tool's result (det_backend_vals: no
-- echo of the call's own arguments) gave a result, whatever words it opens with; so did one with a clause that
-- states a result figure (det_states_result: an amount, a percentage, decimals, a unit, a date, a time of day, a
-- duration of two units, a count of things, in a clause with no give-up, retry, failure or outage word: "Sorry
-- for the delay, the total is 41.20 USD" and "..., we have 41 widgets in stock" state one, made up or not,
-- which silent_failure weighs) unless the run was given each of its numbers (its task's, a tool call's
-- arguments, the failure's own error text). A give-up's own numbers are no result: a wait, a status code, a
-- count of attempts, an order or phone number, a year ("try again in 15 minutes", "HTTP 503", "order 88412").
-- A run that ended on the error (its answer step in error, or its last output the error's own
-- record) answered nothing to give up in: it shows its failure to its caller. Critical for a run reported as a
-- success (it said so and answered nothing); a warning otherwise: the tool may have failed for a reason the
-- answer rightly reports ("no such item").
-- The answers that gave up come first (a regex per run, on its answer): the tool calls and the spans in error are
-- then read for those few runs only.
CREATE OR REPLACE TEMP TABLE det_gave_up_answers AS
WITH said AS MATERIALIZED (  -- the words are looked for in the whole output first: what it says is part of it
    SELECT a.run_id, a.step_id, coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5) AS t1, s.output
    FROM det_answer a
    JOIN steps s ON s.run_id = a.run_id AND s.step_id = a.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
    -- (a run that ended on the error answered nothing: it shows its failure)
    -- (a JSON text may write its letters as \u escapes, as Python's json.dumps does any but ASCII's: read below,
    -- accents may be written decomposed, "e" + U+0301: read composed, NFC, as the words are written)
    WHERE s.status IS DISTINCT FROM 'error' AND (det_gives_up(nfc_normalize(s.output)) OR contains(s.output, '\u'))
)
SELECT run_id, step_id, t1, txt
FROM (
    SELECT run_id, step_id, t1, output,
           nfc_normalize(CASE WHEN contains(txt, '\u') AND json_valid(txt) THEN json(txt)::VARCHAR ELSE txt END) AS txt
    FROM (SELECT d.run_id, d.step_id, d.t1, d.output, coalesce(ra.txt, det_said_text(det_answer_text(d.output))) AS txt
          FROM said d LEFT JOIN det_record_answer ra ON ra.run_id = d.run_id AND ra.step_id = d.step_id))
-- (nor did one whose last output is the error's own record)
WHERE det_gives_up(txt) AND NOT det_error_report(output);

-- [section needs_det_gave_up_answers]
-- (The statements below read only the runs of det_gave_up_answers and write nothing without one: the runner skips
-- them when it is empty, as it mostly is. Binding their nested macros cost ~0.18 CPU s a chunk whatever its size.)

-- The numbers of the clauses that state a result, for the runs that gave up: a result only if the run was not given them.
CREATE OR REPLACE TEMP TABLE det_gave_up_stated AS
SELECT run_id, token, det_value_num(token) AS num FROM (
    SELECT run_id, unnest(det_value_tokens(det_figure_text(c) || ' ' || array_to_string(det_result_measures(c), ' '))) AS token
    FROM (SELECT run_id, unnest(det_clauses(txt)) AS c FROM det_gave_up_answers)
    WHERE det_states_result(c))
WHERE ascii(token) < 65;

CREATE OR REPLACE TEMP TABLE det_calls_failed AS
WITH RECURSIVE calls AS (
    SELECT run_id, step_id, parent_id, agent, coalesce(tool, name) AS tool, status, error, output,
           coalesce(epoch_us(started_at)::DOUBLE, seq::DOUBLE) AS t0, coalesce(epoch_us(ended_at)::DOUBLE, seq + 0.5) AS t1
    FROM steps SEMI JOIN det_gave_up_answers USING (run_id)
    WHERE kind IN ('tool', 'retriever') AND steps.rowid BETWEEN $row_lo AND $row_hi
),
-- from each span in error that is no agent, model or tool call, up through such spans to the call above
up(run_id, step_id, parent_id, error, n) AS (
    SELECT run_id, step_id, parent_id, error, 0 FROM steps SEMI JOIN det_gave_up_answers USING (run_id)
    WHERE status = 'error' AND coalesce(kind, 'other') IN ('chain', 'other') AND steps.rowid BETWEEN $row_lo AND $row_hi
    UNION ALL
    SELECT u.run_id, p.step_id, p.parent_id, u.error, u.n + 1 FROM up u
    JOIN steps p ON p.run_id = u.run_id AND p.step_id = u.parent_id AND p.rowid BETWEEN $row_lo AND $row_hi
    WHERE coalesce(p.kind, 'other') IN ('chain', 'other') AND u.n < 8
),
below AS (
    SELECT c.run_id, c.step_id, any_value(u.error) AS error FROM up u
    JOIN calls c ON c.run_id = u.run_id AND c.step_id = u.parent_id
    GROUP BY c.run_id, c.step_id
)
SELECT c.run_id, c.step_id, c.agent, c.tool, c.t0, c.t1,
       coalesce(c.error, CASE WHEN det_error_report(c.output)  -- (an MCP content block's text)
                           THEN coalesce(json_extract_string(CASE WHEN json_valid(c.output) THEN c.output END, '$.text'), c.output) END,
                b.error, 'an error') AS error
FROM calls c LEFT JOIN below b USING (run_id, step_id)
WHERE c.status = 'error' OR b.step_id IS NOT NULL OR det_error_report(c.output);

INSERT INTO det_out
WITH unrecovered AS (
    SELECT f.* FROM det_calls_failed f
    WHERE NOT EXISTS (SELECT 1 FROM steps c
                      WHERE c.run_id = f.run_id AND c.kind IN ('tool', 'retriever') AND c.step_id <> f.step_id
                        AND c.rowid BETWEEN $row_lo AND $row_hi
                        AND coalesce(c.tool, c.name) IS NOT DISTINCT FROM f.tool
                        AND coalesce(epoch_us(c.started_at)::DOUBLE, c.seq::DOUBLE) >= f.t0
                        AND NOT EXISTS (SELECT 1 FROM det_calls_failed x WHERE x.run_id = c.run_id AND x.step_id = c.step_id))
),
first AS (
    SELECT run_id, arg_min({'step_id': step_id, 'agent': agent, 'tool': tool, 'error': error, 't1': t1},
                           [t1, t0]) AS f, count(*) AS n
    FROM unrecovered GROUP BY run_id
)
SELECT x.run_id, x.f.step_id, x.f.agent, 'gave_up',
       CASE WHEN r.reported_outcome = 'success' THEN 'critical' ELSE 'warning' END,
       coalesce(x.f.agent, 'an agent') || '''s call of ' || coalesce(x.f.tool, 'a tool') || ' failed ("'
       || det_quote(x.f.error, 100) || '") and was not made again with success; the answer gave up: "'
       || det_quote(a.txt, 120) || '"'
       || CASE WHEN r.reported_outcome = 'success' THEN ' (the run reported success)' ELSE '' END,
       json_object('tool', x.f.tool, 'answer_step', a.step_id, 'failed_calls', x.n, 'reported_outcome', r.reported_outcome)
FROM first x
JOIN det_gave_up_answers a ON a.run_id = x.run_id
JOIN runs r ON r.run_id = x.run_id
WHERE a.t1 >= x.f.t1
  AND NOT EXISTS (SELECT 1 FROM det_sink_vals v JOIN det_backend_vals b ON b.run_id = v.run_id AND b.v = v.v
                  WHERE v.run_id = a.run_id AND v.step_id = a.step_id AND v.field = 'output' AND b.num IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM det_gave_up_stated g
                  WHERE g.run_id = a.run_id AND NOT contains(coalesce(x.f.error, ''), g.token)
                    AND NOT EXISTS (SELECT 1 FROM det_task_vals t WHERE t.run_id = g.run_id AND t.num = g.num)
                    AND NOT EXISTS (SELECT 1 FROM det_sink_vals i WHERE i.run_id = g.run_id AND i.field = 'input'
                                                                   AND i.kind = 'tool' AND i.num = g.num));
