-- haystack_spans.sql's naming of an Agent's run by the span above it, when the run and that span were stored apart:
-- an earlier ingest call stored the run before the span above came (a trace read in two calls, the later spans
-- first), or an export's merge brought one and the store held the other. The run, typed a chain step naming no agent
-- then (no span above it was known), is the agent the tool call above it is named after (an Agent offered as a
-- ComponentTool), or the component of a class of its own (a subclass of Agent), as one call of both types it. Its own
-- agent set here, the merge's walk down then gives it to the steps under it. Only a stored run of Haystack's that no
-- reader typed or named (kind 'chain' as the rule left it, no own agent), under a span of haystack_parents: the
-- section staged (an ingest's merge, before its walk: the spans staged in this call) or export (an export's merge,
-- its rules' runs, export_rules.sql: the stored spans of the runs whose steps came from both sides).

-- [section staged]
CREATE OR REPLACE TEMP VIEW haystack_parents AS SELECT run_id, step_id, name, tool, attributes FROM stage_steps;

-- [section export]
CREATE OR REPLACE TEMP VIEW haystack_parents AS
SELECT s.run_id, s.step_id, s.name, s.tool, s.attributes FROM steps s SEMI JOIN export_rule_runs r ON r.run_id = s.run_id;

-- [section name]
UPDATE steps SET kind = 'agent', agent_own = x.agent, agent = x.agent
FROM (
    SELECT s.run_id, s.step_id, CASE
        WHEN p.name = 'haystack.agent.step.tool' THEN nullif(trim(p.tool), '')
        WHEN p.name = 'haystack.component.run'
             AND json_extract_string(p.attributes, '$."haystack.component.type"') IS DISTINCT FROM 'Agent'
            THEN nullif(trim(json_extract_string(p.attributes, '$."haystack.component.name"')), '')
        END AS agent
    FROM steps s
    JOIN haystack_parents p ON p.run_id = s.run_id AND p.step_id = s.parent_id
    WHERE s.name = 'haystack.agent.run' AND s.kind = 'chain' AND s.agent_own IS NULL
) x
WHERE x.agent IS NOT NULL AND steps.run_id = x.run_id AND steps.step_id = x.step_id;

DROP VIEW haystack_parents;
