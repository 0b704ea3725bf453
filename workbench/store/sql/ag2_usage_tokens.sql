-- AG2 1.x's record_usage spans of the AG2 runs staged now (_ag2_runs; ingest/_ag2_usage.py): a model call's
-- record (ag2.usage.kind model_call) takes the tokens and cost its attributes keep when no other step of its
-- run, staged or stored, holds tokens: the model calls' spans carry none (an instrumentation that cannot read
-- them) or were dropped (a sampler), and the record is all the log says. Where any other step holds tokens the
-- records stay empty, so no call counts twice; a sub-task's total never counts (its calls have their records).
-- A stored step staged again is its staged copy, and the records themselves are left out of the test, so the
-- same files read again, or in another order of calls, give the same rows. (The predicates: ag2_usage_macros.sql.)
UPDATE stage_steps SET
    tokens_in = ag2_record_tokens_in(attributes),
    tokens_out = ag2_record_tokens_out(attributes),
    cost = ag2_record_cost(attributes)
WHERE run_id IN (SELECT run_id FROM _ag2_runs)
  AND tokens_in IS NULL AND tokens_out IS NULL AND cost IS NULL
  AND ag2_call_record(attributes)
  AND NOT EXISTS (SELECT 1 FROM stage_steps o
                  WHERE o.run_id = stage_steps.run_id AND ag2_holds_tokens(o.tokens_in, o.tokens_out, o.attributes))
  AND NOT EXISTS (SELECT 1 FROM steps o
                  WHERE o.run_id = stage_steps.run_id AND ag2_holds_tokens(o.tokens_in, o.tokens_out, o.attributes)
                    AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id));
