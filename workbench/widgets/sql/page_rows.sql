-- The page's runs (the CTE `page`, as run_page.sql and run_seek.sql choose them) with their detector hits
-- and stored culprit, looked up for the page's runs only: the tail of those files' WITH, put in for
-- __PAGE_ROWS__.
hits AS (
    SELECT run_id, count(*) AS hits, string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
    FROM findings WHERE severity <> 'info' AND run_id IN (SELECT run_id FROM page) GROUP BY run_id
), verdicts AS (
    -- the run's verdict: __VERDICT_RANK__ is store/sql/verdict_rank.sql's ranking (a replay verdict first)
    SELECT run_id, arg_max_null(nullif(target, ''), __VERDICT_RANK__) AS culprit
    FROM attributions WHERE unit = 'verdict' AND run_id IN (SELECT run_id FROM page) GROUP BY run_id
)
SELECT p.run_id, p.system, p.started_at, p.outcome, p.reported_outcome, p.n_steps, p.task,
       coalesce(h.hits, 0) AS hits, coalesce(h.detectors, '') AS detectors, v.culprit, p.taken_why
FROM page p LEFT JOIN hits h USING (run_id) LEFT JOIN verdicts v USING (run_id)
