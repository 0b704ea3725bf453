-- Staged traces that continue another trace by a span link move into its run (ingest/_links.py decides
-- which: link_moves(old_run, new_run), link_roots(old_run, step_id, linked, hop): the roots that carry the
-- links). Runs after staging, before the merge; UPDATEs keep stage_steps' row ids (the merge numbers staged
-- rows by them).

-- A root called in a new trace gets the linked span (its caller) as its parent.
UPDATE stage_steps SET parent_id = p.linked
FROM link_roots p
WHERE NOT p.hop AND stage_steps.run_id = p.old_run AND stage_steps.step_id = p.step_id
  AND stage_steps.parent_id IS NULL;

-- A messaging hop stays a root; it carries on what the linked span sent.
INSERT INTO stage_edges
SELECT DISTINCT m.new_run, p.linked, p.step_id, 'consumes'
FROM link_roots p JOIN link_moves m ON m.old_run = p.old_run
WHERE p.hop;

-- Every step of a moved trace keeps its trace id (otel.trace_id) and takes its new run's id.
UPDATE stage_steps SET run_id = m.new_run,
    attributes = CASE WHEN attributes IS NULL THEN json_object('otel.trace_id', m.old_run)::VARCHAR
                      WHEN json_valid(attributes) AND json_type(attributes) = 'OBJECT'
                      THEN json_merge_patch(attributes, json_object('otel.trace_id', m.old_run))::VARCHAR
                      ELSE attributes END
FROM link_moves m
WHERE stage_steps.run_id = m.old_run;

-- A moved trace's run record (its resource) gives way to the run's own when that has one.
DELETE FROM stage_runs
WHERE run_id IN (SELECT old_run FROM link_moves m WHERE m.new_run IN (SELECT run_id FROM stage_runs));

UPDATE stage_runs SET run_id = m.new_run FROM link_moves m WHERE stage_runs.run_id = m.old_run;

UPDATE stage_edges SET run_id = m.new_run FROM link_moves m WHERE stage_edges.run_id = m.old_run;

UPDATE stage_labels SET run_id = m.new_run FROM link_moves m WHERE stage_labels.run_id = m.old_run;
