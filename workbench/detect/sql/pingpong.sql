-- Ping-pong: two agents bouncing the same work back and forth without progress. A bounce is a turn
-- of agent A, right after a turn of B that came right after A's previous turn (A→B→A), that says
-- what A's previous turn said, with nothing new in it or in B's turn between: no new tool result (a
-- successful call whose output the run had not seen), and no value in B's turn that B's turn
-- before did not state. Says what it said: the same replies and tool outputs
-- (equal but for case and whitespace), or nearly — both of 80 characters or more, of about the
-- same length, their long texts opening with the same words (det_head_words) and their word sets
-- overlapping by $repeat_similarity. A stretch of bounces between the
-- same two agents, each within two turns of the last, spanning at least $pingpong_min_exchanges
-- hand-offs is ping-pong. An orchestrator handing a worker one new request after another, or an
-- expert and its code executor making headway, are not.

-- the turns a bounce compares: its own, the other agent's before it, its agent's before that, and
-- the other agent's turn before that (what the other agent had already said)
CREATE OR REPLACE TEMP TABLE det_pp_turns AS
WITH w AS (
    SELECT run_id, t, step_id, seq, next_seq, agent, lag(agent) OVER v AS a1, lag(agent, 2) OVER v AS a2
    FROM det_turns WINDOW v AS (PARTITION BY run_id ORDER BY t)
),
cand AS (SELECT run_id, t FROM w WHERE agent = a2),
needed AS (SELECT run_id, t FROM cand UNION SELECT run_id, t - 1 FROM cand UNION SELECT run_id, t - 2 FROM cand
           UNION SELECT run_id, t - 3 FROM cand)
SELECT w.* FROM w SEMI JOIN needed n ON n.run_id = w.run_id AND n.t = w.t;

-- [section needs_det_pp_turns]
-- (the said and the pairs below are of det_pp_turns' turns: none, none; skipped then, by the runner, and with them
-- the section that needs det_pp_pairs)
-- What each of those turns said: its replies and its tool outputs, in order (as det_replies keeps
-- them: a hash of each, and the first 2,000 characters of each of 80 or more), and whether it
-- brought a new tool result.
CREATE OR REPLACE TEMP TABLE det_pp_said AS
WITH tools AS (
    SELECT run_id, seq, agent, status, output,
           row_number() OVER (PARTITION BY run_id, hash(coalesce(tool, name), output) ORDER BY seq) = 1 AS first_time
    FROM steps SEMI JOIN (SELECT DISTINCT run_id FROM det_pp_turns) r USING (run_id)
    WHERE kind = 'tool' AND steps.rowid BETWEEN $row_lo AND $row_hi
)
SELECT p.run_id, p.t, r.seq, r.txt, r.n_chars, r.h, false AS progress FROM det_pp_turns p
JOIN det_replies r ON r.run_id = p.run_id AND r.agent = p.agent AND r.seq >= p.seq
 AND (p.next_seq IS NULL OR r.seq < p.next_seq)
UNION ALL
SELECT p.run_id, p.t, x.seq, CASE WHEN length(x.output) >= 80 THEN left(x.output, 2000) END,
       coalesce(length(x.output), 0), hash(x.output),
       x.status IS DISTINCT FROM 'error' AND x.first_time
FROM det_pp_turns p
JOIN tools x ON x.run_id = p.run_id AND x.agent = p.agent AND x.seq >= p.seq AND (p.next_seq IS NULL OR x.seq < p.next_seq);

-- each turn beside the two before it (a window, not joins: joined on the run alone the planner may
-- compare every pair of a run's turns)
CREATE OR REPLACE TEMP TABLE det_pp_pairs AS
SELECT * FROM (
    SELECT run_id, t, agent, a1, a2, lag(agent, 3) OVER v AS a3, h, n_chars, progress,
           lag(t) OVER v AS t1, lag(progress) OVER v AS progress1,
           lag(t, 2) OVER v AS t2, lag(h, 2) OVER v AS h2, lag(n_chars, 2) OVER v AS n_chars2
    FROM (SELECT p.run_id, p.t, p.agent, p.a1, p.a2, s.h, coalesce(s.n_chars, 0) AS n_chars,
                 coalesce(s.progress, false) AS progress
          FROM det_pp_turns p
          LEFT JOIN (SELECT run_id, t, hash(list(h ORDER BY seq)) AS h, sum(n_chars) AS n_chars,
                            bool_or(progress) AS progress
                     FROM det_pp_said GROUP BY ALL) s ON s.run_id = p.run_id AND s.t = p.t)
    WINDOW v AS (PARTITION BY run_id ORDER BY t))
WHERE agent = a2 AND t1 = t - 1 AND t2 = t - 2 AND NOT progress AND NOT progress1 AND n_chars > 0
  AND (h = h2 OR (least(n_chars, n_chars2) >= 80 AND least(n_chars, n_chars2) >= $repeat_similarity * greatest(n_chars, n_chars2)));

-- [section needs_det_pp_pairs]
-- (every bounce below is a pair of det_pp_pairs: none, no finding; skipped then, by the runner)
INSERT INTO det_out
-- word sets only for turns of a pair that may be nearly the same
WITH worded AS (
    SELECT run_id, t, list_distinct(flatten(list(regexp_extract_all(lower(txt), '[\pL\pN]+')))) AS words,
           list_sort(list_distinct(flatten(list(det_head_words(txt)) FILTER (txt IS NOT NULL)))) AS head
    FROM det_pp_said
    SEMI JOIN (SELECT run_id, t FROM det_pp_pairs WHERE h <> h2 UNION SELECT run_id, t - 2 FROM det_pp_pairs WHERE h <> h2) m
      USING (run_id, t)
    GROUP BY run_id, t
),
repeats AS (
    SELECT p.run_id, p.t, p.agent, p.a1, p.a3
    FROM det_pp_pairs p
    LEFT JOIN worded x ON x.run_id = p.run_id AND x.t = p.t
    LEFT JOIN worded z ON z.run_id = p.run_id AND z.t = p.t - 2
    WHERE p.h = p.h2
       OR len(x.words) > 0 AND len(z.words) > 0 AND x.head = z.head
          AND len(list_intersect(x.words, z.words)) >= $repeat_similarity * len(list_distinct(list_concat(x.words, z.words)))
),
-- The values the other agent's turn states (identifiers such as SKU-7, decimals, numbers from
-- $silent_min_value up: det_value_tokens, as the groundedness check reads them, a UUID as one token
-- and, like the ids an LLM API hands out, no value), beside those of its turn before: a worker that
-- answers the same request with new figures (a new page, a new result) made progress.
valued AS (
    SELECT run_id, t, list_distinct(flatten(list(det_value_tokens(txt)))) AS vals
    FROM det_pp_said
    SEMI JOIN (SELECT run_id, t - 1 AS t FROM repeats UNION SELECT run_id, t - 3 FROM repeats) m USING (run_id, t)
    GROUP BY run_id, t
),
bounces AS (
    SELECT r.run_id, r.t, r.agent, least(r.agent, r.a1) AS lo, greatest(r.agent, r.a1) AS hi
    FROM repeats r
    LEFT JOIN valued y ON y.run_id = r.run_id AND y.t = r.t - 1
    LEFT JOIN valued w ON w.run_id = r.run_id AND w.t = r.t - 3 AND r.a3 = r.a1
    WHERE len(list_filter(coalesce(y.vals, []), lambda v: (ascii(v) >= 65 OR contains(v, '.')
                                                          OR abs(det_value_num(v)) >= $silent_min_value)
                                                         AND NOT ((contains(v, '-') OR contains(v, '_'))
                                                                  AND regexp_matches(v, $not_value))
                                                         AND NOT list_contains(coalesce(w.vals, []), v))) = 0
),
grouped AS (
    SELECT *, sum(CASE WHEN t - prev_t <= 2 THEN 0 ELSE 1 END)
                  OVER (PARTITION BY run_id, lo, hi ORDER BY t ROWS UNBOUNDED PRECEDING) AS grp
    FROM (SELECT *, lag(t) OVER (PARTITION BY run_id, lo, hi ORDER BY t) AS prev_t FROM bounces)
),
streaks AS (
    SELECT run_id, grp, min(t) AS t_first, max(t) - min(t) + 2 AS exchanges, count(*) AS n,
           list(DISTINCT agent ORDER BY agent) AS repeaters
    FROM grouped GROUP BY run_id, lo, hi, grp
)
SELECT s.run_id, a.step_id, a.agent, 'ping_pong',
       CASE WHEN s.exchanges >= 2 * $pingpong_min_exchanges THEN 'critical' ELSE 'warning' END,
       a.agent || ' and ' || b.agent || ' handed the work back and forth ' || s.exchanges
       || ' times without progress: ' || array_to_string(s.repeaters, ' and ') || ' said again what '
       || CASE WHEN len(s.repeaters) = 1 THEN 'it' ELSE 'they' END || ' had said (' || s.n
       || ' time(s)), with no new tool result or value between',
       json_object('agents', [a.agent, b.agent], 'exchanges', s.exchanges, 'bounces', s.n,
                   'repeated_by', s.repeaters, 'first_step', a.step_id)
FROM streaks s
JOIN det_turns a ON a.run_id = s.run_id AND a.t = s.t_first - 2
JOIN det_turns b ON b.run_id = s.run_id AND b.t = s.t_first - 1
WHERE s.exchanges >= $pingpong_min_exchanges;
