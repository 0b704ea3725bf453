"""One span's flat attributes (and events) mapped to a step's fields: :func:`map_span`, which every span reader
(OTLP, OpenInference, Phoenix, Jaeger, the live guard …) calls, applying the table of conventions
(:mod:`._convention_table`) and each framework's shape the conventions misread.
"""

from __future__ import annotations

from typing import Any

from ._adk import SHAPE_KEY as ADK_SHAPE_KEY
from ._adk import TOOL_SHAPE_KEY as ADK_TOOL_SHAPE_KEY
from ._adk import adk_attributes, event_answer, function_response, reflected_failure
from ._ag2 import SPAN_TYPE as AG2_SPAN_TYPE
from ._ag2 import TOOL_EXECUTOR as AG2_TOOL_EXECUTOR
from ._ag2 import USAGE_COST, USAGE_IN, USAGE_OUT, tool_executor, usage_record
from ._agentscope import structured_output, tool_response
from ._call_args import smolagents_tool_call
from ._convention_table import (
    IN_MESSAGE_PREFIXES,
    MESSAGE_KINDS,
    MESSAGES_BEAT,
    OUT_MESSAGE_PREFIXES,
    SLOT_KEYS,
    TOOL_NAME_PREFIX,
    TOOL_NAME_SUFFIX,
    TRACELOOP_ENTITY,
    split_attributes,
)
from ._framework_agents import traceloop_entity
from ._framework_answers import crew_answer, graph_state_answer, react_answer
from ._instructions import SYSTEM_INSTRUCTIONS, with_instructions
from ._langfuse_otel import TYPE as LANGFUSE_TYPE
from ._langfuse_otel import langfuse_attributes
from ._langtrace import SDK as LANGTRACE_SDK
from ._langtrace import langtrace_attributes
from ._llamaindex_workflow import workflow_event_agent, workflow_tool_event
from ._logfire import TEMPLATE as LOGFIRE_TEMPLATE
from ._logfire import instrumented_call_attributes
from ._logfire_agents import openai_agents_attributes
from ._mastra import TYPE as MASTRA_TYPE
from ._mastra import mastra_attributes, subagent_result
from ._mlflow import SPAN_TYPE as MLFLOW_SPAN_TYPE
from ._mlflow import mlflow_attributes
from ._smolagents_stream import stream_answer
from ._span_events import read_events
from ._span_roles import span_role
from ._span_values import (
    TOOL_RESULT,
    as_text,
    cost_parts,
    count_of,
    find_logprobs,
    flat_messages,
    number_of,
    tool_result_text,
    traceloop_value,
)
from ._tool_message import tool_message
from ._values import logprob_stats
from ._vercel_ai import OPERATION as VERCEL_AI_OPERATION
from ._vercel_ai import vercel_ai_attributes
from ._workflow_events import workflow_chain_agent


def map_span(
    attrs: dict[str, Any],
    name: str | None,
    events: list[dict[str, Any]] | None = None,
    fallback_kind: Any = None,
    root: bool = False,
) -> dict[str, Any]:
    """Map one span's flat attributes (and decoded events) to step fields.

    Parameters
    ----------
    attrs
        The span's attributes, flat (dotted keys), values decoded.
    name
        The span's name (used for AGENT spans that carry no agent name, and hand-off detection).
    events
        The span's events as ``[{"name": str, "attributes": dict}]`` (exceptions, GenAI message events,
        logprobs), or None.
    fallback_kind
        A span kind given outside the attributes (Phoenix's ``span_kind`` column).
    root
        Whether the span has no parent (a workflow's own span may be typed as an agent).

    Returns
    -------
    dict
        ``kind``, ``is_agent``, ``agent``, ``tool``, ``model``, ``tokens_in``, ``tokens_out``, ``cost``,
        ``input``, ``output``, ``error`` (a fallback error text, the status message wins),
        ``confidence``, ``entropy``, ``attributes`` (the remaining attributes), ``agent_of_previous``
        (the step acts for the agent of the step before it under the same parent: :mod:`._step_agents`),
        ``turns`` (the step is of a run whose steps may act for the agent before them: an AG2 span, a
        LlamaIndex workflow step; such steps stored by an earlier call are looked at again) and
        ``failed`` (the step's output says it failed whatever its status: :mod:`._tool_message`).
    """
    if MLFLOW_SPAN_TYPE in attrs:
        attrs = mlflow_attributes(attrs)
    elif LANGFUSE_TYPE in attrs:
        attrs = langfuse_attributes(attrs)
    elif VERCEL_AI_OPERATION in attrs:
        attrs = vercel_ai_attributes(attrs)
    elif MASTRA_TYPE in attrs:
        attrs = mastra_attributes(attrs)
    elif LANGTRACE_SDK in attrs:
        attrs = langtrace_attributes(attrs, name)
    elif LOGFIRE_TEMPLATE in attrs:
        attrs = openai_agents_attributes(attrs) or instrumented_call_attributes(attrs)
    elif ADK_SHAPE_KEY in attrs or ADK_TOOL_SHAPE_KEY in attrs:
        attrs = adk_attributes(attrs)
    known, rest = split_attributes(attrs)
    role = span_role(attrs, known, rest, name, fallback_kind, root, events)
    kind, agent, tool_node, coworker, handoff_tool, handed_to, args = role
    # (OpenLIT names on a chat span the tool its reply asks for: the call is the tool span's, not the model's;
    # the name stays among the step's attributes, where it was, as the SQL reader keeps it)
    tool = known.get("tool") if kind not in ("llm", "handoff") and coworker is None else None
    if kind == "llm" and "tool" in known:
        asked = next(k for k in SLOT_KEYS["tool"] if attrs.get(k) is not None)
        rest = {k: v for k, v in attrs.items() if k in rest or k == asked}
    if tool is None and kind == "tool":
        tool = traceloop_entity(rest)
    if tool is None and kind == "tool" and name:
        tool = name[len(TOOL_NAME_PREFIX) :] or name if name.startswith(TOOL_NAME_PREFIX) else name
        if tool.endswith(TOOL_NAME_SUFFIX) and len(tool) > len(TOOL_NAME_SUFFIX):
            tool = tool[: -len(TOOL_NAME_SUFFIX)]
    inp = known.get("input")
    if kind == "tool":
        inp = smolagents_tool_call(inp)
    out = known.get("output")
    if handed_to is not None and handoff_tool and out is not None:
        # (a hand-off tool's own answer, kept beside: LlamaIndex's "Agent writer is now handling ...")
        rest[_output_key(attrs) or "output.value"] = out
        out = None
    if out is None and handed_to is not None:
        out = handed_to  # (as openai-agents' hand-off spans give the agent handed to)
    if out is not None and out is attrs.get(TOOL_RESULT):
        out = tool_result_text(out)
    if kind == "tool" and (response := function_response(out, tool)) is not out:
        rest[_output_key(attrs) or "output.value"], out = out, response  # (the whole kept beside)
    failed = False
    if kind == "tool" and (message := tool_message(out)) is not None:
        out, failed = message  # LangChain's ToolMessage: a failure handed back to the model is still one
    elif kind == "tool" and (response := tool_response(out)) is not None:
        rest[_output_key(attrs) or "output.value"], (out, failed) = out, response  # AgentScope's, likewise
        out = structured_output(tool, inp, out, failed)
    elif kind == "tool" and (answer := subagent_result(out)) is not None:
        rest[_output_key(attrs) or "output.value"], out = out, answer  # Mastra's sub-agent call, likewise
    reflected = reflected_failure(out) if kind == "tool" and not failed else None
    if reflected is not None:  # ADK's ReflectAndRetryToolPlugin: likewise
        failed = True
    if TRACELOOP_ENTITY in rest:
        if inp is not None and (
            inp is attrs.get("traceloop.entity.input") or inp is attrs.get("gen_ai.tool.call.arguments")
        ):
            inp = traceloop_value(inp)
        if out is not None and out is attrs.get("traceloop.entity.output"):
            out = traceloop_value(out)
    # Only LLM-like spans carry flattened messages; skip the key scan elsewhere (it costs per span).
    if inp is None and kind in MESSAGE_KINDS:
        for prefix in IN_MESSAGE_PREFIXES:
            inp = flat_messages(rest, prefix)
            if inp is not None:
                break
    if (
        SYSTEM_INSTRUCTIONS in rest
        and (given := with_instructions(inp, rest[SYSTEM_INSTRUCTIONS])) is not inp
    ):
        inp, rest = given, {k: v for k, v in rest.items() if k != SYSTEM_INSTRUCTIONS}  # (_instructions)
    beaten = None
    if kind == "llm" and out is not None and _output_key(attrs) in MESSAGES_BEAT:
        beaten, out = out, None
    if out is None and kind in MESSAGE_KINDS:
        for prefix in OUT_MESSAGE_PREFIXES:
            out = flat_messages(rest, prefix)
            if out is not None:
                break
    if beaten is not None:
        if not any(isinstance(m, dict) and (m.get("content") or m.get("tool_calls")) for m in out or ()):
            out = beaten  # messages with a role and nothing said do not beat the text
        else:  # kept with the other attributes a slot did not take
            rest[_output_key(attrs)] = beaten
    agent_of_previous = tool_node and kind == "chain"
    if kind == "agent" and tool_executor(rest, agent):
        kind, agent, agent_of_previous = "chain", None, True
    elif kind == "tool" and agent == AG2_TOOL_EXECUTOR:
        agent = None  # (OpenInference names the executor on the calls it runs: they are the asking agent's)
    turns = agent_of_previous or AG2_SPAN_TYPE in rest
    if agent is None and kind == "chain" and not agent_of_previous:
        agent = workflow_event_agent(inp)
        agent_of_previous = agent is None and workflow_tool_event(inp)
        if agent is None and not agent_of_previous:
            agent, agent_of_previous = workflow_chain_agent(inp, known.get("output"))
        turns = turns or agent is not None or agent_of_previous
    crew = (
        (
            crew_answer(out)
            or graph_state_answer(out)
            or react_answer(out)
            or event_answer(out)
            or stream_answer(out)
        )
        if kind in ("chain", "agent")
        else None
    )
    if crew is not None:
        out, rest[_output_key(attrs) or "output.value"] = crew
    error = known.get("error_type") or reflected
    if failed and error is None:
        error = out
    cost = number_of(known.get("cost"))
    if cost is None and kind == "llm":
        cost = cost_parts(rest)
    conf = number_of(known.get("confidence"))
    ent = number_of(known.get("entropy"))
    lp_source = known.get("logprobs")
    if events:
        inp, out, error, lp_source = read_events(events, kind, handoff_tool, inp, out, error, lp_source, rest)
    if lp_source is None and (conf is None or ent is None):
        lp_source = find_logprobs(out)
        if lp_source is None and beaten is not None:
            lp_source = find_logprobs(beaten)
    if lp_source is not None and (conf is None or ent is None):
        lconf, lent = logprob_stats(lp_source)
        conf = lconf if conf is None else conf
        ent = lent if ent is None else ent
    counted = not usage_record(rest)
    if not counted:  # (kept with the attributes: the only record of a call's tokens when its span has none)
        rest.update(
            {
                k: v
                for k, v in (
                    (USAGE_IN, count_of(known.get("tokens_in"))),
                    (USAGE_OUT, count_of(known.get("tokens_out"))),
                    (USAGE_COST, cost),
                )
                if v is not None
            }
        )
    return {
        "kind": kind,
        "is_agent": kind == "agent",
        "agent": agent,
        "tool": tool,
        "model": known.get("model"),
        "tokens_in": count_of(known.get("tokens_in")) if counted else None,
        "tokens_out": count_of(known.get("tokens_out")) if counted else None,
        "cost": cost if counted else None,
        "input": as_text(inp),
        "output": as_text(out),
        "error": as_text(error),
        "confidence": conf,
        "entropy": ent,
        "attributes": rest,
        "agent_of_previous": agent_of_previous,
        "failed": failed,
        "turns": turns,
    }


def _output_key(attrs: dict[str, Any]) -> str | None:
    """The attribute that fills the output slot (the first present in :data:`SLOT_KEYS`' order)."""
    return next((k for k in SLOT_KEYS["output"] if attrs.get(k) is not None), None)
