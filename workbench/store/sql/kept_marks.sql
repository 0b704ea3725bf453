-- The detected marks of stored runs an ingest call gives again unchanged (the same records ingested once more: a
-- cell run again, `workbench investigate --db` over the same folder). refresh_runs.sql's detected section dropped the
-- marks of every run a call touched, so detect="auto" ran the detectors again on a run the user had detected with
-- their own settings, replacing those findings with the defaults'. A run keeps its marks when nothing the detectors
-- read of it changed: its steps and edges (a fingerprint of their rows, before the merge and after) and its row's
-- outcome, reported outcome, task and times (refresh_runs.sql's labelled_before, as a label keeps them).

-- [section before]
-- (before the merge, of the stored runs with marks whose steps the call stages again)
CREATE OR REPLACE TEMP TABLE marks_before AS
WITH touched AS (
    SELECT DISTINCT run_id FROM detected WHERE run_id IN (SELECT run_id FROM stage_steps)
)
SELECT t.run_id,
       (SELECT count(*) FROM steps s WHERE s.run_id = t.run_id) AS n_steps,
       (SELECT bit_xor(hash(s)) FROM steps s WHERE s.run_id = t.run_id) AS steps_hash,
       (SELECT count(*) FROM edges e WHERE e.run_id = t.run_id) AS n_edges,
       (SELECT bit_xor(hash(e)) FROM edges e WHERE e.run_id = t.run_id) AS edges_hash
FROM touched t;

-- [section after]
-- (in place of refresh_runs.sql's detected section, after its labelled_before and rows sections)
DELETE FROM detected WHERE run_id IN (SELECT run_id FROM affected) AND run_id NOT IN (
    SELECT m.run_id FROM marks_before m
    JOIN labelled_before b ON b.run_id = m.run_id
    JOIN runs r ON r.run_id = m.run_id
    WHERE r.outcome IS NOT DISTINCT FROM b.outcome AND r.reported_outcome IS NOT DISTINCT FROM b.reported_outcome
      AND r.task IS NOT DISTINCT FROM b.task AND r.started_at IS NOT DISTINCT FROM b.started_at
      AND r.ended_at IS NOT DISTINCT FROM b.ended_at
      AND m.n_steps = (SELECT count(*) FROM steps s WHERE s.run_id = m.run_id)
      AND m.steps_hash IS NOT DISTINCT FROM (SELECT bit_xor(hash(s)) FROM steps s WHERE s.run_id = m.run_id)
      AND m.n_edges = (SELECT count(*) FROM edges e WHERE e.run_id = m.run_id)
      AND m.edges_hash IS NOT DISTINCT FROM (SELECT bit_xor(hash(e)) FROM edges e WHERE e.run_id = m.run_id));
