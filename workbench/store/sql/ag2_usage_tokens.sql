-- AG2 1.x's record_usage spans of the AG2 runs staged now (_ag2_runs; ingest/_ag2_usage.py): a model call's
-- record (ag2.usage.kind model_call) takes the tokens and cost its attributes keep when no other step of its
-- run, staged or stored, holds tokens: the model calls' spans carry none (an instrumentation that cannot read
-- them) or were dropped (a sampler), and the record is all the log says. Where any other step holds tokens the
-- records stay empty, so no call counts twice; a sub-task's total never counts (its calls have their records).
-- A stored step staged again is its staged copy, and the records themselves are left out of the test, so the
-- same files read again, or in another order of calls, give the same rows.
UPDATE stage_steps SET
    tokens_in = TRY_CAST(json_extract_string(attributes, '$."gen_ai.usage.input_tokens"') AS BIGINT),
    tokens_out = TRY_CAST(json_extract_string(attributes, '$."gen_ai.usage.output_tokens"') AS BIGINT),
    cost = TRY_CAST(json_extract_string(attributes, '$."gen_ai.usage.cost"') AS DOUBLE)
WHERE run_id IN (SELECT run_id FROM _ag2_runs)
  AND tokens_in IS NULL AND tokens_out IS NULL AND cost IS NULL
  AND json_extract_string(attributes, '$."ag2.span.type"') = 'usage'
  AND json_extract_string(attributes, '$."ag2.usage.kind"') = 'model_call'
  AND NOT EXISTS (SELECT 1 FROM stage_steps o
                  WHERE o.run_id = stage_steps.run_id AND (o.tokens_in IS NOT NULL OR o.tokens_out IS NOT NULL)
                    AND json_extract_string(o.attributes, '$."ag2.span.type"') IS DISTINCT FROM 'usage')
  AND NOT EXISTS (SELECT 1 FROM steps o
                  WHERE o.run_id = stage_steps.run_id AND (o.tokens_in IS NOT NULL OR o.tokens_out IS NOT NULL)
                    AND json_extract_string(o.attributes, '$."ag2.span.type"') IS DISTINCT FROM 'usage'
                    AND NOT EXISTS (SELECT 1 FROM stage_steps g WHERE g.run_id = o.run_id AND g.step_id = o.step_id));
