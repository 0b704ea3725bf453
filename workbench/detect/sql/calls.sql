-- Shared input of the loop and retry detectors: the tool calls of the runs in scope, in order,
-- with a signature of (agent, tool, arguments with whitespace and case normalised away and the
-- tool-call id the LLM API gave the call left out, a JSON object's keys in any order: det_call_args). A call whose
-- arguments the log does not hold (Who&When's code executor: the code is in the message before it)
-- has no signature: unknown arguments are not the same arguments, so it is nobody's loop or retry.
-- The signature is worked out before the numbering, so the sort carries a hash, not the arguments.
-- k numbers the calls of the whole chunk in one ordering (cheaper than a partition per run): a
-- run's calls are consecutive numbers, and every use of k compares calls of the same run (and context: below).
-- An agent run inside a step of another agent, on an input (CrewAI's delegation tools, smolagents' managed
-- agents): a call its caller made. The calls made within that run are numbered apart (ctx: the nearest such run
-- above them) and their signature holds it: a manager asking a worker the same question five times is the
-- manager's loop, not the worker's, whose one call per run repeats only because it was asked again.
CREATE OR REPLACE TEMP TABLE det_delegated AS
SELECT c.run_id, c.step_id, p.agent AS caller
FROM steps c
JOIN steps p ON p.run_id = c.run_id AND p.step_id = c.parent_id
SEMI JOIN det_scope d ON d.run_id = c.run_id
WHERE c.kind = 'agent' AND c.input IS NOT NULL AND c.agent IS NOT NULL AND p.agent IS NOT NULL
  AND p.agent <> c.agent AND c.rowid BETWEEN $row_lo AND $row_hi AND p.rowid BETWEEN $row_lo AND $row_hi;

-- (made empty on every chunk and filled only when the chunk delegates: the recursion below cost ~2 % of a detect
-- over 10M steps of runs that delegate nothing, planned and run for no row)
CREATE OR REPLACE TEMP TABLE det_call_ctx (run_id VARCHAR, step_id VARCHAR, ctx VARCHAR);

-- [section needs_det_delegated]
INSERT INTO det_call_ctx
WITH RECURSIVE inside(run_id, step_id, ctx) AS (
    SELECT s.run_id, s.step_id, d.step_id
    FROM det_delegated d JOIN steps s ON s.run_id = d.run_id AND s.parent_id = d.step_id
    WHERE s.rowid BETWEEN $row_lo AND $row_hi
    UNION ALL
    -- a delegated run's children start their own context (its seed above)
    SELECT s.run_id, s.step_id, w.ctx
    FROM inside w JOIN steps s ON s.run_id = w.run_id AND s.parent_id = w.step_id
    WHERE s.rowid BETWEEN $row_lo AND $row_hi
      AND NOT EXISTS (SELECT 1 FROM det_delegated x WHERE x.run_id = w.run_id AND x.step_id = w.step_id)
)
SELECT DISTINCT run_id, step_id, ctx FROM inside;

-- [section every]
CREATE OR REPLACE TEMP TABLE det_calls AS
SELECT run_id, step_id, seq, agent, tool, status, error, sig,
       row_number() OVER (ORDER BY run_id, ctx NULLS FIRST, seq) AS k
FROM (
    -- det_call_args(input), its id-free text worked out once in a column below (macros.sql: a macro's argument is
    -- written out at each of its uses)
    SELECT run_id, step_id, seq, agent, tool, status, error, ctx,
           CASE WHEN has_input THEN hash(coalesce(ctx, ''), coalesce(agent, ''), sig_tool,
                                         det_squeezed(det_canonical(args))) END AS sig
    FROM (
        SELECT s.run_id, s.step_id, s.seq, coalesce(d.caller, s.agent) AS agent,
               CASE WHEN d.step_id IS NOT NULL THEN s.agent ELSE coalesce(s.tool, s.name) END AS tool, s.status,
               s.error, x.ctx, s.input IS NOT NULL AS has_input,
               CASE WHEN d.step_id IS NOT NULL THEN s.agent ELSE coalesce(s.tool, s.name, '') END AS sig_tool,
               det_call_ids_out(coalesce(s.input, '')) AS args
        FROM steps s
        SEMI JOIN det_scope sc ON sc.run_id = s.run_id
        LEFT JOIN det_delegated d ON d.run_id = s.run_id AND d.step_id = s.step_id
        LEFT JOIN det_call_ctx x ON x.run_id = s.run_id AND x.step_id = s.step_id
        WHERE (s.kind = 'tool' OR d.step_id IS NOT NULL) AND s.rowid BETWEEN $row_lo AND $row_hi));
