-- AG2 1.x's usage records (ingest/_ag2_usage.py): the rule "a model call's record holds the tokens its attributes
-- keep only when no other step of its run holds tokens", as the three places that apply it share it: the staged
-- records (ag2_usage_tokens.sql), the stored ones (ag2_usage_stored.sql) and an export's merge
-- (ag2_usage_export.sql). A sub-task's total is no model call's record: its calls have their own.

-- A record_usage span.
CREATE OR REPLACE TEMP MACRO ag2_usage_record(attrs) AS json_extract_string(attrs, '$."ag2.span.type"') = 'usage';
-- A model call's record.
CREATE OR REPLACE TEMP MACRO ag2_call_record(attrs) AS
    ag2_usage_record(attrs) AND json_extract_string(attrs, '$."ag2.usage.kind"') = 'model_call';
-- A step that holds tokens of its own (no usage record): while one does, the run's records hold none.
CREATE OR REPLACE TEMP MACRO ag2_holds_tokens(tin, tout, attrs) AS
    (tin IS NOT NULL OR tout IS NOT NULL) AND json_extract_string(attrs, '$."ag2.span.type"') IS DISTINCT FROM 'usage';
-- What a record's attributes keep.
CREATE OR REPLACE TEMP MACRO ag2_record_tokens_in(attrs) AS
    TRY_CAST(json_extract_string(attrs, '$."gen_ai.usage.input_tokens"') AS BIGINT);
CREATE OR REPLACE TEMP MACRO ag2_record_tokens_out(attrs) AS
    TRY_CAST(json_extract_string(attrs, '$."gen_ai.usage.output_tokens"') AS BIGINT);
CREATE OR REPLACE TEMP MACRO ag2_record_cost(attrs) AS TRY_CAST(json_extract_string(attrs, '$."gen_ai.usage.cost"') AS DOUBLE);
