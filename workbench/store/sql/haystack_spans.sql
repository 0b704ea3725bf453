-- Haystack's own OpenTelemetry tracing (deepset-ai/haystack: core/pipeline/base.py, components/agents/agent.py and
-- tool_calling.py; the tracer of haystack-core-integrations' opentelemetry integration) types no span: a pipeline's
-- haystack.pipeline.run, each component's haystack.component.run (haystack.component.name / .type), an Agent's
-- haystack.agent.run (naming no agent), its haystack.agent.step, the step's model call haystack.agent.step.llm (no
-- attribute at all without content tracing) and tool calls haystack.agent.step.tool (haystack.tool.name, the
-- tools slot). The span names say what each step is. An Agent component is that agent (its name the component's);
-- an Agent offered to another as a ComponentTool runs its haystack.agent.run right under the tool call's span (the
-- tracer's parent is the current span; no component span between): that run is the agent the tool is named after
-- (as the OpenInference Haystack reading names it, tool_agents.sql; the call stays the caller's).
-- An Agent run alone (agent.run(messages), no pipeline: its haystack.agent.run the trace's root) names no agent,
-- none is named in the trace: it is the trace's one agent, read as 'agent' (as Maple's Haystack tracer names
-- it, parent.get("haystack.component.name") or parent.get("gen_ai.tool.name") or "agent"), so a verdict names
-- the agent whose steps they are. One under a span of the user's own (or of a parent not stored) stays unnamed:
-- another agent may be above it.
-- The steps under either act for it (the merge's walk down). A tool call whose content output is {"error": …} is a
-- caught ToolInvocationError handed back to the model (tool_calling.py leaves the span's status unset): it failed.
-- Any other span of Haystack's (haystack.pipeline.run, haystack.agent.step, haystack.agent.hook …) is a chain step.
-- Only steps no reader typed or named (kind 'other', no agent), of this call's stage. The live guard types the spans
-- so too, span by span (workbench/_guard_span_haystack.py, its Python twin: change both; haystack_stored.sql names a
-- run stored before the span above it came).
CREATE OR REPLACE TEMP TABLE haystack_steps AS
WITH spans AS (
    SELECT s.run_id, s.step_id, s.name, s.output, s.parent_id,
           json_extract_string(s.attributes, '$."haystack.component.type"') AS component_type,
           json_extract_string(s.attributes, '$."haystack.component.name"') AS component,
           -- (the parent staged, else stored: a trace read in two calls)
           coalesce(p.name, sp.name) AS parent_name, coalesce(p.tool, sp.tool) AS parent_tool,
           coalesce(p.attributes, sp.attributes) AS parent_attributes
    FROM stage_steps s
    LEFT JOIN stage_steps p ON p.run_id = s.run_id AND p.step_id = s.parent_id
    LEFT JOIN steps sp ON p.step_id IS NULL AND sp.run_id = s.run_id AND sp.step_id = s.parent_id
    WHERE starts_with(s.name, 'haystack.') AND s.kind = 'other' AND s.agent IS NULL
), runs_of AS (
    -- the agent an Agent's run is, when the span above does not type itself so: the tool offering it, or a
    -- component of a class of its own (a subclass of Agent); under an Agent component, that component's
    SELECT *, CASE
        WHEN name <> 'haystack.agent.run' THEN NULL
        WHEN parent_id IS NULL THEN 'agent'
        WHEN parent_name = 'haystack.agent.step.tool' THEN nullif(trim(parent_tool), '')
        WHEN parent_name = 'haystack.component.run'
             AND json_extract_string(parent_attributes, '$."haystack.component.type"') IS DISTINCT FROM 'Agent'
            THEN nullif(trim(json_extract_string(parent_attributes, '$."haystack.component.name"')), '')
        END AS offered_as
    FROM spans
), typed AS (
    SELECT *, CASE
        WHEN name IN ('haystack.agent.step.llm', 'haystack.chat_generator.run') THEN 'llm'
        WHEN name = 'haystack.agent.step.tool' THEN 'tool'
        -- (a ConfirmationHook's strategy asking about a tool call, haystack.tool.name its tool: hooks/human_in_the_loop)
        WHEN name = 'haystack.agent.hook.human_in_the_loop.strategy' THEN 'human'
        WHEN name = 'haystack.component.run' AND component_type = 'Agent' AND nullif(trim(component), '') IS NOT NULL
            THEN 'agent'
        WHEN name = 'haystack.agent.run' AND offered_as IS NOT NULL THEN 'agent'
        -- (a pipeline's generator or retriever component: its class says so, as Haystack names its own)
        WHEN name = 'haystack.component.run' AND ends_with(component_type, 'Generator') THEN 'llm'
        WHEN name = 'haystack.component.run' AND ends_with(component_type, 'Retriever') THEN 'retriever'
        ELSE 'chain' END AS kind
    FROM runs_of
)
SELECT run_id, step_id, kind,
       CASE WHEN kind = 'agent' THEN coalesce(offered_as, component) END AS agent,
       CASE WHEN kind = 'tool' AND json_valid(output) AND json_type(output) = 'OBJECT'
                 AND json_keys(output) = ['error'] AND json_type(output, '$.error') = 'VARCHAR'
            THEN nullif(json_extract_string(output, '$.error'), '') END AS failure,
       CASE WHEN kind = 'llm' AND json_valid(output) THEN output END AS reply
FROM typed;

UPDATE stage_steps SET kind = x.kind, is_agent = x.kind = 'agent', agent = x.agent,
       status = CASE WHEN x.failure IS NOT NULL THEN 'error' ELSE stage_steps.status END,
       error = coalesce(stage_steps.error, x.failure),
       -- (a model call's reply, as ChatMessage's trace dict gives it, names the model and counts its tokens)
       model = coalesce(stage_steps.model, json_extract_string(x.reply, '$.replies[0].meta.model')),
       tokens_in = coalesce(stage_steps.tokens_in,
                            try_cast(json_extract_string(x.reply, '$.replies[0].meta.usage.prompt_tokens') AS BIGINT),
                            try_cast(json_extract_string(x.reply, '$.replies[0].meta.usage.input_tokens') AS BIGINT)),
       tokens_out = coalesce(stage_steps.tokens_out,
                             try_cast(json_extract_string(x.reply, '$.replies[0].meta.usage.completion_tokens') AS BIGINT),
                             try_cast(json_extract_string(x.reply, '$.replies[0].meta.usage.output_tokens') AS BIGINT))
FROM haystack_steps x
WHERE stage_steps.run_id = x.run_id AND stage_steps.step_id = x.step_id;

DROP TABLE haystack_steps;
