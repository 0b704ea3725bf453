-- A tool step an earlier call read out of a model call's messages (derived_tools: no span of its run traced a tool
-- then), in a run whose own spans now trace a tool or a hand-off (a trace read in two calls, the later part
-- first): one call of both reads no call out of the messages of a run its spans trace tools in (message_tools.sql's
-- traced section), so the made-up step goes, with its edges. Over the touched runs the store held before only (the
-- driver's old_runs). Made-up steps are told by derived_tools, which the store writes, not by their attributes'
-- workbench.tool_call_from: a log's own tool step may hold that key (its payload, at any depth), and was deleted.
CREATE OR REPLACE TEMP TABLE untraced_derived AS
SELECT d.run_id, d.step_id
FROM affected_steps d SEMI JOIN derived_tools m ON m.run_id = d.run_id AND m.step_id = d.step_id
WHERE d.kind = 'tool'
  AND EXISTS (SELECT 1 FROM affected_steps t
              WHERE t.run_id = d.run_id AND t.kind IN ('tool', 'handoff')
                AND NOT EXISTS (SELECT 1 FROM derived_tools m2 WHERE m2.run_id = t.run_id AND m2.step_id = t.step_id));

DELETE FROM edges e USING untraced_derived d
WHERE e.run_id = d.run_id AND (e.src_step = d.step_id OR e.dst_step = d.step_id);

DELETE FROM steps s USING untraced_derived d WHERE s.run_id = d.run_id AND s.step_id = d.step_id;

DELETE FROM derived_tools m USING untraced_derived d WHERE m.run_id = d.run_id AND m.step_id = d.step_id;
