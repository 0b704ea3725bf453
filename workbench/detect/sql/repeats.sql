-- Repeated replies: an agent saying the same thing, or nearly, in $repeat_min_replies or more of its
-- replies in a row (others may speak between): an agent stuck asking for what it will not get, or
-- a model handed the same state again and again until a recursion limit stops it. The same: equal
-- but for case and whitespace. Nearly: two replies of 80 characters or more, of about the same
-- length, whose word sets overlap by $repeat_similarity (a page read again with another
-- timestamp); in a short reply one word is the difference between two answers. Replies of fewer
-- than $repeat_min_words words ("OK", "TERMINATE", "Thanks!") are left out: healthy runs repeat those.
INSERT INTO det_out
WITH said AS (
    -- one ordering of the chunk: an agent's replies in a run are consecutive numbers
    SELECT run_id, step_id, agent, h, n_chars, txt, row_number() OVER (ORDER BY run_id, agent, seq) AS k
    FROM det_replies WHERE n_words >= $repeat_min_words
),
pairs AS (
    SELECT c.run_id, c.agent, c.k, c.h = b.h AS same,
           c.h <> b.h AND least(c.n_chars, b.n_chars) >= 80
           AND least(c.n_chars, b.n_chars) >= $repeat_similarity * greatest(c.n_chars, b.n_chars) AS maybe
    FROM said c JOIN said b ON b.run_id = c.run_id AND b.k = c.k - 1
    WHERE b.agent IS NOT DISTINCT FROM c.agent
),
-- word sets only for the replies of a pair that may be nearly the same
worded AS (
    SELECT s.run_id, s.k, list_distinct(regexp_extract_all(lower(s.txt), '[\pL\pN]+')) AS words
    FROM said s
    SEMI JOIN (SELECT run_id, k FROM pairs WHERE maybe UNION SELECT run_id, k - 1 FROM pairs WHERE maybe) m
      ON m.run_id = s.run_id AND m.k = s.k
),
repeated AS (
    SELECT * FROM (
        SELECT p.run_id, p.agent, p.k,
               CASE WHEN p.same THEN 1.0
                    ELSE len(list_intersect(x.words, y.words)) / len(list_distinct(list_concat(x.words, y.words))) END AS sim
        FROM pairs p
        LEFT JOIN worded x ON x.run_id = p.run_id AND x.k = p.k
        LEFT JOIN worded y ON y.run_id = p.run_id AND y.k = p.k - 1
        WHERE p.same OR p.maybe)
    WHERE sim >= $repeat_similarity
),
chains AS (
    SELECT run_id, agent, min(k) - 1 AS k_first, max(k) AS k_last, count(*) + 1 AS replies, min(sim) AS sim
    FROM (SELECT *, k - row_number() OVER (PARTITION BY run_id, agent ORDER BY k) AS grp FROM repeated)
    GROUP BY run_id, agent, grp
    HAVING count(*) + 1 >= $repeat_min_replies
)
SELECT ch.run_id, f.step_id, ch.agent, 'repeated_reply',
       CASE WHEN ch.replies >= 2 * $repeat_min_replies THEN 'critical' ELSE 'warning' END,
       coalesce(ch.agent, 'a step outside any agent') || ' said '
       || CASE WHEN ch.sim = 1 THEN 'the same thing ' ELSE 'nearly the same thing ' END || ch.replies
       || ' times in a row: "' || left(regexp_replace(trim(f.txt), '\s+', ' ', 'g'), 80) || '"',
       json_object('replies', ch.replies, 'first_step', f.step_id, 'last_step', l.step_id,
                   'similarity', round(ch.sim, 3))
FROM chains ch
JOIN said f ON f.run_id = ch.run_id AND f.k = ch.k_first
JOIN said l ON l.run_id = ch.run_id AND l.k = ch.k_last;
