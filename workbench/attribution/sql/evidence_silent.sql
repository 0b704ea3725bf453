-- attribution/_evidence.py: each run in scope (_ev_scope) with a finding of the detector $detector naming an agent:
-- silent_failure's first stater of the wrong value (detect/sql/silent.sql), gave_up's agent whose tool call failed
-- before the answer gave up (detect/sql/gave_up.sql), in a run that did not report a failure (failed by a label, or
-- taken as failed): run_id, agent, step_id, seq, detail, quiet.
-- quiet (silent_failure's only): the agents the value may have come from as well, when the log cannot tell: the first stater's input is
-- in no span (what it was handed is unknown) and other agents acted before it without a word of theirs in the
-- log (no output of a model call, agent or person of theirs: ADK's researcher under OpenInference, whose model
-- spans are not written, hands its words to the writer in a conversation no span holds). Each with its last
-- step begun before the first stater's, the latest first: a list of {agent, step_id, seq}, empty when the log
-- shows where the value came from.
WITH picked AS (
    SELECT run_id, arg_min(agent, k) AS agent, arg_min(step_id, k) AS step_id, arg_min(seq, k) AS seq,
           arg_min(detail, k) AS detail
    FROM (  -- a critical finding before a warning, then the earliest step
        SELECT f.run_id, f.agent, f.step_id, s.seq, f.detail,
               [CASE f.severity WHEN 'critical' THEN 0 ELSE 1 END, coalesce(s.seq, 9223372036854775807)] AS k
        FROM findings f SEMI JOIN _ev_scope USING (run_id)
        JOIN runs r ON r.run_id = f.run_id
        LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
        -- (a run that reported its failure says how it failed itself, by its error chain: evidence_error.sql. A
        -- give-up in a run that declared failure, Who&When's, would otherwise name the code executor whose run
        -- failed before the chat ended without an answer: the log's own word on the failure is the declaration)
        WHERE f.detector = $detector AND f.agent IS NOT NULL AND f.severity IN ('critical', 'warning')
          AND r.reported_outcome IS DISTINCT FROM 'failure')
    GROUP BY run_id
),
unseen AS (  -- first staters whose input no span holds, and when they began
    SELECT p.run_id, p.agent, coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE) AS t0
    FROM picked p JOIN steps s ON s.run_id = p.run_id AND s.step_id = p.step_id
    WHERE $detector = 'silent_failure' AND (s.input IS NULL OR trim(s.input) = '')
),
quiet AS (
    SELECT s.run_id, s.agent, arg_max(s.step_id, [coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE), s.seq]) AS step_id,
           arg_max(s.seq, [coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE), s.seq]) AS seq,
           max(coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE)) AS t
    FROM unseen u JOIN steps s ON s.run_id = u.run_id AND s.agent IS NOT NULL AND s.agent <> u.agent
    WHERE coalesce(epoch_us(s.started_at)::DOUBLE, s.seq::DOUBLE) < u.t0
      AND NOT EXISTS (SELECT 1 FROM steps w WHERE w.run_id = s.run_id AND w.agent = s.agent
                      AND w.kind IN ('llm', 'agent', 'human') AND trim(coalesce(w.output, '')) <> '')
    GROUP BY s.run_id, s.agent
)
SELECT p.run_id, p.agent, p.step_id, p.seq, p.detail,
       coalesce(list({'agent': q.agent, 'step_id': q.step_id, 'seq': q.seq} ORDER BY q.t DESC, q.agent)
                    FILTER (WHERE q.agent IS NOT NULL), []) AS quiet
FROM picked p LEFT JOIN quiet q USING (run_id)
GROUP BY p.run_id, p.agent, p.step_id, p.seq, p.detail
