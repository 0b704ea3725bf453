-- A run's content fingerprint: whether the run still holds what the detectors read of it. Two readers: a detect,
-- which stores the findings only of the runs whose fingerprint did not move while it computed them without the
-- write lock (detect/_fingerprint.py), and an ingest giving stored runs again, which keeps their detected marks
-- only when it did not move either (store/sql/kept_marks.sql, ingest/_kept_marks.py). One macro for both, so that
-- what one counts as a change the other counts too.
--
-- A run's fingerprint: its row's columns the detectors read (outcome, reported outcome, task, times; as
-- refresh_runs.sql's labelled_before), the count and hash of its steps' rows, and, with_edges (the cascade
-- detector reads them), of its edges' rows. Hashes of whole rows, not of the columns some detector reads today:
-- a detector that reads one more column needs no change here. scope: the name of a table (or view) of run_id, one
-- row a run; row_lo..row_hi, edge_lo..edge_hi: the rowid ranges of steps and edges read (default: every row; a
-- transaction's own new rows, numbered from 2^55 on, included).
CREATE OR REPLACE TEMP MACRO run_fingerprints(scope, with_edges, row_lo := 0, row_hi := 9223372036854775807,
                                              edge_lo := 0, edge_hi := 9223372036854775807) AS TABLE
WITH s AS (SELECT run_id, count(*) AS n, bit_xor(hash(steps)) AS h
           FROM steps SEMI JOIN query_table(scope) USING (run_id)
           WHERE steps.rowid BETWEEN row_lo AND row_hi GROUP BY run_id),
e AS (SELECT run_id, count(*) AS n, bit_xor(hash(edges)) AS h
      FROM edges SEMI JOIN query_table(scope) USING (run_id)
      WHERE with_edges AND edges.rowid BETWEEN edge_lo AND edge_hi GROUP BY run_id)
SELECT d.run_id,
       hash(r.run_id IS NULL, r.outcome, r.reported_outcome, r.task, r.started_at, r.ended_at, s.n, s.h, e.n, e.h)
       AS fp
FROM query_table(scope) d LEFT JOIN runs r USING (run_id) LEFT JOIN s USING (run_id) LEFT JOIN e USING (run_id);

-- [section read]
-- (a worker's chunk, in the transaction its statements read in: exactly the rows they read, bounded by the
-- chunk's rowid ranges as they are; a row of the run added past them is not read, and makes the run differ)
SELECT run_id, $with_edges AS with_edges, fp
FROM run_fingerprints('det_scope', $with_edges, row_lo := $row_lo, row_hi := $row_hi, edge_lo := $edge_lo,
                      edge_hi := $edge_hi);

-- [section changed]
CREATE OR REPLACE TEMP TABLE det_changed (run_id VARCHAR);

-- [section now]
-- (under the write lock: the runs of det_read, the workers' fingerprints of those that read edges as $with_edges,
-- whose rows now differ from those read; every row of the run, wherever it lies)
INSERT INTO det_changed
SELECT d.run_id FROM det_read d LEFT JOIN run_fingerprints('det_read', $with_edges) n USING (run_id)
WHERE d.fp IS DISTINCT FROM n.fp;
