-- The steps of the runs in scope, read once per chunk of runs and shared by every per-run family
-- (calls, turns, storms, breaches, values): the chunk's rows lie in one rowid range, so the scan
-- skips every other row group and the whole call reads `steps` about once.
CREATE OR REPLACE TEMP TABLE det_base AS
SELECT run_id, step_id, parent_id, seq, depth, agent, kind, name, tool, status, error, latency_ms,
       started_at, ended_at, input, output
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE steps.rowid BETWEEN $row_lo AND $row_hi;
