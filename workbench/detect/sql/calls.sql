-- Shared input of the loop and retry detectors: the tool calls of the runs in scope, in order,
-- with a signature of (agent, tool, arguments with whitespace and case normalised away and the
-- tool-call id the LLM API gave the call left out, a JSON object's keys in any order: det_call_args). A call whose
-- arguments the log does not hold (Who&When's code executor: the code is in the message before it)
-- has no signature: unknown arguments are not the same arguments, so it is nobody's loop or retry.
-- The signature is worked out before the numbering, so the sort carries a hash, not the arguments.
-- k numbers the calls of the whole chunk in one ordering (cheaper than a partition per run): a
-- run's calls are consecutive numbers, and every use of k compares calls of the same run.
CREATE OR REPLACE TEMP TABLE det_calls AS
SELECT run_id, step_id, seq, agent, tool, status, error, sig,
       row_number() OVER (ORDER BY run_id, seq) AS k
FROM (
    SELECT s.run_id, s.step_id, s.seq, s.agent, coalesce(s.tool, s.name) AS tool, s.status, s.error,
           CASE WHEN s.input IS NOT NULL THEN hash(coalesce(s.agent, ''), coalesce(s.tool, s.name, ''),
                                                   det_call_args(coalesce(s.input, ''))) END AS sig
    FROM steps s SEMI JOIN det_scope d ON d.run_id = s.run_id
    WHERE s.kind = 'tool' AND s.rowid BETWEEN $row_lo AND $row_hi);
