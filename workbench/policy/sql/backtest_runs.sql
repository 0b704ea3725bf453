-- Runs a backtest evaluates: outcome, decisive step (the earliest labelled culprit step, NULL when no
-- step is labelled), step count, end time (epoch seconds) and task (values it states are no news to
-- the hand-off breaker), whether the run is taken as failed (a silent failure), and how many of its records
-- the store quarantined (steps the backtest never sees; a live guard still counts a tool call among them whose
-- arguments were past the store's limits).
-- $scoped: true when only the runs in the temp table _bt_scope are wanted.
-- Outcomes from store/sql/run_outcomes.sql (spliced in by name): $silent true counts the runs taken as failed
-- as failed (as workbench investigate), false the stored outcome only.
WITH decisive AS (
    SELECT l.run_id, min(s.seq) AS seq, arg_min(s.step_id, s.seq) AS step_id
    FROM labels l JOIN steps s ON s.run_id = l.run_id AND s.step_id = l.step_id
    WHERE l.step_id IS NOT NULL
    GROUP BY l.run_id
), ends AS (
    SELECT run_id, count(*) AS n_steps, epoch(max(ended_at)) AS run_end FROM steps GROUP BY run_id
), held AS (
    SELECT run_id, count(*) AS n FROM quarantine WHERE run_id IS NOT NULL GROUP BY run_id
)
SELECT r.run_id, coalesce(r.outcome, 'unknown'), d.seq, d.step_id, e.n_steps, e.run_end, r.task,
       r.taken_why IS NOT NULL AS taken, coalesce(h.n, 0) AS quarantined
FROM {run_outcomes} r
LEFT JOIN decisive d USING (run_id)
LEFT JOIN ends e USING (run_id)
LEFT JOIN held h USING (run_id)
WHERE NOT $scoped OR r.run_id IN (SELECT run_id FROM _bt_scope)
