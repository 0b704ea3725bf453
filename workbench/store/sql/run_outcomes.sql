-- Every run with the outcome the counts of failures read: the one definition of "failed" shared by
-- workbench investigate, ws.runs(silent=True), the threshold sweep, the policy proposal, the limit
-- suggestions and the backtest (store/_outcomes.py splices it into their queries).
-- $silent true: a run taken as failed (taken_as_failed.sql: its answer is detached from the data) has
-- outcome 'failure' and taken_why says why, as investigate counts it. $silent false: the stored
-- outcome only (labels, then what the log declared, then the root span's status), taken_why NULL.
SELECT r.* REPLACE (CASE WHEN $silent AND t.run_id IS NOT NULL THEN 'failure' ELSE r.outcome END AS outcome),
       CASE WHEN $silent THEN t.why END AS taken_why
FROM runs r
LEFT JOIN ({taken_as_failed}) t ON t.run_id = r.run_id
