-- A component run inside a run of the same component (Haystack's Agent.run of an agent offered to another as
-- a ComponentTool: no span of the tool's, the inner Agent.run a child of the caller's, naming nothing) is
-- that tool's: the one call in the caller's messages (Python reprs, ToolCall(tool_name='<tool>',
-- arguments={…})) whose arguments hold the text the inner run was given first. Else it stays the
-- caller's. (A call's arguments end at ", id=": the repr's next field.) Only under a run named so far
-- (named_runs: the components component_agents.sql named, then the runs the last round named here, so an
-- agent offered as a tool to an agent offered as a tool is named too; run again while it names any).
CREATE OR REPLACE TEMP TABLE tool_agents AS
WITH inner_runs AS (
    SELECT c.run_id, c.step_id,
           array_to_string(try(json_extract_string(p.output, '$.messages[*]')), chr(10)) AS said,
           regexp_extract(try(json_extract_string(c.input, '$.messages[0]')),
                          'TextContent\(text=(''(?:[^''\\]|\\.)*''|"(?:[^"\\]|\\.)*")', 1) AS asked
    FROM stage_steps c JOIN stage_steps p ON p.run_id = c.run_id AND p.step_id = c.parent_id
    SEMI JOIN named_runs x ON x.run_id = p.run_id AND x.step_id = p.step_id
    WHERE c.agent IS NULL AND c.name = p.name
      AND json_valid(c.input) AND json_valid(p.output) AND contains(p.output, 'ToolCall(tool_name=')
), named AS (
    SELECT run_id, step_id, list_distinct(list_transform(
        list_filter(string_split(said, 'ToolCall(tool_name=''')[2:],
                    lambda seg: contains(split_part(seg, ', id=', 1), asked)),
        lambda seg: split_part(seg, '''', 1))) AS names
    FROM inner_runs WHERE coalesce(asked, '') <> ''
)
SELECT run_id, step_id, names[1] AS agent FROM named WHERE len(names) = 1 AND trim(names[1]) <> '';

UPDATE stage_steps SET agent = x.agent
FROM tool_agents x
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.step_id AND stage_steps.agent IS NULL;

CREATE OR REPLACE TEMP TABLE named_runs AS SELECT run_id, step_id FROM tool_agents;

DROP TABLE tool_agents;
