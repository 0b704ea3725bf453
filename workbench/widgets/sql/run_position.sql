-- Where one run stands in the filtered list (newest first: started_at DESC NULLS LAST, run_id), from 0: the
-- runs before it. No row when the filters leave it out. For showing a run from code (IncidentExplorer.show_run)
-- on its own page.
WITH f AS (__FILTER__), me AS (SELECT started_at, run_id FROM f WHERE run_id = $target)
SELECT (SELECT count(*) FROM f
        WHERE CASE WHEN me.started_at IS NULL THEN f.started_at IS NOT NULL OR f.run_id < me.run_id
                   ELSE f.started_at > me.started_at OR (f.started_at = me.started_at AND f.run_id < me.run_id)
              END) AS position
FROM me
