-- In the merge's transaction, before staged steps are compared with stored ones (ingest/_ag2_usage.py): the
-- usage records an earlier call stored with tokens (ag2_usage_tokens.sql found none of their run's other steps
-- holding any then) give them up once another step of their run holds tokens, staged now or stored, so the run
-- counts each call once whatever the order of the calls. A record staged again is its staged copy (already
-- decided by ag2_usage_tokens.sql), and is left alone here. (The predicates: ag2_usage_macros.sql.)
UPDATE steps SET tokens_in = NULL, tokens_out = NULL, cost = NULL
WHERE run_id IN (SELECT run_id FROM _ag2_runs)
  AND (tokens_in IS NOT NULL OR tokens_out IS NOT NULL OR cost IS NOT NULL)
  AND ag2_call_record(attributes)
  AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = steps.run_id AND g.step_id = steps.step_id)
  AND (EXISTS (SELECT 1 FROM stage_steps o
               WHERE o.run_id = steps.run_id AND ag2_holds_tokens(o.tokens_in, o.tokens_out, o.attributes))
       OR EXISTS (SELECT 1 FROM steps o
                  WHERE o.run_id = steps.run_id AND ag2_holds_tokens(o.tokens_in, o.tokens_out, o.attributes)
                    AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id)));
