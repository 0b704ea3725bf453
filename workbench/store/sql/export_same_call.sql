-- A model call's two spans (ingest/_same_call.py; the rule is same_call_llm.sql's) split between the store and an
-- export merged into it, the export's steps stored now (merge_export.sql): one step, as one ingest of both
-- parts stores it. A store that read the part with the framework's span and a store that read the part with
-- its model client's span each kept its half; merged, the call was two LLM steps, its tokens counted twice.
-- Run in the merge's transaction before the merged runs are walked again (_export_links.walk_merged_runs).

-- [section runs]
-- The runs where a pair may be split: stored runs given LLM steps by the export, and runs joined across the two
-- (export_linked.sql's moves). A run only one side holds was folded by the store that held it.
CREATE OR REPLACE TEMP TABLE export_pair_runs AS
SELECT run_id FROM affected SEMI JOIN (SELECT run_id FROM export_new_steps WHERE kind = 'llm') n USING (run_id)
UNION SELECT new_run FROM export_stored_moves UNION SELECT new_run FROM export_moves;

-- [section fold]
-- The LLM steps of those runs, each side told apart (new: merged from the export now).
CREATE OR REPLACE TEMP TABLE export_pair_llm AS
SELECT s.run_id, s.step_id, s.parent_id, s.model, s.tokens_in, s.tokens_out,
       json_extract_string(s.attributes, '$."gcp.vertex.agent.event_id"') AS event_id,
       json_extract_string(s.attributes, '$."workbench.same_call_span"') AS named,
       n.step_id IS NOT NULL AS new
FROM steps s SEMI JOIN export_pair_runs r USING (run_id)
LEFT JOIN (SELECT run_id, step_id FROM export_new_steps WHERE kind = 'llm') n USING (run_id, step_id)
WHERE s.kind = 'llm';

CREATE OR REPLACE TEMP TABLE export_pair_kids AS
SELECT run_id, parent_id, count(*) AS n FROM export_pair_llm WHERE parent_id IS NOT NULL GROUP BY ALL;

-- A pair with one half on each side: the parent's only LLM child, itself without any, both by the rule (neither
-- a pair's step already); or a stored pair's parent, which names its child's span, and that child kept by the
-- other side (it read the child alone).
CREATE OR REPLACE TEMP TABLE export_pairs AS
SELECT p.run_id, p.step_id AS parent, c.step_id AS child, c.new AS child_new
FROM export_pair_llm p JOIN export_pair_llm c ON c.run_id = p.run_id AND c.parent_id = p.step_id
WHERE p.new <> c.new
  AND lower(regexp_replace(p.model, '^.*/', '')) = lower(regexp_replace(c.model, '^.*/', ''))
  AND p.tokens_in = c.tokens_in AND p.tokens_out = c.tokens_out
  AND (p.named = c.step_id
       OR (p.named IS NULL AND c.named IS NULL
           AND (p.event_id IS NULL OR c.event_id IS NULL OR p.event_id = c.event_id)
           AND (SELECT k.n FROM export_pair_kids k WHERE k.run_id = p.run_id AND k.parent_id = p.step_id) = 1
           AND NOT EXISTS (SELECT 1 FROM export_pair_kids g WHERE g.run_id = c.run_id AND g.parent_id = c.step_id)));

-- same_call_fold.sql's tables: the parent as it becomes with what its child gave; the stored children that go
-- (same_call_down: their runs' findings counted the call twice) and the export's (same_call_up: new to the run).
CREATE OR REPLACE TEMP TABLE same_call_folded AS
SELECT p.run_id, p.step_id, coalesce(p.input, c.input) AS input, coalesce(p.output, c.output) AS output,
       coalesce(p.cost, c.cost) AS cost, coalesce(p.confidence, c.confidence) AS confidence,
       coalesce(p.entropy, c.entropy) AS entropy, CASE WHEN c.status = 'error' THEN 'error' ELSE p.status END AS status,
       coalesce(p.error, c.error) AS error,
       json_merge_patch(coalesce(p.attributes, '{}'), json_object('workbench.same_call_span', x.child)) AS attributes,
       x.child
FROM export_pairs x
JOIN steps p ON p.run_id = x.run_id AND p.step_id = x.parent
JOIN steps c ON c.run_id = x.run_id AND c.step_id = x.child;

CREATE OR REPLACE TEMP TABLE same_call_down AS SELECT run_id, parent, child FROM export_pairs WHERE NOT child_new;

CREATE OR REPLACE TEMP TABLE same_call_up AS SELECT run_id, parent, child FROM export_pairs WHERE child_new;

-- [section up]
-- (after same_call_fold.sql) the export's children go too: the parent holds the call now.
DELETE FROM steps WHERE EXISTS (SELECT 1 FROM same_call_up x WHERE x.run_id = steps.run_id AND x.child = steps.step_id);

UPDATE export_counts SET steps_added = steps_added - (SELECT count(*) FROM same_call_up);
