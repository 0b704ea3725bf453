-- The detected marks of stored runs an ingest call gives again unchanged (the same records ingested once more: a
-- cell run again, `workbench investigate --db` over the same folder). refresh_runs.sql's detected section dropped the
-- marks of every run a call touched, so detect="auto" ran the detectors again on a run the user had detected with
-- their own settings, replacing those findings with the defaults'. A run keeps its marks when nothing the detectors
-- read of it changed: its content fingerprint (detect/sql/fingerprints.sql's run_fingerprints, the one a detect
-- checks its runs by: its row's outcome, reported outcome, task and times, its steps' and edges' rows) before the
-- merge and after. (Nothing between the two writes the runs table but refresh_runs.sql's rows section.)

-- [section before]
-- (before the merge, of the stored runs with marks whose steps the call stages again; one aggregate per table, not
-- a subquery per run)
CREATE OR REPLACE TEMP TABLE marks_touched AS
SELECT DISTINCT run_id FROM detected WHERE run_id IN (SELECT run_id FROM stage_steps);

CREATE OR REPLACE TEMP TABLE marks_before AS SELECT run_id, fp FROM run_fingerprints('marks_touched', true);

-- [section after]
-- (in place of refresh_runs.sql's detected section, after its rows section)
DELETE FROM detected WHERE run_id IN (SELECT run_id FROM affected) AND run_id NOT IN (
    SELECT m.run_id FROM marks_before m JOIN run_fingerprints('marks_touched', true) n USING (run_id)
    WHERE n.fp = m.fp);
