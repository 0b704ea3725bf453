"""One span's flat attributes (and events) mapped to a step's fields: :func:`map_span`, which every span reader
(OTLP, OpenInference, Phoenix, Jaeger, the live guard …) calls, applying the table of conventions
(:mod:`._convention_table`) and each framework's shape the conventions misread.
"""

from __future__ import annotations

from typing import Any

from ._adk import SHAPE_KEY as ADK_SHAPE_KEY
from ._adk import TOOL_SHAPE_KEY as ADK_TOOL_SHAPE_KEY
from ._adk import adk_attributes, event_answer, function_response, node_agent, reflected_failure
from ._ag2 import SPAN_TYPE as AG2_SPAN_TYPE
from ._ag2 import TOOL_EXECUTOR as AG2_TOOL_EXECUTOR
from ._ag2 import USAGE_COST, USAGE_IN, USAGE_OUT, tool_executor, usage_record
from ._autogen_manager import model_manager
from ._call_args import smolagents_tool_call
from ._claude_agents import main_agent, subagent_call, tool_named_span
from ._convention_table import (
    AGENT_NAME_PREFIXES,
    BARE_AGENT_OPERATIONS,
    DETAILS_EVENTS,
    EXCEPTION_EVENTS,
    IN_MESSAGE_PREFIXES,
    INPUT_EVENTS,
    MESSAGE_KINDS,
    MESSAGES_BEAT,
    MULTIAGENT_OPERATIONS,
    OUT_MESSAGE_PREFIXES,
    OUTPUT_EVENTS,
    SLOT_KEYS,
    TOOL_DESCRIPTION_KEYS,
    TOOL_NAME_PREFIX,
    TOOL_NAME_SUFFIX,
    TRACELOOP_ENTITY,
    model_helper,
    split_attributes,
    step_kind,
)
from ._exception_cause import exception_error
from ._framework_agents import (
    CREW_EVENT,
    agent_run_span,
    crewai_event,
    emitter_event,
    executor_agent,
    graph_node,
    openllmetry_crew,
    openllmetry_graph,
    smolagents_agent,
    traceloop_entity,
    workflow_wrapper,
)
from ._framework_answers import crew_answer, graph_state_answer, react_answer
from ._framework_handoffs import autogen_handoff, crew_delegation, executor_handoff
from ._handoff_tool import handoff_target, unnamed_handoff
from ._instructions import SYSTEM_INSTRUCTIONS, with_instructions
from ._json_text import json_within
from ._langfuse_otel import TYPE as LANGFUSE_TYPE
from ._langfuse_otel import langfuse_attributes
from ._langgraph_shape import (
    LANGGRAPH_TOOL_NODE,
    langchain_metadata,
    langgraph_span,
    langgraph_tool_node,
)
from ._llamaindex_workflow import (
    workflow_event_agent,
    workflow_handoff,
    workflow_tool_event,
)
from ._logfire import TEMPLATE as LOGFIRE_TEMPLATE
from ._logfire import instrumented_call_attributes
from ._logfire_agents import openai_agents_attributes
from ._mastra import TYPE as MASTRA_TYPE
from ._mastra import mastra_attributes
from ._mlflow import SPAN_TYPE as MLFLOW_SPAN_TYPE
from ._mlflow import mlflow_attributes
from ._smolagents_stream import stream_answer
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
from ._tool_parts import TOOL_CALL, TOOL_CALL_RESPONSE, event_call_arguments, tool_part
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
    elif LOGFIRE_TEMPLATE in attrs:
        attrs = openai_agents_attributes(attrs) or instrumented_call_attributes(attrs)
    elif ADK_SHAPE_KEY in attrs or ADK_TOOL_SHAPE_KEY in attrs:
        attrs = adk_attributes(attrs)
    known, rest = split_attributes(attrs)
    kind = step_kind(known.get("op"), known.get("oi_kind"), name, fallback_kind, known.get("tool"))
    if kind == "llm" and model_helper(name, attrs, known.get("output")):
        kind = "chain"
    agent = known.get("agent")
    if agent is not None and known.get("op") in MULTIAGENT_OPERATIONS:  # (kept as the attribute it was)
        agent, rest[next(k for k in SLOT_KEYS["agent"] if attrs.get(k) is not None)] = None, agent
    tool_node = False
    if kind in ("agent", "tool") and emitter_event(name, rest):
        # BeeAI: one event of the enclosing agent's run or tool call, not an agent nor another call
        kind, agent = "chain", None
    elif kind in ("chain", "agent", "other", "tool"):
        meta = langchain_metadata(rest)
        if meta is not None:
            # (OpenLLMetry names a node's span "execute_task <node>", its entity the node)
            node_name = traceloop_entity(rest) or name
            kind, agent = langgraph_span(node_name, kind, agent, meta)
            # a flat graph's ToolNode runs the tool calls of the agent node before it: the tools it runs are
            # that agent's (as the langfuse and langsmith readers read it), not nobody's
            tool_node = agent is None and node_name == LANGGRAPH_TOOL_NODE and langgraph_tool_node(meta)
        if agent is None and kind != "tool":
            agent = executor_agent(rest) or model_manager(rest) or node_agent(known.get("op"), rest)
            if agent is None and kind != "agent":
                agent = agent_run_span(name, rest)
                kind = "agent" if agent is not None else kind
    if CREW_EVENT in rest:
        kind, agent = crewai_event(rest, kind, agent)
    handoff_tool = kind == "tool"
    coworker = (
        crew_delegation(known.get("input"), known.get("output"), known.get("tool"), name, attrs)
        or subagent_call(known.get("tool"), known.get("input"))
        if kind == "tool"
        else None
    )
    if coworker is not None:
        # the coworker's run on the delegating agent's request: its steps are the coworker's (smolagents and
        # OpenLIT write such a run as an agent span inside the call); the tool's name stays an attribute
        kind, agent = "agent", coworker
        if "tool" in known:
            rest[next(k for k in SLOT_KEYS["tool"] if attrs.get(k) is not None)] = known["tool"]
    # (Strands writes a tool call's arguments as an event of its span)
    args = (
        known.get("input") if kind != "tool" or known.get("input") is not None else _event_arguments(events)
    )
    handed_to = (
        # (kind "chain": OpenInference's span processor for Agent Framework types the message CHAIN)
        executor_handoff(name, rest)
        if kind in ("other", "chain")
        else (
            autogen_handoff(attrs)
            or workflow_handoff(
                known.get("tool"),
                known.get("input"),
                known.get("output"),
                next((attrs[k] for k in TOOL_DESCRIPTION_KEYS if k in attrs), None),
            )
            or handoff_target(known.get("tool"), args)
        )
        if kind == "tool"
        else None
    )
    if handed_to is not None or (kind == "tool" and unnamed_handoff(known.get("tool"), args)):
        kind = "handoff"  # (one traced without its arguments names its agent once the run is staged)
    if agent is None and kind == "agent" and root and workflow_wrapper(attrs):
        kind = "chain"
    if kind == "agent" and openllmetry_graph(attrs):
        kind, agent = "chain", None  # (its steps act for its nodes' agents; a nested graph's for the node's)
    if kind == "agent" and (crew := openllmetry_crew(attrs)) is not None:
        kind, agent = "chain", crew or None
    if agent is None and kind == "agent":
        agent = graph_node(rest) or smolagents_agent(name, rest) or traceloop_entity(rest) or main_agent(name)
    if kind == "agent" and tool_named_span(name, agent):
        # (a Claude Agent SDK subagent's run: the tool call above it names the agent)
        kind, agent = "chain", None
    if agent is None and kind == "agent" and name in BARE_AGENT_OPERATIONS:
        kind = "chain"  # (no agent named: the steps under it act for the agent above)
    if agent is None and kind == "agent" and name:
        # GenAI names agent spans "invoke_agent {gen_ai.agent.name}"; OpenInference uses the agent's name.
        agent = name.partition(" ")[2] or name if name.startswith(AGENT_NAME_PREFIXES) else name
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
        ev_in: list[Any] = []
        ev_out: list[Any] = []
        for ev in events:
            ev_name = ev.get("name")
            ev_attrs = ev.get("attributes") or {}
            if ev_name in EXCEPTION_EVENTS:
                msg = ev_attrs.get("exception.message") or ev_attrs.get("exception.type")
                if msg is not None and error is None:
                    error = exception_error(msg, ev_attrs.get("exception.stacktrace"))
            elif ev_name in INPUT_EVENTS:
                ev_in.append({"role": ev_name[7:-8], **ev_attrs})
            elif ev_name in OUTPUT_EVENTS:
                ev_out.append(ev_attrs)
            elif ev_name in DETAILS_EVENTS:
                # (Strands under the latest conventions writes one such event for the input, one for the output)
                for key, bucket in (("gen_ai.input.messages", ev_in), ("gen_ai.output.messages", ev_out)):
                    said = json_within(ev_attrs.get(key))
                    if isinstance(said, list):
                        bucket.extend(said)
                    elif said is not None:
                        bucket.append(said)
            if lp_source is None and ev_attrs:
                lp_source = (
                    ev_attrs.get("logprobs")
                    or ev_attrs.get("gen_ai.response.logprobs")
                    or find_logprobs(ev_attrs.get("body") or ev_attrs.get("message"))
                )
        if inp is None and ev_in:
            inp = _tool_event_value(ev_in, "content") if kind == "tool" or handoff_tool else ev_in
        if out is None and ev_out:
            out = _tool_event_value(ev_out, "message") if kind == "tool" else ev_out
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


def _event_arguments(events: list[dict[str, Any]] | None) -> Any:
    """A tool call's arguments as its span's one ``gen_ai.tool.message`` event or details event (Strands), else None."""
    said = [ev.get("attributes") for ev in events or () if ev.get("name") == "gen_ai.tool.message"]
    if len(said) == 1 and isinstance(said[0], dict):
        return said[0].get("content")
    return as_text(event_call_arguments(events, DETAILS_EVENTS)) if not said else None


def _tool_event_value(events: list[Any], key: str) -> Any:
    """A tool span's one message event read as the call's arguments / result: its ``key`` (else the events).

    Strands writes a tool call's arguments as a ``gen_ai.tool.message`` event (``content``, beside the call's
    ``id``) and its result as a ``gen_ai.choice`` (``message``), or both as message parts (:mod:`._tool_parts`):
    read whole, each call's input held its call id, and the same arguments of a call made again read as others.
    """
    if len(events) == 1 and isinstance(events[0], dict) and events[0].get(key) is not None:
        return events[0][key]
    part = tool_part(events, TOOL_CALL if key == "content" else TOOL_CALL_RESPONSE)
    return events if part is None else part


def _output_key(attrs: dict[str, Any]) -> str | None:
    """The attribute that fills the output slot (the first present in :data:`SLOT_KEYS`' order)."""
    return next((k for k in SLOT_KEYS["output"] if attrs.get(k) is not None), None)
