-- One failed AG2 tool step's error text (ingest/_ag2_errors.py).
UPDATE stage_steps SET error = $error WHERE run_id = $run_id AND step_id = $step_id;
