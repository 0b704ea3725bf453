"""Who a span's step is (:func:`._map_span.map_span`'s first job): its kind (an agent's run, a model or tool call, a
hand-off …) and the agent it names, from the conventions' slots and each framework's shape the conventions misread.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ._adk import node_agent
from ._autogen_manager import model_manager, team_manager
from ._claude_agents import main_agent, subagent_call, tool_named_span
from ._convention_table import (
    AGENT_NAME_PREFIXES,
    BARE_AGENT_OPERATIONS,
    MULTIAGENT_OPERATIONS,
    SLOT_KEYS,
    TOOL_DESCRIPTION_KEYS,
    model_helper,
    step_kind,
)
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
from ._framework_handoffs import autogen_handoff, crew_delegation, executor_handoff
from ._handoff_tool import handoff_target, unnamed_handoff
from ._langgraph_shape import LANGGRAPH_TOOL_NODE, langchain_metadata, langgraph_span, langgraph_tool_node
from ._llamaindex_workflow import workflow_handoff
from ._span_events import event_arguments


class Role(NamedTuple):
    """What :func:`span_role` found: the step's ``kind`` and ``agent``; ``tool_node`` (a flat LangGraph's ToolNode,
    acting for the agent before it), ``coworker`` (a delegation tool call read as the coworker's run), ``handoff_tool``
    (the span was a tool call before any of this), ``handed_to`` (the agent a hand-off names) and ``args`` (a tool
    call's arguments, from its events when no attribute gave them)."""

    kind: str
    agent: Any
    tool_node: bool
    coworker: Any
    handoff_tool: bool
    handed_to: Any
    args: Any


def span_role(
    attrs: dict[str, Any],
    known: dict[str, Any],
    rest: dict[str, Any],
    name: str | None,
    fallback_kind: Any,
    root: bool,
    events: list[dict[str, Any]] | None,
) -> Role:
    """The step's kind and agent (:class:`Role`); ``attrs`` as the framework shapes left them, ``known`` / ``rest``
    their slots and the others (``split_attributes``). A name moved out of a slot goes to ``rest``, in place."""
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
            agent = (
                executor_agent(rest)
                or model_manager(rest)
                or team_manager(name, rest)
                or node_agent(known.get("op"), rest)
            )
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
    args = known.get("input") if kind != "tool" or known.get("input") is not None else event_arguments(events)
    handed_to = (
        # (kind "chain": OpenInference's span processor for Agent Framework types the message CHAIN)
        executor_handoff(name, rest)
        if kind in ("other", "chain")
        else (
            autogen_handoff(attrs, known.get("tool"))
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
    return Role(kind, agent, tool_node, coworker, handoff_tool, handed_to, args)
