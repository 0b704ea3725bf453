-- refresh_runs.sql's run_declared when no run id is given twice in the call (the driver counts stage_runs first,
-- _driver._refresh_runs): each run record is its run's declaration as it stands, as the grouped form gives it.
CREATE OR REPLACE TEMP TABLE run_declared AS
SELECT run_id, source, system, task, outcome, outcome_detail,
       CASE WHEN attributes IS NOT NULL THEN [attributes::JSON] END AS attributes,
       make_timestamp(start_ns // 1000) AS started_at,
       make_timestamp(coalesce(end_ns, start_ns) // 1000) AS ended_at
FROM stage_runs;
