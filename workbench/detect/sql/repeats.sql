-- Repeated replies: an agent saying the same thing, or nearly, in $repeat_min_replies or more of its
-- replies in a row (others may speak between): an agent stuck asking for what it will not get, or
-- a model handed the same state again and again until a recursion limit stops it. The same: equal
-- but for case and whitespace. Nearly: two replies of 80 characters or more, of about the same
-- length, that open with the same words (det_head_words) and whose word sets overlap by
-- $repeat_similarity (a page read again with another timestamp, not the same template filled in
-- for another item); in a short reply one word is the difference between two answers. Replies of fewer
-- than $repeat_min_words words ("OK", "TERMINATE", "Thanks!") are left out: healthy runs repeat those.
-- Each reply beside the agent's reply before it, kept only where the two are the same or may be
-- nearly. One ordering of the chunk by a hash of (run, agent), then the order of the run: an
-- agent's replies are neighbours, and integers sort faster than the strings themselves (the rows
-- kept are looked up again by rowid).
CREATE OR REPLACE TEMP TABLE det_rep_pairs AS
SELECT r.run_id, r.agent, r.step_id, p.k, p.same, p.maybe, q.step_id AS prev_step
FROM (
    SELECT * FROM (
    SELECT rid, prev, k, h = h0 AS same,
           h <> h0 AND least(n_chars, n0) >= 80 AND least(n_chars, n0) >= $repeat_similarity * greatest(n_chars, n0) AS maybe
    FROM (SELECT rid, key, h, n_chars, lag(key) OVER w AS key0, lag(h) OVER w AS h0, lag(n_chars) OVER w AS n0,
                 lag(rid) OVER w AS prev, row_number() OVER w AS k
          FROM (SELECT rowid AS rid, hash(run_id, agent) AS key, seq, h, n_chars FROM det_replies
                WHERE n_words >= $repeat_min_words)
          WINDOW w AS (ORDER BY key, seq))
    WHERE key = key0)
    WHERE same OR maybe) p
JOIN det_replies r ON r.rowid = p.rid
JOIN det_replies q ON q.rowid = p.prev;

-- [section needs_det_rep_pairs]
-- (every repeat below is a pair of det_rep_pairs: none, no finding; skipped then, by the runner. A chain of
-- $repeat_min_replies replies is that many less one pairs of one agent's: the agents with that many, or none)
CREATE OR REPLACE TEMP TABLE det_rep_agents AS
SELECT run_id, agent FROM det_rep_pairs GROUP BY run_id, agent HAVING count(*) + 1 >= $repeat_min_replies;

-- [section needs_det_rep_agents]
INSERT INTO det_out
-- word sets only for the replies of a pair that may be nearly the same
WITH worded AS (
    SELECT r.run_id, r.step_id, list_distinct(regexp_extract_all(lower(r.txt), '[\pL\pN]+')) AS words,
           det_head_words(r.txt) AS head
    FROM det_replies r
    SEMI JOIN (SELECT run_id, step_id FROM det_rep_pairs WHERE maybe
               UNION SELECT run_id, prev_step FROM det_rep_pairs WHERE maybe) m
      ON m.run_id = r.run_id AND m.step_id = r.step_id
),
repeated AS (
    SELECT * FROM (
        SELECT p.run_id, p.agent, p.k, p.step_id, p.prev_step,
               CASE WHEN p.same THEN 1.0
                    WHEN x.head <> y.head THEN 0.0   -- about another item: no repeat, however alike the rest
                    ELSE len(list_intersect(x.words, y.words)) / len(list_distinct(list_concat(x.words, y.words))) END AS sim
        FROM det_rep_pairs p
        LEFT JOIN worded x ON x.run_id = p.run_id AND x.step_id = p.step_id
        LEFT JOIN worded y ON y.run_id = p.run_id AND y.step_id = p.prev_step)
    WHERE sim >= $repeat_similarity
),
chains AS (
    SELECT run_id, agent, arg_min(prev_step, k) AS first_step, arg_max(step_id, k) AS last_step,
           count(*) + 1 AS replies, min(sim) AS sim
    FROM (SELECT *, k - row_number() OVER (PARTITION BY run_id, agent ORDER BY k) AS grp FROM repeated)
    GROUP BY run_id, agent, grp
    HAVING count(*) + 1 >= $repeat_min_replies
)
SELECT ch.run_id, ch.first_step, ch.agent, 'repeated_reply',
       CASE WHEN ch.replies >= 2 * $repeat_min_replies THEN 'critical' ELSE 'warning' END,
       coalesce(ch.agent, 'a step outside any agent') || ' said '
       || CASE WHEN ch.sim = 1 THEN 'the same thing ' ELSE 'nearly the same thing ' END || ch.replies
       || ' times in a row: "' || det_quote(
              -- the text of a JSON message is read from the JSON as written: its line breaks and quotes
              -- still escaped (a DSPy reply quoted as "]]\n\n[[ ##"), unescaped here for the quote. A reply
              -- under 80 characters keeps no text in det_replies: its message's text is read again as
              -- det_replies read it (quoted as the raw chat list, the reply read as
              -- "[{"role":"assistant","content":"A widget costs…": the JSON, not what the agent said)
              CASE WHEN ascii(ltrim(o.output)) IN (123, 91) AND json_valid(o.output)
                   THEN replace(replace(regexp_replace(coalesce(r.txt,
                            CASE WHEN regexp_matches(o.output, '"(?:text|content)"\s*:\s*"')
                                 THEN array_to_string(regexp_extract_all(o.output,
                                          '"(?:text|content)"\s*:\s*"((?:[^"\\]|\\.)*)"', 1), ' ')
                                 ELSE o.output END),
                        '\\[nrt]', ' ', 'g'), '\"', '"'), '\\', '\')
                   ELSE coalesce(r.txt, o.output) END, 80) || '"',
       json_object('replies', ch.replies, 'first_step', ch.first_step, 'last_step', ch.last_step,
                   'similarity', round(ch.sim, 3))
FROM chains ch
JOIN det_replies r ON r.run_id = ch.run_id AND r.step_id = ch.first_step
JOIN steps o ON o.run_id = ch.run_id AND o.step_id = ch.first_step AND o.rowid BETWEEN $row_lo AND $row_hi;
