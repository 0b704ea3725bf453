-- The columns in which one copy of a step differs from another (empty: the same step), by what its log
-- said of it: not where it was read (file, line), nor what the store worked out from its run (seq, depth, the
-- agent inherited). Read by the log ingest (finalize.sql: a copy staged earlier in the call, or the step
-- already stored) and by an export's merge (merge_export.sql: the export's step against the stored one), so
-- every check names the same columns. Each side is a struct of the step's columns with its times in
-- microseconds (started_us, ended_us), as the store keeps them, and agent_own for the agent the log gave.
-- JSON text compares as JSON values (store/_same_json.py says what is the same): earlier releases stored native
-- objects with spaces after separators, a native file holds sorted keys where the same records given as Python
-- objects keep their order, and re-ingesting the same log by either path must still add nothing. Cheapest test
-- first, each only on the pairs the one before could not match (CASE evaluates a branch on its rows only; an OR
-- evaluated both sides on every row): the same text, the same text once json() drops spaces and reads escapes,
-- then the Python function (key order, number forms), which a re-ingest of the same file never reaches. Text
-- json_valid refuses goes to the Python function too: it reads what DuckDB's reader does not (a lone surrogate
-- escape "\ud800" is valid JSON text) and says false for text that is not JSON.
CREATE OR REPLACE TEMP MACRO same_json(x, y) AS CASE
    WHEN x IS NOT DISTINCT FROM y THEN true
    WHEN x IS NULL OR y IS NULL THEN false
    WHEN NOT coalesce(json_valid(x) AND json_valid(y), false) THEN wb_same_json(x, y)
    WHEN json(x) = json(y) THEN true
    ELSE wb_same_json(x, y) END;

CREATE OR REPLACE TEMP MACRO step_differs(n, s) AS concat_ws(', ',
    CASE WHEN n.parent_id IS DISTINCT FROM s.parent_id THEN 'parent_id' END,
    CASE WHEN n.agent_own IS DISTINCT FROM s.agent_own THEN 'agent' END,
    CASE WHEN n.kind IS DISTINCT FROM s.kind THEN 'kind' END,
    CASE WHEN n.name IS DISTINCT FROM s.name THEN 'name' END,
    CASE WHEN n.tool IS DISTINCT FROM s.tool THEN 'tool' END,
    CASE WHEN n.model IS DISTINCT FROM s.model THEN 'model' END,
    CASE WHEN n.started_us IS DISTINCT FROM s.started_us THEN 'started_at' END,
    CASE WHEN n.ended_us IS DISTINCT FROM s.ended_us THEN 'ended_at' END,
    CASE WHEN n.status IS DISTINCT FROM s.status THEN 'status' END,
    CASE WHEN n.error IS DISTINCT FROM s.error THEN 'error' END,
    CASE WHEN NOT same_json(n.input, s.input) THEN 'input' END,
    CASE WHEN NOT same_json(n.output, s.output) THEN 'output' END,
    CASE WHEN n.tokens_in IS DISTINCT FROM s.tokens_in THEN 'tokens_in' END,
    CASE WHEN n.tokens_out IS DISTINCT FROM s.tokens_out THEN 'tokens_out' END,
    CASE WHEN n.cost IS DISTINCT FROM s.cost THEN 'cost' END,
    CASE WHEN n.confidence IS DISTINCT FROM s.confidence THEN 'confidence' END,
    CASE WHEN n.entropy IS DISTINCT FROM s.entropy THEN 'entropy' END,
    CASE WHEN NOT same_json(n.attributes::VARCHAR, s.attributes::VARCHAR) THEN 'attributes' END);

-- A stored step (a row of steps, or of an export's steps) in the shape step_differs compares.
CREATE OR REPLACE TEMP MACRO stored_step(s) AS struct_pack(
    parent_id := s.parent_id, agent_own := s.agent_own, kind := s.kind, name := s.name, tool := s.tool,
    model := s.model, started_us := epoch_us(s.started_at), ended_us := epoch_us(s.ended_at), status := s.status,
    error := s.error, input := s.input, output := s.output, tokens_in := s.tokens_in,
    tokens_out := s.tokens_out, cost := s.cost, confidence := s.confidence, entropy := s.entropy,
    attributes := s.attributes);
