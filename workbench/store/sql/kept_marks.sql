-- The detected marks of stored runs an ingest call gives again unchanged (the same records ingested once more: a
-- cell run again, `workbench investigate --db` over the same folder). refresh_runs.sql's detected section dropped the
-- marks of every run a call touched, so detect="auto" ran the detectors again on a run the user had detected with
-- their own settings, replacing those findings with the defaults'. A run keeps its marks when nothing the detectors
-- read of it changed: its steps and edges (a fingerprint of their rows, before the merge and after) and its row's
-- outcome, reported outcome, task and times (refresh_runs.sql's labelled_before, as a label keeps them).

-- [section before]
-- (before the merge, of the stored runs with marks whose steps the call stages again; one aggregate per table, not
-- a subquery per run)
CREATE OR REPLACE TEMP TABLE marks_touched AS
SELECT DISTINCT run_id FROM detected WHERE run_id IN (SELECT run_id FROM stage_steps);

CREATE OR REPLACE TEMP MACRO marks_fingerprint() AS TABLE
SELECT t.run_id, s.n_steps, s.steps_hash, e.n_edges, e.edges_hash FROM marks_touched t
LEFT JOIN (SELECT run_id, count(*) AS n_steps, bit_xor(hash(x)) AS steps_hash FROM steps x
           WHERE run_id IN (SELECT run_id FROM marks_touched) GROUP BY run_id) s ON s.run_id = t.run_id
LEFT JOIN (SELECT run_id, count(*) AS n_edges, bit_xor(hash(x)) AS edges_hash FROM edges x
           WHERE run_id IN (SELECT run_id FROM marks_touched) GROUP BY run_id) e ON e.run_id = t.run_id;

CREATE OR REPLACE TEMP TABLE marks_before AS SELECT * FROM marks_fingerprint();

-- [section after]
-- (in place of refresh_runs.sql's detected section, after its labelled_before and rows sections)
DELETE FROM detected WHERE run_id IN (SELECT run_id FROM affected) AND run_id NOT IN (
    SELECT m.run_id FROM marks_before m
    JOIN marks_fingerprint() n ON n.run_id = m.run_id
    JOIN labelled_before b ON b.run_id = m.run_id
    JOIN runs r ON r.run_id = m.run_id
    WHERE r.outcome IS NOT DISTINCT FROM b.outcome AND r.reported_outcome IS NOT DISTINCT FROM b.reported_outcome
      AND r.task IS NOT DISTINCT FROM b.task AND r.started_at IS NOT DISTINCT FROM b.started_at
      AND r.ended_at IS NOT DISTINCT FROM b.ended_at
      AND n.n_steps IS NOT DISTINCT FROM m.n_steps AND n.steps_hash IS NOT DISTINCT FROM m.steps_hash
      AND n.n_edges IS NOT DISTINCT FROM m.n_edges AND n.edges_hash IS NOT DISTINCT FROM m.edges_hash);
