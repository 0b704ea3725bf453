-- After staging (ingest/_otlp_logs.py): the log records read (view _wb_span_logs: file, line, run_id,
-- step_id, input, output, raw, trace_id, ord) whose span is staged in this call or stored, and the others.
-- run_id is the run the span's trace belongs to after span links joined traces (staged steps have moved
-- there already); trace_id the trace's own run, under which a stored span stays until the merge moves it.
CREATE OR REPLACE TEMP TABLE stage_span_log_keys AS
SELECT DISTINCT run_id, trace_id, step_id FROM _wb_span_logs;
CREATE OR REPLACE TEMP TABLE stage_span_log_known AS
SELECT k.run_id, k.step_id FROM stage_span_log_keys k
WHERE EXISTS (SELECT 1 FROM stage_steps s WHERE s.run_id = k.run_id AND s.step_id = k.step_id)
   OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id IN (k.run_id, k.trace_id) AND s.step_id = k.step_id);
CREATE OR REPLACE TEMP TABLE stage_span_logs AS
SELECT l.* EXCLUDE (raw, trace_id) FROM _wb_span_logs l SEMI JOIN stage_span_log_known k USING (run_id, step_id);
CREATE OR REPLACE TEMP TABLE stage_span_log_orphans AS
SELECT l.file, l.line, l.trace_id AS run_id, l.step_id, l.raw, l.ord FROM _wb_span_logs l
ANTI JOIN stage_span_log_known k USING (run_id, step_id);
