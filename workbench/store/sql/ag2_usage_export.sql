-- AG2 1.x's usage records in an export's merge (store/_ag2_usage_export.py), before its steps are compared with the
-- stored ones: a model call's record holds the tokens its attributes keep when no other step of its run holds
-- tokens, else none (ingest/_ag2_usage.py's rule). Each store decided with the part of the run it held, so the
-- run's records are decided again over both: the stored ones updated, the export's rewritten (export_steps),
-- and a record held by both is then the same step, not a conflict, and the run counts each call once. (The
-- predicates: ag2_usage_macros.sql.)

-- [section runs]
-- The export's runs with a usage record, exported or stored (the stored steps cut to the export's runs first;
-- the attributes' text searched before it is parsed).
CREATE OR REPLACE TEMP TABLE export_usage_runs AS
WITH runs_of AS (SELECT DISTINCT run_id FROM export_steps WHERE export_bad IS NULL)
SELECT run_id FROM export_steps
WHERE export_bad IS NULL AND contains(attributes::VARCHAR, '"ag2.span.type"') AND ag2_usage_record(attributes)
UNION
SELECT run_id FROM steps SEMI JOIN runs_of USING (run_id)
WHERE contains(attributes::VARCHAR, '"ag2.span.type"') AND ag2_usage_record(attributes);

-- [section decide]
-- Of those, the runs where a step that is no usage record holds tokens, in the export or the store.
CREATE OR REPLACE TEMP TABLE export_usage_held AS
SELECT run_id FROM export_steps SEMI JOIN export_usage_runs USING (run_id)
WHERE export_bad IS NULL AND ag2_holds_tokens(tokens_in, tokens_out, attributes)
UNION
SELECT run_id FROM steps SEMI JOIN export_usage_runs USING (run_id)
WHERE ag2_holds_tokens(tokens_in, tokens_out, attributes);

-- Each usage record's tokens and cost as decided (a sub-task's total keeps none: its calls have their records).
CREATE OR REPLACE TEMP TABLE export_usage_decided AS
SELECT run_id, step_id,
       CASE WHEN held THEN NULL ELSE ag2_record_tokens_in(attributes) END AS tokens_in,
       CASE WHEN held THEN NULL ELSE ag2_record_tokens_out(attributes) END AS tokens_out,
       CASE WHEN held THEN NULL ELSE ag2_record_cost(attributes) END AS cost
FROM (SELECT run_id, step_id, attributes, run_id IN (SELECT run_id FROM export_usage_held) AS held
      FROM (SELECT run_id, step_id, attributes FROM export_steps SEMI JOIN export_usage_runs USING (run_id)
            WHERE export_bad IS NULL
            UNION ALL
            SELECT run_id, step_id, attributes FROM steps SEMI JOIN export_usage_runs USING (run_id))
      WHERE ag2_call_record(attributes))
QUALIFY row_number() OVER (PARTITION BY run_id, step_id) = 1;

UPDATE steps SET tokens_in = d.tokens_in, tokens_out = d.tokens_out, cost = d.cost
FROM export_usage_decided d
WHERE steps.run_id = d.run_id AND steps.step_id = d.step_id
  AND (steps.tokens_in IS DISTINCT FROM d.tokens_in OR steps.tokens_out IS DISTINCT FROM d.tokens_out
       OR steps.cost IS DISTINCT FROM d.cost);

CREATE OR REPLACE TEMP TABLE export_usage_steps AS
SELECT e.* REPLACE (CASE WHEN d.step_id IS NULL THEN e.tokens_in ELSE d.tokens_in END AS tokens_in,
                    CASE WHEN d.step_id IS NULL THEN e.tokens_out ELSE d.tokens_out END AS tokens_out,
                    CASE WHEN d.step_id IS NULL THEN e.cost ELSE d.cost END AS cost)
FROM export_steps e LEFT JOIN export_usage_decided d ON d.run_id = e.run_id AND d.step_id = e.step_id;

CREATE OR REPLACE TEMP VIEW export_steps AS SELECT * FROM export_usage_steps;
