-- Stored runs that continue a trace this call brings move into its run (ingest/_links.py decides which:
-- link_moves(old_run, new_run), link_roots(old_run, step_id, linked, hop): the stored roots carrying the
-- links). Inside the merge's transaction, before the merge: it then walks the moved steps with the run's
-- new ones (depth, agent, order, the parent edge of a root given its caller), as one call would have.

-- A root called in a new trace gets the linked span (its caller) as its parent.
UPDATE steps SET parent_id = p.linked
FROM link_roots p
WHERE NOT p.hop AND steps.run_id = p.old_run AND steps.step_id = p.step_id AND steps.parent_id IS NULL;

-- Every step of a moved run takes its new run's id and keeps its trace id (otel.trace_id; a step moved
-- into the old run before keeps the one it has).
UPDATE steps SET run_id = m.new_run,
    attributes = CASE WHEN attributes IS NULL THEN json_object('otel.trace_id', m.old_run)
                      WHEN json_exists(attributes, '$."otel.trace_id"') THEN attributes
                      WHEN json_type(attributes) = 'OBJECT'
                      THEN json_merge_patch(attributes, json_object('otel.trace_id', m.old_run))
                      ELSE attributes END
FROM link_moves m
WHERE steps.run_id = m.old_run;

UPDATE edges SET run_id = m.new_run FROM link_moves m WHERE edges.run_id = m.old_run;

UPDATE rule_agents SET run_id = m.new_run FROM link_moves m WHERE rule_agents.run_id = m.old_run;

UPDATE derived_tools SET run_id = m.new_run FROM link_moves m WHERE derived_tools.run_id = m.old_run;

UPDATE rule_handoffs SET run_id = m.new_run FROM link_moves m WHERE rule_handoffs.run_id = m.old_run;

-- Their roots continue another trace now: linked_roots keeps the roots of no moved trace (linked_roots.sql), as
-- one call of both traces keeps them. (Left, the store held rows the same logs read in one call did not.)
DELETE FROM linked_roots WHERE run_id IN (SELECT old_run FROM link_moves);

-- A messaging hop stays a root; it carries on what the linked span sent.
INSERT INTO edges
SELECT DISTINCT m.new_run, p.linked, p.step_id, 'consumes'
FROM link_roots p JOIN link_moves m ON m.old_run = p.old_run
WHERE p.hop AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.run_id = m.new_run AND e.src_step = p.linked
                                                    AND e.dst_step = p.step_id AND e.kind = 'consumes');

UPDATE labels SET run_id = m.new_run FROM link_moves m WHERE labels.run_id = m.old_run;

-- What was found or computed about a run that no longer exists goes with it (detect and attribute the run
-- it is now part of again).
DELETE FROM findings WHERE run_id IN (SELECT old_run FROM link_moves);
DELETE FROM detected WHERE run_id IN (SELECT old_run FROM link_moves);
DELETE FROM attributions WHERE run_id IN (SELECT old_run FROM link_moves);

-- A moved run's record (its resource, what its log declared) gives way to the run's own when that has one
-- (stored, or staged in this call); otherwise the first moved into it stands for the run, as the first
-- staged record of a moved trace would in one call. The run's row is rebuilt after the merge.
DELETE FROM runs
WHERE run_id IN (SELECT old_run FROM link_moves m
                 WHERE m.new_run IN (SELECT run_id FROM runs UNION SELECT run_id FROM stage_runs)
                    OR m.old_run <> (SELECT min(old_run) FROM link_moves m2 WHERE m2.new_run = m.new_run));

UPDATE runs SET run_id = m.new_run FROM link_moves m WHERE runs.run_id = m.old_run;
