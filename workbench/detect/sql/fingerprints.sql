-- What a detect read of each run, and whether the run still holds it when the findings are stored
-- (detect/_fingerprint.py). A run's fingerprint: its row's columns the detectors read (outcome, reported outcome,
-- task, times; as refresh_runs.sql's labelled_before), the count and hash of its steps' rows, and, when the
-- cascade detector ran, of its edges' rows. Hashes of whole rows, not of the columns some detector reads today:
-- a detector that reads one more column needs no change here.

-- [section read]
-- (a worker's chunk, in the transaction its statements read in: exactly the rows they read, bounded by the
-- chunk's rowid ranges as they are; a row of the run added past them is not read, and makes the run differ)
WITH s AS (SELECT run_id, count(*) AS n, bit_xor(hash(steps)) AS h
           FROM steps SEMI JOIN det_scope USING (run_id)
           WHERE steps.rowid BETWEEN $row_lo AND $row_hi GROUP BY run_id),
e AS (SELECT run_id, count(*) AS n, bit_xor(hash(edges)) AS h
      FROM edges SEMI JOIN det_scope USING (run_id)
      WHERE $with_edges AND edges.rowid BETWEEN $edge_lo AND $edge_hi GROUP BY run_id)
SELECT d.run_id, $with_edges AS with_edges,
       hash(r.run_id IS NULL, r.outcome, r.reported_outcome, r.task, r.started_at, r.ended_at, s.n, s.h, e.n, e.h)
       AS fp
FROM det_scope d LEFT JOIN runs r USING (run_id) LEFT JOIN s USING (run_id) LEFT JOIN e USING (run_id);

-- [section now]
-- (under the write lock: the runs whose rows now differ from those read, det_read: the workers' fingerprints; every
-- row of the run, wherever it lies)
CREATE OR REPLACE TEMP TABLE det_changed AS
WITH s AS (SELECT run_id, count(*) AS n, bit_xor(hash(steps)) AS h
           FROM steps SEMI JOIN det_read USING (run_id) GROUP BY run_id),
e AS (SELECT run_id, count(*) AS n, bit_xor(hash(edges)) AS h
      FROM edges SEMI JOIN (SELECT run_id FROM det_read WHERE with_edges) w USING (run_id) GROUP BY run_id)
SELECT d.run_id
FROM det_read d LEFT JOIN runs r USING (run_id) LEFT JOIN s USING (run_id) LEFT JOIN e USING (run_id)
WHERE d.fp IS DISTINCT FROM
      hash(r.run_id IS NULL, r.outcome, r.reported_outcome, r.task, r.started_at, r.ended_at, s.n, s.h, e.n, e.h);
