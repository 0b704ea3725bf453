-- One failed AG2 tool step an earlier call stored, given its executor's message in the merge's transaction
-- (ingest/_ag2_errors.py): its turn came in this call.
UPDATE steps SET error = $error WHERE run_id = $run_id AND step_id = $step_id;
