-- The runs taken as failed, without why: the run set of taken_as_failed.sql (the same conditions; a test holds
-- the two equal), for a count. Its reason joins every critical silent_failure finding to its step for the
-- earliest, a scan of all steps: at 100k runs and 2M steps, ~30 of the workspace summary's ~50 CPU ms at each
-- display of a workspace (bench/summary.py). This reads runs and findings only.
SELECT r.run_id
FROM runs r
WHERE r.outcome IS DISTINCT FROM 'failure' AND r.outcome_source IS DISTINCT FROM 'label'
  AND r.run_id IN (SELECT f.run_id FROM findings f WHERE f.detector = 'silent_failure' AND f.severity = 'critical')
