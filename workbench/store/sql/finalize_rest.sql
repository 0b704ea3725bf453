-- The end of the merge (see finalize.sql), after its last chunk: the stated edges and the labels into the
-- store, and the rejects gathered for quarantine.sql.

-- [section edges]
-- (this section and the next left out when nothing is staged for them: the driver counts the stage first)
-- Hand-offs and data lineage the source states, each once (never of kind 'parent': the chunks wrote those).
INSERT INTO edges
SELECT n.* FROM (
    SELECT DISTINCT run_id, src_step, dst_step, kind FROM stage_edges
    WHERE run_id IS NOT NULL AND src_step IS NOT NULL AND dst_step IS NOT NULL AND kind IS NOT NULL
) n
WHERE NOT EXISTS (SELECT 1 FROM (SELECT * FROM edges WHERE kind <> 'parent') e
                  WHERE e.run_id = n.run_id AND e.src_step = n.src_step AND e.dst_step = n.dst_step
                    AND e.kind = n.kind);

-- [section labels]
-- (in their order of arrival, each at its last: two outcome labels of one call share a created_at, and
-- refresh_runs.sql takes the later by rowid; a labels file's rows ana failure, ben success, ana failure leave ana's
-- failure the latest, as three calls do)
-- A label identical to a stored one (its giver too) adds nothing: a log ingested again, a culprit named again. But
-- a person's outcome label (given_by) is a new row unless it is the run's latest outcome label as it stands (the
-- call's outcome label before it, else the stored latest): a person giving an earlier outcome again (success,
-- failure, success) makes it the latest, where a log given again (no giver) cannot undo a person's later label.
-- created_at is the time in UTC (current_timestamp is the process's time zone's wall clock: a label given later in
-- New York than one given in Tokyo was the earlier by it, and the latest label lost).
INSERT INTO labels (run_id, agent, step_id, kind, source, outcome, detail, given_by, created_at)
SELECT l.run_id, l.agent, l.step_id, l.kind, l.source, l.outcome, l.detail, l.given_by,
       timezone('UTC', current_timestamp)
FROM (SELECT *, rowid AS k,
             lag(struct_pack(agent, step_id, kind, source, outcome, detail, given_by))
                 OVER (PARTITION BY run_id, outcome IS NULL ORDER BY rowid) AS before
      FROM stage_labels) l
WHERE CASE WHEN l.given_by IS NOT NULL AND l.outcome IS NOT NULL AND l.before IS NOT NULL
           THEN l.before IS DISTINCT FROM struct_pack(agent := l.agent, step_id := l.step_id, kind := l.kind,
                                                      source := l.source, outcome := l.outcome, detail := l.detail,
                                                      given_by := l.given_by)
           ELSE NOT EXISTS (
    SELECT 1 FROM labels x
    WHERE x.run_id = l.run_id AND x.agent IS NOT DISTINCT FROM l.agent
      AND x.step_id IS NOT DISTINCT FROM l.step_id AND x.kind IS NOT DISTINCT FROM l.kind
      AND x.source IS NOT DISTINCT FROM l.source AND x.outcome IS NOT DISTINCT FROM l.outcome
      AND x.detail IS NOT DISTINCT FROM l.detail AND x.given_by IS NOT DISTINCT FROM l.given_by
      AND (l.given_by IS NULL OR l.outcome IS NULL
           OR x.rowid = (SELECT arg_max(y.rowid, (y.created_at, y.rowid)) FROM labels y
                         WHERE y.run_id = l.run_id AND y.outcome IS NOT NULL))) END
GROUP BY l.run_id, l.agent, l.step_id, l.kind, l.source, l.outcome, l.detail, l.given_by
ORDER BY max(l.k);

-- [section rejects]
-- (left out, with quarantine.sql, when nothing was rejected and no log record can be: the report then has no
-- error to name)
-- Everything rejected, whether by the adapter or here. Identical rejects (same file, line, reason,
-- step and text) are numbered, not collapsed (quarantine.sql writes them to the store).
CREATE OR REPLACE TEMP TABLE stage_rejects AS
SELECT *, row_number() OVER (PARTITION BY file, line, reason, step_id, raw_sha256
                             ORDER BY origin, ord) AS occurrence
FROM (
    SELECT file, line, reason, raw, source, run_id, step_id, raw_bytes, raw_sha256, 0 AS origin, rowid AS ord
    FROM stage_quarantine
    UNION ALL
    SELECT n.file, n.line, b.reason, n.raw, n.source, n.run_id, n.step_id,
           octet_length(encode(n.raw)), sha256(n.raw), 1, b.rid
    FROM stage_bad b JOIN stage_n n ON n.rid = b.rid
    UNION ALL
    SELECT file, line, reason, NULL, source, run_id, NULL, NULL, NULL, 2, rrid
    FROM stage_run_conflicts
);
