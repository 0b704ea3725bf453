-- Microsoft Agent Framework exports a workflow's build (its `workflow.build` span) as a trace of its own, apart
-- from each `workflow.run` trace; both carry the workflow's `workflow.id` (ingest/_workflow_build.py). Lists
-- (build trace, stored, run) for each run of its own whose one root is a `workflow.build` span, staged in this
-- call or stored, and the one other run, staged or stored, with a run root of the same workflow.id: `workflow.run`,
-- or `invoke_workflow <name>` (agent-framework-core 1.26 names its run span by the GenAI operation: drift50)
-- (a workflow built once and run twice: which run would the build belong to? it stays its own). A build trace
-- holding a span id the run holds too (ids are only unique within a trace: native logs' "s0", hostile ones)
-- stays its own as well: joined, the two steps of one id would be duplicates and the first read (the build,
-- which ends first) would be kept, the run's own step quarantined. The build's span moved into the run by
-- an earlier call (its otel.trace_id the build's trace) is that span, not another.
WITH staged_roots AS (
    SELECT run_id, name, json_extract_string(attributes, '$."workflow.id"') AS wid, false AS stored
    FROM stage_steps WHERE parent_id IS NULL
), stored_roots AS (
    SELECT run_id, name, json_extract_string(attributes, '$."workflow.id"') AS wid, true AS stored
    FROM steps WHERE parent_id IS NULL
      AND run_id IN (SELECT run_id FROM steps WHERE parent_id IS NULL AND (name IN ('workflow.build', 'workflow.run') OR starts_with(name, 'invoke_workflow'))
                     AND json_extract_string(attributes, '$."workflow.id"') IN
                         (SELECT json_extract_string(attributes, '$."workflow.id"') FROM stage_steps
                          WHERE parent_id IS NULL AND (name IN ('workflow.build', 'workflow.run') OR starts_with(name, 'invoke_workflow'))))
), roots AS (
    SELECT * FROM staged_roots UNION ALL SELECT * FROM stored_roots
), builds AS (
    -- (a trace both staged and stored, as its own run, is listed twice: both copies move)
    SELECT run_id, stored, any_value(wid) AS wid FROM roots GROUP BY run_id, stored
    HAVING count(*) = 1 AND any_value(name) = 'workflow.build'
), targets AS (
    SELECT DISTINCT run_id, wid FROM roots WHERE (name = 'workflow.run' OR starts_with(name, 'invoke_workflow')) AND wid IS NOT NULL
), joins AS (
    SELECT b.run_id, b.stored, min(t.run_id) AS target
    FROM builds b JOIN targets t ON t.wid = b.wid AND t.run_id <> b.run_id
    WHERE b.wid IS NOT NULL
    GROUP BY b.run_id, b.stored
    HAVING count(DISTINCT t.run_id) = 1
), build_ids AS (
    SELECT j.run_id, j.stored, j.target, s.step_id FROM joins j JOIN stage_steps s ON s.run_id = j.run_id
    WHERE NOT j.stored
    UNION ALL
    SELECT j.run_id, j.stored, j.target, s.step_id FROM joins j JOIN steps s ON s.run_id = j.run_id
    WHERE j.stored
), clashes AS (
    SELECT DISTINCT b.run_id, b.stored FROM build_ids b
    WHERE EXISTS (SELECT 1 FROM stage_steps s WHERE s.run_id = b.target AND s.step_id = b.step_id)
       OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id = b.target AND s.step_id = b.step_id
                  AND json_extract_string(s.attributes, '$."otel.trace_id"') IS DISTINCT FROM b.run_id)
)
SELECT run_id, stored, target FROM joins ANTI JOIN clashes USING (run_id, stored)
ORDER BY ALL
