-- Write the rejects of this call (temp table stage_rejects, built by finalize.sql and given the source
-- text of lines the fast paths did not keep) to the quarantine. A reject already in the store with the
-- same number is not added again, so ingesting a file again adds nothing:
-- * a step is the same reject when file, line, reason, step and text agree; a stored reject without a
--   text (earlier releases kept none for lines the native fast path read) matches on the rest;
-- * a run record's conflict is named against an earlier run record of the same call the first time and
--   against the stored run after that: it is the same reject when file, line and run agree.
INSERT INTO quarantine (file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256, occurrence)
SELECT file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256, occurrence
FROM stage_rejects r
WHERE NOT EXISTS (
    SELECT 1 FROM quarantine q
    WHERE q.file = r.file AND q.line = r.line AND q.occurrence = r.occurrence
      AND q.step_id IS NOT DISTINCT FROM r.step_id
      AND CASE WHEN r.origin = 2
               THEN q.run_id IS NOT DISTINCT FROM r.run_id AND starts_with(q.reason, 'conflicts with the ')
               ELSE q.reason = r.reason
                    AND (q.raw_sha256 IS NOT DISTINCT FROM r.raw_sha256 OR (r.origin = 1 AND q.raw_sha256 IS NULL))
          END
);
