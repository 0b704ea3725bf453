"""Per-step and per-agent features of failed runs, computed in DuckDB, for log-only attribution.

A *move* is a step an agent makes: every step except the run's root (``kind = 'system'``) and
scope spans (steps that are the parent of other steps, such as an agent span around its LLM and
tool calls). A Who&When turn is a move; so is an LLM call, a tool call, a hand-off, a human action.

Every feature is named in :data:`FEATURES` with the part of the log it needs:

========== ==================================================================== ======================
needs      what it is                                                          text-only logs
========== ==================================================================== ======================
structure  order, speakers, position, agent turns, hand-offs                   yes
text       content length, numbers, hedging / error words, code, questions,    yes
           repetition, made-up values (tokens nothing earlier contains),
           later contradictions
edges      data lineage: consumers, inputs, reaching the final answer          yes (transcript order)
status     error flags, error classes, failing consumers, retries              partly (exit codes)
timing     latency and its z-scores                                            no (no timestamps)
tokens     token counts                                                        no
logprobs   confidence, entropy and their z-scores / ranks                      no (no log-probs)
findings   detector hits on the step and on its agent (``wb.detect``)          yes
========== ==================================================================== ======================

A text-only log such as Who&When has no timestamps (no latency), no tool status beyond what a
code-execution turn prints (its exit code), no token counts and no log-probabilities: those
features are null there, never made up, and :func:`feature_availability` says which are missing.
Null features keep their missing-value indicators (``*_missing``) so a model can tell "unknown"
from "low".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..store._own_connection import own_cursor
from ..store._run_scope import fill_run_scope

# name -> (needs, description). Order is the model's column order.
FEATURES: dict[str, tuple[str, str]] = {
    "position": ("structure", "0-based position among the run's moves"),
    "rel_pos": ("structure", "position / (moves - 1)"),
    "pos_from_end": ("structure", "moves after this one"),
    "n_moves": ("structure", "moves in the run"),
    "is_last": ("structure", "the run's last move"),
    "is_tool": ("structure", "a tool or retriever call"),
    "is_handoff": ("structure", "a hand-off step"),
    "is_human": ("structure", "a human turn"),
    "is_model": ("structure", "an LLM call or an agent's own turn"),
    "first_of_agent": ("structure", "the agent's first move in the run"),
    "agent_turn": ("structure", "how many times the agent has taken over so far"),
    "handoff_in": ("structure", "first move after another agent's"),
    "handoff_out": ("structure", "last move before another agent's"),
    "agent_share": ("structure", "share of the run's moves made by this agent"),
    "agent_first_rel": ("structure", "relative position of the agent's first move"),
    "first_model_turn": ("structure", "the run's first non-human, non-tool move"),
    "out_len": ("text", "log1p of the output length in characters"),
    "n_numbers": ("text", "numbers in the output"),
    "hedge_words": ("text", "hedging words (maybe, assume, simulated, stale ...)"),
    "error_words": ("text", "error, exception, traceback, failed ... in the output"),
    "contra_words": ("text", "incorrect, mistake, mismatch, rejected ... in the output"),
    "has_code": ("text", "a code block or code in the output"),
    "questions": ("text", "question marks in the output"),
    "sim_prev": ("text", "word Jaccard similarity with the previous move"),
    "sim_prev_agent": ("text", "word Jaccard similarity with the agent's previous move"),
    "repeat_agent": ("text", "output identical to the agent's previous move"),
    "novel_values": ("text", "values (tokens with digits) no earlier step, input or the task contains"),
    "novel_frac": ("text", "share of the output's values that are novel"),
    "novel_word_frac": ("text", "share of the output's words that are novel"),
    "novel_echoed": ("text", "later steps that repeat one of this move's novel values"),
    "contra_ref": ("text", "later moves of other agents with contradiction words that cite its values"),
    "contra_after": ("text", "later moves of other agents with contradiction words"),
    "contra_dist": ("text", "moves until the next contradiction by another agent"),
    "contra_next": ("text", "the next move is another agent's contradiction"),
    "n_consumers": ("edges", "steps that consume this move's output"),
    "n_consumer_agents": ("edges", "other agents that consume it"),
    "n_inputs": ("edges", "steps whose output this move consumes"),
    "reaches_final": ("edges", "its output reaches the run's last move along consumes/hand-off edges"),
    "is_error": ("status", "status is error and not handled (null when the log has no status)"),
    "status_missing": ("status", "the log gives no ok/error status"),
    "has_error_text": ("status", "an error message is recorded"),
    "error_env": ("status", "the error looks environmental (rate limit, timeout, 5xx)"),
    "error_input": ("status", "the error looks caused by the call (4xx, schema, not found)"),
    "is_first_error": ("status", "the run's first unhandled error"),
    "since_first_error": ("status", "position minus the first error's (null: no error)"),
    "next_error": ("status", "the next move is an error"),
    "next_agent_error": ("status", "the agent's next move is an error"),
    "consumer_error": ("status", "a step consuming this output failed"),
    "consumer_error_input": ("status", "a consumer failed with a caller-caused error"),
    "is_retry": ("status", "a call repeating an earlier unhandled failed call (same tool and input)"),
    "same_call": ("status", "calls with the same agent, tool and input in the run"),
    "agent_errors": ("status", "error moves of this agent in the run"),
    "handled_failure": (
        "status",
        "a failed call that a later same call (same agent and tool, or same tool and "
        "input) made without failing: handled, so not counted as an error above",
    ),
    "latency": ("timing", "log1p latency in ms"),
    "latency_missing": ("timing", "no latency"),
    "latency_z_run": ("timing", "latency z-score among the run's moves of the same kind"),
    "latency_z_peer": ("timing", "latency z-score among the same agent's same-named steps in the store"),
    "tokens_in": ("tokens", "log1p input tokens"),
    "tokens_out": ("tokens", "log1p output tokens"),
    "tokens_missing": ("tokens", "no token counts"),
    "agent_tool_calls": ("structure", "tool calls of this agent in the run"),
    "confidence": ("logprobs", "confidence in [0, 1]"),
    "confidence_missing": ("logprobs", "no confidence"),
    "conf_z_peer": ("logprobs", "confidence z-score among the same agent's same-named steps"),
    "conf_z_run": ("logprobs", "confidence z-score within the run"),
    "conf_rank": ("logprobs", "percentile of confidence within the run (0 = lowest)"),
    "is_min_conf": ("logprobs", "the run's least confident move"),
    "entropy": ("logprobs", "entropy in nats"),
    "entropy_missing": ("logprobs", "no entropy"),
    "ent_z_peer": ("logprobs", "entropy z-score among the same agent's same-named steps"),
    "is_max_entropy": ("logprobs", "the run's most uncertain move"),
    "agent_min_conf_z": ("logprobs", "lowest peer confidence z-score of the agent's moves"),
    "det_hits": ("findings", "detector findings on the move (not 'info', not a recovered retry)"),
    "det_info": ("findings", "'info' findings on the move (e.g. built on a cascade)"),
    "det_loop": ("findings", "loop / storm findings on the move"),
    "det_retry": ("findings", "retry findings on the move whose last attempt failed too"),
    "det_value": ("findings", "silent-failure / cascade-origin findings on the move"),
    "det_breach": ("findings", "latency / depth / hand-off breach findings on the move"),
    "det_first": ("findings", "the run's first move with a (non-info) finding"),
    "agent_det_hits": ("findings", "non-info findings on this agent in the run"),
    "agent_pingpong": ("findings", "ping-pong findings naming this agent in the run"),
}
FEATURE_NAMES: list[str] = list(FEATURES)
ID_COLUMNS = ["run_id", "step_id", "agent", "kind", "pos"]

_HEDGE = (
    r"\b(maybe|might|perhaps|possibly|probably|likely|unclear|not sure|uncertain|assum\w*|approximat\w*|"
    r"seems?|appears?|guess\w*|stale|i think|i believe|hypothetical|simulat\w*|placeholder|estimate\w*)\b"
)
_ERRW = (
    r"\b(error|errors|exception|traceback|failed|failure|fatal|unable|cannot|could not|timed out|timeout)\b"
)
_CONTRA = (
    r"(incorrect|mistake|wrong|inaccura|mismatch|discrepan|reject|invalid|not match|not found|"
    r"not correct|erroneous|not_found|does not exist|doesn't match|not accurate)"
)
_ENV = r"(rate limit|too many requests|429|timeout|timed out|50[0-4]|unavailable|connection|overload)"
_INPUT = (
    r"(4(00|04|09|22)|invalid|unexpected argument|missing required|must be|schema|not found|conflict|no such)"
)
_TOKENS = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"

_SQL = [
    # Every step of the runs in scope, in a total order (seq, then the source's order hint).
    """CREATE OR REPLACE TEMP TABLE _bf_all AS
    SELECT s.run_id, s.step_id, s.parent_id, s.kind, s.agent, s.name, s.tool, s.status, s.error, s.input,
           s.output, s.latency_ms, s.tokens_in, s.tokens_out, s.confidence, s.entropy, r.system,
           row_number() OVER (PARTITION BY s.run_id ORDER BY s.seq NULLS LAST, s.order_hint NULLS LAST,
                              s.step_id) AS ord
    FROM steps s JOIN runs r ON r.run_id = s.run_id SEMI JOIN _bf_scope c ON c.run_id = s.run_id""",
    # Moves, with their text reduced to scalars here so the window functions below sort narrow rows.
    """CREATE OR REPLACE TEMP TABLE _bf_m AS
    WITH m AS (
        SELECT a.*, lower(coalesce(output, '')) AS low, lower(coalesce(error, '')) AS elow FROM _bf_all a
        WHERE kind IS DISTINCT FROM 'system'
          AND NOT EXISTS (SELECT 1 FROM _bf_all c WHERE c.run_id = a.run_id AND c.parent_id = a.step_id))
    SELECT run_id, step_id, ord, kind, agent, name, tool, status, latency_ms, tokens_in, tokens_out, confidence,
           entropy, system, CASE WHEN input IS NOT NULL THEN hash(input) END AS in_h,
           CASE WHEN output IS NOT NULL THEN hash(output) END AS out_h,
           row_number() OVER (PARTITION BY run_id ORDER BY ord) - 1 AS pos,
           count(*) OVER (PARTITION BY run_id) AS n_moves,
           list_distinct(regexp_extract_all(low, $tokens)) AS words, regexp_matches(low, $contra) AS contra,
           ln(1 + length(coalesce(output, ''))) AS out_len, len(regexp_extract_all(low, '\\d+(?:\\.\\d+)?')) AS n_numbers,
           len(regexp_extract_all(low, $hedge)) AS hedge_words, len(regexp_extract_all(low, $errw)) AS error_words,
           len(regexp_extract_all(low, $contra)) AS contra_words,
           contains(low, '```') OR regexp_matches(low, '(^|\\n)\\s*(def |import |from \\w+ import|print\\()') AS has_code,
           length(low) - length(replace(low, '?', '')) AS questions, elow <> '' AS has_error_text,
           regexp_matches(elow, $env) AS error_env, regexp_matches(elow, $input) AS error_input
    FROM m""",
    # A failed call is handled when a later move repeats it (same agent and tool, or same tool and input)
    # without failing: the agent recovered, so the failure is no evidence of blame (blame13: the model
    # learnt "a failed tool call marks the culprit" and named the agent of a retried, recovered call).
    """CREATE OR REPLACE TEMP TABLE _bf_hd AS
    SELECT DISTINCT f.run_id, f.step_id FROM _bf_m f
    JOIN _bf_m l ON l.run_id = f.run_id AND l.tool = f.tool AND l.pos > f.pos
        AND (l.agent IS NOT DISTINCT FROM f.agent OR l.in_h = f.in_h) AND l.status IS DISTINCT FROM 'error'
    WHERE f.status = 'error' AND f.tool IS NOT NULL""",
    """CREATE OR REPLACE TEMP MACRO _bf_jac(a, b) AS
    CASE WHEN a IS NULL OR b IS NULL THEN NULL
         ELSE len(list_intersect(a, b)) / greatest(len(list_distinct(list_concat(a, b))), 1) END""",
    """CREATE OR REPLACE TEMP TABLE _bf_sim AS
    SELECT run_id, step_id, _bf_jac(words, lag(words) OVER (PARTITION BY run_id ORDER BY pos)) AS sim_prev,
           _bf_jac(words, lag(words) OVER (PARTITION BY run_id, agent ORDER BY pos)) AS sim_prev_agent
    FROM _bf_m""",
    # Tokens of the task (t = 0), of each step's input (2 ord) and output (2 ord + 1): a value is
    # made up at a move when the move's output is the first place it occurs.
    """CREATE OR REPLACE TEMP TABLE _bf_tok AS
    WITH src AS (
        SELECT r.run_id, NULL::VARCHAR AS step_id, 0 AS t, r.task AS txt
        FROM runs r SEMI JOIN _bf_scope c ON c.run_id = r.run_id
        UNION ALL SELECT run_id, step_id, 2 * ord, input FROM _bf_all
        UNION ALL SELECT run_id, step_id, 2 * ord + 1, output FROM _bf_all)
    SELECT run_id, step_id, t, unnest(list_distinct(regexp_extract_all(lower(txt), $tokens))) AS tok
    FROM src WHERE txt IS NOT NULL""",
    """CREATE OR REPLACE TEMP TABLE _bf_first AS
    SELECT run_id, tok, min(t) AS t0, regexp_matches(tok, '[0-9]') AS val,
           -- for novelty="run" (``solo_word_frac``): how many outputs have the word, whether the task does, and the
           -- first input that does (an input echoes the outputs before it, so only those at or before a move count)
           count(*) FILTER (t % 2 = 1) AS n_out, bool_or(t = 0) AS in_task,
           min(t) FILTER (t % 2 = 0 AND t > 0) AS t0_in
    FROM _bf_tok GROUP BY run_id, tok""",
    """CREATE OR REPLACE TEMP TABLE _bf_nov AS
    SELECT o.run_id, o.step_id, count(*) FILTER (f.val) AS n_val, count(*) FILTER (f.val AND f.t0 = o.t) AS n_nov,
           count(*) AS n_word, count(*) FILTER (f.t0 = o.t) AS n_nov_word,
           count(*) FILTER (f.n_out = 1 AND NOT f.in_task AND coalesce(f.t0_in > o.t, true)) AS n_solo_word
    FROM _bf_tok o JOIN _bf_first f ON f.run_id = o.run_id AND f.tok = o.tok
    WHERE o.t % 2 = 1 GROUP BY o.run_id, o.step_id""",
    # Later steps that repeat a move's made-up values, and later contradictions citing its values.
    """CREATE OR REPLACE TEMP TABLE _bf_echo AS
    SELECT o.run_id, o.step_id, count(DISTINCT l.step_id) AS echoed
    FROM _bf_tok o JOIN _bf_first f ON f.run_id = o.run_id AND f.tok = o.tok AND f.t0 = o.t AND f.val
    JOIN _bf_tok l ON l.run_id = o.run_id AND l.tok = o.tok AND l.t > o.t AND l.step_id <> o.step_id
    WHERE o.t % 2 = 1 GROUP BY o.run_id, o.step_id""",
    # The contradictions' mentions are picked before the pairing: pairing every mention of a value with
    # every later one and keeping the contradicting ones after made a row per two mentions (one 3,000-move
    # single-agent trace: 4 s and 1.3 GB for an empty table).
    """CREATE OR REPLACE TEMP TABLE _bf_cref AS
    WITH c AS MATERIALIZED (
        SELECT l.run_id, l.step_id, l.tok, l.t, m.agent
        FROM _bf_tok l JOIN _bf_m m ON m.run_id = l.run_id AND m.step_id = l.step_id AND m.contra
        WHERE l.t % 2 = 1),
    o AS (
        SELECT o.run_id, o.step_id, o.tok, o.t, s.agent
        FROM _bf_tok o JOIN _bf_first f ON f.run_id = o.run_id AND f.tok = o.tok AND f.val
        JOIN _bf_m s ON s.run_id = o.run_id AND s.step_id = o.step_id
        WHERE o.t % 2 = 1)
    SELECT o.run_id, o.step_id, count(DISTINCT c.step_id) AS cref
    FROM o JOIN c ON c.run_id = o.run_id AND c.tok = o.tok AND c.t > o.t AND c.agent IS DISTINCT FROM o.agent
    GROUP BY o.run_id, o.step_id""",
    """CREATE OR REPLACE TEMP TABLE _bf_edges AS
    SELECT e.* FROM edges e SEMI JOIN _bf_scope c ON c.run_id = e.run_id""",
    """CREATE OR REPLACE TEMP TABLE _bf_out AS
    SELECT e.run_id, e.src_step AS step_id, count(*) AS n_cons,
           count(DISTINCT d.agent) FILTER (d.agent IS DISTINCT FROM s.agent) AS n_cons_agents,
           max((d.status = 'error' AND hd.step_id IS NULL)::INT) AS cons_err,
           max((hd.step_id IS NULL AND regexp_matches(lower(coalesce(d.error, '')), $input))::INT) AS cons_err_in
    FROM _bf_edges e JOIN _bf_all s ON s.run_id = e.run_id AND s.step_id = e.src_step
    JOIN _bf_all d ON d.run_id = e.run_id AND d.step_id = e.dst_step
    LEFT JOIN _bf_hd hd ON hd.run_id = d.run_id AND hd.step_id = d.step_id
    WHERE e.kind = 'consumes' GROUP BY e.run_id, e.src_step""",
    """CREATE OR REPLACE TEMP TABLE _bf_in AS
    SELECT run_id, dst_step AS step_id, count(*) AS n_in FROM _bf_edges WHERE kind = 'consumes' GROUP BY ALL""",
    """CREATE OR REPLACE TEMP TABLE _bf_reach AS
    WITH RECURSIVE r(run_id, step_id) AS (
        SELECT run_id, step_id FROM _bf_m WHERE pos = n_moves - 1
        UNION
        SELECT e.run_id, e.src_step FROM r JOIN _bf_edges e ON e.run_id = r.run_id AND e.dst_step = r.step_id
        WHERE e.kind IN ('consumes', 'handoff'))
    SELECT DISTINCT run_id, step_id FROM r""",
    # Peers: the same agent's steps of the same name in the same system, over the whole store.
    """CREATE OR REPLACE TEMP TABLE _bf_peer AS
    SELECT r.system, s.agent, s.name, avg(ln(1 + s.latency_ms)) AS lat_mu, stddev_samp(ln(1 + s.latency_ms)) AS lat_sd,
           avg(s.confidence) AS conf_mu, stddev_samp(s.confidence) AS conf_sd,
           avg(s.entropy) AS ent_mu, stddev_samp(s.entropy) AS ent_sd
    FROM steps s JOIN runs r ON r.run_id = s.run_id
    WHERE r.system IN (SELECT DISTINCT system FROM _bf_all) GROUP BY ALL""",
    """CREATE OR REPLACE TEMP TABLE _bf_det AS
    SELECT f.run_id, f.step_id, f.agent,
           count(*) FILTER (f.severity IS DISTINCT FROM 'info' AND NOT f.recovered) AS hits,
           count(*) FILTER (f.severity = 'info') AS info,
           count(*) FILTER (f.detector IN ('loop', 'storm') AND f.severity IS DISTINCT FROM 'info') AS loop,
           count(*) FILTER (f.detector = 'retry' AND NOT f.recovered) AS retry,
           count(*) FILTER (f.detector IN ('silent_failure', 'cascade') AND f.severity IS DISTINCT FROM 'info') AS val,
           count(*) FILTER (f.detector LIKE '%breach') AS breach,
           count(*) FILTER (f.detector = 'ping_pong') AS pingpong
    FROM (SELECT *, detector = 'retry' AND coalesce(try_cast(json_extract_string(attributes, '$.recovered') AS BOOLEAN),
                                                    false) AS recovered FROM findings) f
    SEMI JOIN _bf_scope c ON c.run_id = f.run_id GROUP BY ALL""",
]

_MAIN = """
WITH base AS (
    SELECT m.* EXCLUDE (words), p.lat_mu, p.lat_sd, p.conf_mu, p.conf_sd, p.ent_mu, p.ent_sd,
           CASE WHEN m.status = 'error' AND hd.step_id IS NULL THEN 1.0 WHEN m.status IN ('ok', 'error') THEN 0.0
           END AS err, hd.step_id IS NOT NULL AS handled, m.status IS DISTINCT FROM 'ok' AND m.status IS DISTINCT FROM 'error' AS no_status,
           m.agent IS DISTINCT FROM lag(m.agent) OVER run AS block_start,
           (m.confidence - p.conf_mu) / nullif(p.conf_sd, 0) AS cz,
           m.kind IN ('tool', 'retriever') AS tool_move
    FROM _bf_m m LEFT JOIN _bf_peer p ON p.system IS NOT DISTINCT FROM m.system
        AND p.agent IS NOT DISTINCT FROM m.agent AND p.name IS NOT DISTINCT FROM m.name
    LEFT JOIN _bf_hd hd ON hd.run_id = m.run_id AND hd.step_id = m.step_id
    WINDOW run AS (PARTITION BY m.run_id ORDER BY m.pos)),
f AS (
    SELECT b.*,
        min(CASE WHEN err = 1 THEN pos END) OVER (PARTITION BY run_id) AS first_err,
        sum(block_start::INT) OVER ag AS agent_turn,
        row_number() OVER ag = 1 AS first_of_agent,
        lag(out_h) OVER ag AS prev_agent_out,
        lead(agent) OVER run AS next_agent, lead(err) OVER run AS next_err, lead(err) OVER ag AS next_agent_err,
        lead(contra) OVER run AS next_contra,
        CASE WHEN tool IS NOT NULL THEN lag(err) OVER call END AS prev_call_err,
        CASE WHEN tool IS NOT NULL THEN count(*) OVER (PARTITION BY run_id, agent, tool, in_h) END AS same_call,
        count(*) OVER aga AS agent_moves, min(pos) OVER aga AS agent_first,
        sum(tool_move::INT) OVER aga AS agent_tools, sum(coalesce(err, 0)) OVER aga AS agent_errs,
        min(cz) OVER aga AS agent_cz,
        sum(contra::INT) OVER (run ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
          - coalesce(sum(contra::INT) OVER (ag ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0) AS contra_after_raw,
        min(CASE WHEN contra THEN pos END) OVER (run ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_contra_pos,
        min(CASE WHEN kind NOT IN ('human', 'tool', 'retriever') THEN pos END) OVER (PARTITION BY run_id) AS first_model,
        avg(ln(1 + latency_ms)) OVER rk AS lat_run_mu, stddev_samp(ln(1 + latency_ms)) OVER rk AS lat_run_sd,
        avg(confidence) OVER (PARTITION BY run_id) AS conf_run_mu,
        stddev_samp(confidence) OVER (PARTITION BY run_id) AS conf_run_sd,
        CASE WHEN confidence IS NOT NULL THEN percent_rank() OVER (PARTITION BY run_id, confidence IS NULL
                                                                   ORDER BY confidence) END AS conf_rank,
        confidence = min(confidence) OVER (PARTITION BY run_id) AS min_conf,
        entropy = max(entropy) OVER (PARTITION BY run_id) AS max_ent
    FROM base b
    WINDOW run AS (PARTITION BY run_id ORDER BY pos), ag AS (PARTITION BY run_id, agent ORDER BY pos),
           aga AS (PARTITION BY run_id, agent), rk AS (PARTITION BY run_id, kind),
           call AS (PARTITION BY run_id, tool, in_h ORDER BY pos))
SELECT f.run_id, f.step_id, f.agent, f.kind, f.pos, f.pos AS position,
    f.pos / greatest(f.n_moves - 1, 1) AS rel_pos, f.n_moves - 1 - f.pos AS pos_from_end,
    f.n_moves, f.pos = f.n_moves - 1 AS is_last, f.tool_move AS is_tool, f.kind = 'handoff' AS is_handoff,
    f.kind = 'human' AS is_human, f.kind NOT IN ('tool', 'retriever', 'handoff', 'human') AS is_model,
    f.first_of_agent, f.agent_turn, f.block_start AND f.pos > 0 AS handoff_in,
    f.next_agent IS DISTINCT FROM f.agent AND f.pos < f.n_moves - 1 AS handoff_out,
    f.agent_moves / f.n_moves AS agent_share, f.agent_first / greatest(f.n_moves - 1, 1) AS agent_first_rel,
    f.pos = f.first_model AS first_model_turn,
    f.out_len, f.n_numbers, f.hedge_words, f.error_words, f.contra_words, f.has_code, f.questions,
    sm.sim_prev, sm.sim_prev_agent,
    coalesce(f.out_h IS NOT NULL AND f.out_h = f.prev_agent_out, false) AS repeat_agent,
    coalesce(nv.n_nov, 0) AS novel_values, nv.n_nov / nullif(nv.n_val, 0) AS novel_frac,
    nv.n_nov_word / nullif(nv.n_word, 0) AS novel_word_frac, nv.n_solo_word / nullif(nv.n_word, 0) AS solo_word_frac,
    coalesce(ec.echoed, 0) AS novel_echoed, coalesce(cr.cref, 0) AS contra_ref, coalesce(f.contra_after_raw, 0) AS contra_after,
    f.next_contra_pos - f.pos AS contra_dist,
    coalesce(f.next_contra AND f.next_agent IS DISTINCT FROM f.agent, false) AS contra_next,
    coalesce(o.n_cons, 0) AS n_consumers, coalesce(o.n_cons_agents, 0) AS n_consumer_agents,
    coalesce(i.n_in, 0) AS n_inputs, rc.step_id IS NOT NULL AS reaches_final,
    f.err AS is_error, f.no_status AS status_missing, f.has_error_text, f.error_env, f.error_input,
    f.pos IS NOT DISTINCT FROM f.first_err AS is_first_error, f.pos - f.first_err AS since_first_error,
    f.next_err AS next_error, f.next_agent_err AS next_agent_error,
    coalesce(o.cons_err, 0) AS consumer_error, coalesce(o.cons_err_in, 0) AS consumer_error_input,
    coalesce(f.prev_call_err = 1, false) AS is_retry, coalesce(f.same_call, 0) AS same_call,
    f.agent_errs AS agent_errors, f.handled AS handled_failure,
    ln(1 + f.latency_ms) AS latency, f.latency_ms IS NULL AS latency_missing,
    (ln(1 + f.latency_ms) - f.lat_run_mu) / nullif(f.lat_run_sd, 0) AS latency_z_run,
    (ln(1 + f.latency_ms) - f.lat_mu) / nullif(f.lat_sd, 0) AS latency_z_peer,
    ln(1 + f.tokens_in) AS tokens_in, ln(1 + f.tokens_out) AS tokens_out,
    f.tokens_in IS NULL AND f.tokens_out IS NULL AS tokens_missing, f.agent_tools AS agent_tool_calls,
    f.confidence, f.confidence IS NULL AS confidence_missing, f.cz AS conf_z_peer,
    (f.confidence - f.conf_run_mu) / nullif(f.conf_run_sd, 0) AS conf_z_run, f.conf_rank,
    f.min_conf AS is_min_conf, f.entropy, f.entropy IS NULL AS entropy_missing,
    (f.entropy - f.ent_mu) / nullif(f.ent_sd, 0) AS ent_z_peer, f.max_ent AS is_max_entropy,
    f.agent_cz AS agent_min_conf_z,
    coalesce(d.hits, 0) AS det_hits, coalesce(d.info, 0) AS det_info, coalesce(d.loop, 0) AS det_loop,
    coalesce(d.retry, 0) AS det_retry, coalesce(d.val, 0) AS det_value, coalesce(d.breach, 0) AS det_breach,
    f.pos IS NOT DISTINCT FROM min(CASE WHEN d.hits > 0 THEN f.pos END) OVER (PARTITION BY f.run_id) AS det_first,
    coalesce(da.hits, 0) AS agent_det_hits, coalesce(da.pingpong, 0) AS agent_pingpong
FROM f
LEFT JOIN _bf_sim sm ON sm.run_id = f.run_id AND sm.step_id = f.step_id
LEFT JOIN _bf_nov nv ON nv.run_id = f.run_id AND nv.step_id = f.step_id
LEFT JOIN _bf_echo ec ON ec.run_id = f.run_id AND ec.step_id = f.step_id
LEFT JOIN _bf_cref cr ON cr.run_id = f.run_id AND cr.step_id = f.step_id
LEFT JOIN _bf_out o ON o.run_id = f.run_id AND o.step_id = f.step_id
LEFT JOIN _bf_in i ON i.run_id = f.run_id AND i.step_id = f.step_id
LEFT JOIN _bf_reach rc ON rc.run_id = f.run_id AND rc.step_id = f.step_id
LEFT JOIN (SELECT run_id, step_id, sum(hits) AS hits, sum(info) AS info, sum(loop) AS loop, sum(retry) AS retry,
                  sum(val) AS val, sum(breach) AS breach FROM _bf_det GROUP BY ALL) d
       ON d.run_id = f.run_id AND d.step_id = f.step_id
LEFT JOIN (SELECT run_id, agent, sum(hits) AS hits, sum(pingpong) AS pingpong FROM _bf_det GROUP BY ALL) da
       ON da.run_id = f.run_id AND da.agent IS NOT DISTINCT FROM f.agent
ORDER BY f.run_id, f.pos
"""
_PARAMS = {"tokens": _TOKENS, "contra": _CONTRA, "hedge": _HEDGE, "errw": _ERRW, "env": _ENV, "input": _INPUT}


def _run(con, stmt: str) -> None:  # noqa: ANN001
    used = {k: v for k, v in _PARAMS.items() if f"${k}" in stmt}
    con.execute(stmt, used) if used else con.execute(stmt)


def step_features(ws, run_ids: Iterable[str] | None = None, novelty: str = "earlier") -> pd.DataFrame:  # noqa: ANN001
    """Features of every move of the given runs, one row per move.

    Parameters
    ----------
    ws : Workspace
        The store. Detector features read its ``findings`` table as it is: run
        :func:`workbench.detect` first to have them (otherwise they are zero).
    run_ids : iterable of str, optional
        The runs (default: every run in the store).
    novelty : {"earlier", "run"}
        What ``novel_word_frac`` counts as new: a word no earlier text of the run had (``"earlier"``: every word
        of a run's first move is new), or a word in neither the task, nor an input at or before the move, nor any
        other move's output of the run, before or after it (``"run"``: a first move is not new by position).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ID_COLUMNS` (run_id, step_id, agent, kind, pos) then every feature of
        :data:`FEATURES` as float64, NaN where the log does not say (latency of a text-only
        turn, confidence of a tool call, ...). Rows are sorted by run and position.

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> _ = ws.ingest(wb.sim.procurement(seed=1, fault_rate=1.0).generate(3))
    >>> X = step_features(ws)
    >>> bool(X.groupby("run_id").size().min() > 5)
    True
    """
    # on a connection of its own, whose working tables (copies of step text, issue 7) go when it closes: made
    # on ws.con they replaced, then dropped, a user's own of the same names
    with own_cursor(ws.con) as con:
        if run_ids is None:
            con.execute("CREATE OR REPLACE TEMP TABLE _bf_scope AS SELECT run_id FROM runs")
        else:
            fill_run_scope(con, "_bf_scope", run_ids)
        for stmt in _SQL:
            _run(con, stmt)
        used = {k: v for k, v in _PARAMS.items() if f"${k}" in _MAIN}
        frame = con.execute(_MAIN, used).df()
    out = frame[ID_COLUMNS].copy()
    out["pos"] = out["pos"].astype("int64")
    if novelty == "run":
        frame["novel_word_frac"] = frame["solo_word_frac"]
    return pd.concat(
        [out.reset_index(drop=True), _as_float(frame[FEATURE_NAMES]).reset_index(drop=True)], axis=1
    )


def _as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as float64, a null NaN: the numeric and boolean ones (all of them, as DuckDB types them) as one
    array (one column at a time cost ~0.4 ms each, ~90 of them, on every call whatever its size), any other coerced
    alone."""
    kind = pd.api.types
    plain = [c for c, d in frame.dtypes.items() if kind.is_numeric_dtype(d) or kind.is_bool_dtype(d)]
    out = pd.DataFrame(
        frame[plain].to_numpy(dtype=np.float64, na_value=np.nan), columns=plain, index=frame.index
    )
    for c in frame.columns:
        if c not in plain:
            out[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    return out[list(frame.columns)]


def feature_availability(steps: pd.DataFrame) -> pd.DataFrame:
    """Which features a set of runs has: share of moves with a value, per feature.

    Returns
    -------
    pandas.DataFrame
        Columns feature, label (its words in a view: :func:`feature_label`), needs, available (fraction of rows that
        are not null), description;
        a feature with ``available == 0`` cannot be computed from these logs.
    """
    from ._blame_model import ALL_FEATURES as known  # portable features are there when the table has them
    from ._feature_labels import feature_label

    names = [name for name in known if name in steps.columns]
    # (one pass over the table: a column at a time cost ~0.3 ms each, ~130 of them, on every predict)
    shares = steps[names].notna().mean().to_dict() if len(steps) else dict.fromkeys(names, 0.0)
    rows = [
        (name, feature_label(name), known[name][0], float(shares[name]), known[name][1]) for name in names
    ]
    return pd.DataFrame(rows, columns=["feature", "label", "needs", "available", "description"])
