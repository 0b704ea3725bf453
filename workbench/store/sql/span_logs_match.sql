-- After staging (ingest/_otlp_logs.py): the log records read (view _wb_span_logs: file, line, run_id,
-- step_id, input, output, note, time, raw, error, caught, trace_id, ord) whose span is staged in this call or stored, and the others.
-- run_id is the run the span's trace belongs to after span links joined traces (staged steps have moved
-- there already); trace_id the trace's own run, under which a stored span stays until the merge moves it.
CREATE OR REPLACE TEMP TABLE stage_span_log_keys AS
SELECT DISTINCT run_id, trace_id, step_id FROM _wb_span_logs;
CREATE OR REPLACE TEMP TABLE stage_span_log_known AS
SELECT k.run_id, k.trace_id, k.step_id, k.run_id AS to_run FROM stage_span_log_keys k
WHERE EXISTS (SELECT 1 FROM stage_steps s WHERE s.run_id = k.run_id AND s.step_id = k.step_id)
   OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id IN (k.run_id, k.trace_id) AND s.step_id = k.step_id);
-- A span stored in an earlier call and joined there into another run keeps its trace as otel.trace_id.
INSERT INTO stage_span_log_known
SELECT k.run_id, k.trace_id, k.step_id, any_value(s.run_id) AS to_run
FROM stage_span_log_keys k JOIN steps s ON s.step_id = k.step_id
WHERE s.run_id NOT IN (k.run_id, k.trace_id)
  AND json_extract_string(s.attributes, '$."otel.trace_id"') = k.trace_id
  AND NOT EXISTS (SELECT 1 FROM stage_span_log_known n WHERE n.run_id = k.run_id AND n.step_id = k.step_id)
GROUP BY k.run_id, k.trace_id, k.step_id;
-- (digest: the record's identity, so that a record stored once is not added again; raw: its text, for the
-- quarantine if the merge quarantines its span)
CREATE OR REPLACE TEMP TABLE stage_span_logs AS
SELECT l.* EXCLUDE (trace_id, run_id), k.to_run AS run_id, md5(l.raw) AS digest FROM _wb_span_logs l
JOIN stage_span_log_known k ON k.run_id = l.run_id AND k.step_id = l.step_id;
CREATE OR REPLACE TEMP TABLE stage_span_log_orphans AS
SELECT l.file, l.line, l.trace_id AS run_id, l.step_id, l.raw, l.ord FROM _wb_span_logs l
ANTI JOIN stage_span_log_known k USING (run_id, step_id);
