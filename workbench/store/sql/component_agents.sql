-- Runs of this call in which no staged step names an agent, whose steps are the components of a pipeline
-- (Haystack's Pipeline.run over Agent.run / Handover.run spans, none naming its component): the pipeline
-- step's input and output map each component's name to its data (Haystack: {"data": {name: inputs}} in,
-- {name: outputs} out). A child step whose output holds everything the parent's output gives under a name
-- (or whose input holds everything the parent's input gives under a name), with that name matching no other
-- child, is that component, and acts as an agent of that name. (x within y: every key of x in y, same value.)
CREATE OR REPLACE TEMP MACRO wb_within(x, y) AS
    json_type(x) = 'OBJECT' AND json(x) <> '{}' AND json_type(y) = 'OBJECT'
    AND coalesce(try(list_bool_and(list_transform(map_keys(json_transform(x, '"MAP(VARCHAR, JSON)"')),
        lambda k: json_transform(y, '"MAP(VARCHAR, JSON)"')[k] IS NOT DISTINCT FROM
                  json_transform(x, '"MAP(VARCHAR, JSON)"')[k]))), false);

CREATE OR REPLACE TEMP TABLE component_agents AS
WITH unnamed AS (
    SELECT run_id FROM stage_steps GROUP BY run_id HAVING count(agent) = 0
), parents AS (
    SELECT p.run_id, p.step_id,
           try(json_transform(p.output, '"MAP(VARCHAR, JSON)"')) AS outs,
           try(json_transform(coalesce(json_extract(p.input, '$.data'), p.input), '"MAP(VARCHAR, JSON)"')) AS ins
    FROM stage_steps p SEMI JOIN unnamed u ON u.run_id = p.run_id
    WHERE (json_valid(p.output) AND json_type(p.output) = 'OBJECT') OR (json_valid(p.input) AND json_type(p.input) = 'OBJECT')
), named AS (
    SELECT c.run_id, c.step_id, k.name
    FROM parents p
    JOIN stage_steps c ON c.run_id = p.run_id AND c.parent_id = p.step_id AND c.agent IS NULL
    CROSS JOIN LATERAL (SELECT unnest(list_distinct(list_concat(coalesce(map_keys(p.outs), []),
                                                                coalesce(map_keys(p.ins), [])))) AS name) k
    WHERE json_valid(c.output) AND json_valid(c.input)
      AND (wb_within(p.outs[k.name], c.output) OR wb_within(p.ins[k.name], c.input))
)
SELECT run_id, step_id, min(name) AS agent FROM named
WHERE (run_id, name) IN (SELECT run_id, name FROM named GROUP BY run_id, name HAVING count(DISTINCT step_id) = 1)
GROUP BY run_id, step_id HAVING count(DISTINCT name) = 1;

UPDATE stage_steps SET agent = x.agent
FROM component_agents x
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.step_id AND stage_steps.agent IS NULL;

-- the runs whose inner runs tool_agents.sql names next (it names them level by level, down the nesting)
CREATE OR REPLACE TEMP TABLE named_runs AS SELECT run_id, step_id FROM component_agents;

DROP TABLE component_agents;
