-- AG2 group chats (ingest/_ag2_errors.py): each _Group_Tool_Executor turn of the AG2 runs staged now (_ag2_runs)
-- with its output and its tool steps in the order they started. Turns and tool steps are taken staged or
-- stored (a trace split over files read one call each: the turn and its calls may come in different
-- calls, in either order); a step staged again is its staged copy. (AG2 names the turn's span
-- "invoke_agent <agent>"; the stored row no longer says the agent, whose turn it acts for.) Calls are
-- ordered at the store's resolution (µs: finalize stores start_ns // 1000), a same-µs tie by step_id, never
-- staged ns against stored µs: two calls within one µs would otherwise pair with the turn's answers one way
-- when read in one call and the other way when split over calls (as previous_agent.sql).
WITH turns AS (
    SELECT run_id, step_id, output FROM stage_steps
    WHERE run_id IN (SELECT run_id FROM _ag2_runs) AND kind = 'chain' AND ends_with(name, '_Group_Tool_Executor')
      AND output IS NOT NULL AND json_extract_string(attributes, '$."ag2.span.type"') IS NOT NULL
    UNION ALL
    SELECT run_id, step_id, output FROM steps o
    WHERE run_id IN (SELECT run_id FROM _ag2_runs) AND kind = 'chain' AND ends_with(name, '_Group_Tool_Executor')
      AND output IS NOT NULL AND json_extract_string(attributes, '$."ag2.span.type"') IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)
), tools AS (
    SELECT run_id, step_id, parent_id, start_ns // 1000 AS start_us, status, error, true AS staged FROM stage_steps
    WHERE run_id IN (SELECT run_id FROM _ag2_runs) AND kind = 'tool'
    UNION ALL
    SELECT run_id, step_id, parent_id, epoch_us(started_at), status, error, false FROM steps o
    WHERE run_id IN (SELECT run_id FROM _ag2_runs) AND kind = 'tool'
      AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)
)
SELECT p.run_id, p.output,
       list(struct_pack(step_id := c.step_id, status := c.status, error := c.error, staged := c.staged)
            ORDER BY c.start_us, c.step_id)
FROM (SELECT DISTINCT * FROM turns) p
JOIN tools c ON c.run_id = p.run_id AND c.parent_id = p.step_id
GROUP BY p.run_id, p.step_id, p.output;
