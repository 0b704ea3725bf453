"""LangGraph's and LangChain ``create_agent``'s run metadata read as agents: which node a span runs in, which
agent that node acts for, and what kind of step the span is (a node's own span, a loop's plumbing, a hand-off).

Read from the metadata OpenInference, OpenLLMetry and LangSmith keep of a LangChain run (``langgraph_node``,
``langgraph_checkpoint_ns``, ``lc_agent_name``); shared by the span mapper, the Langfuse and LangSmith readers.
"""

from __future__ import annotations

from typing import Any

import orjson

from ._convention_table import TRACELOOP_ASSOCIATION, TRACELOOP_LANGGRAPH_NODE


def langgraph_path(meta: dict[str, Any]) -> list[str]:
    """The checkpoint namespace of a LangGraph span as a list of ``name:id`` segments, outermost first.

    ``research_agent:<uuid>|agent:<uuid>`` is node ``agent`` of the subgraph run by node
    ``research_agent`` (a supervisor's worker built with ``create_react_agent``).
    """
    ns = meta.get("langgraph_checkpoint_ns")
    if not isinstance(ns, str) or not ns:
        return []
    return [seg for seg in ns.split("|") if seg]


# The nodes of an agent's loop (create_react_agent's agent / tools, LangChain create_agent's model / tools,
# LangChain.js createAgent's model_request) and the graph's plumbing: inside a subgraph they act for the
# node running it. Middleware hooks are named "<Middleware>.before_model" and act for it too.
LANGGRAPH_LOOP_NODES = frozenset(
    {
        "agent",
        "tools",
        "model",
        "model_request",
        "call_model",
        "__start__",
        "__end__",
        "pre_model_hook",
        "post_model_hook",
        "generate_structured_response",
    }
)
LANGGRAPH_ENDS = frozenset({"__start__", "__end__"})
# ToolNode's name: a node that runs the tools the model asked for, for whichever agent asked.
LANGGRAPH_TOOL_NODE = "tools"


def langgraph_node_actor(
    meta: dict[str, Any], subgraphs: frozenset[str] | set[str] = frozenset()
) -> str | None:
    """The agent the LangGraph node running a span acts for, or None when the span has no node or its node
    runs tools for another (:func:`langgraph_tool_node`).

    A node at the top of the graph is the actor. A node inside a subgraph is named with the nodes that run
    its subgraphs (``research_team/search``, as Langfuse's graph view shows it: two teams may each have a
    ``supervisor``), unless it is a step of an agent's loop (:data:`LANGGRAPH_LOOP_NODES`, and it runs no
    subgraph): then it acts for the node that runs its subgraph, since every worker built by
    ``create_react_agent`` calls its nodes ``agent`` and ``tools``, so their own names would make one agent
    of all the workers. ``subgraphs`` holds the namespaces known to run a subgraph (the prefixes of the
    trace's other namespaces); without it, only the nesting of the span itself is known.
    """
    node = meta.get("langgraph_node")
    if not isinstance(node, str) or not node or langgraph_tool_node(meta):
        return None
    path = langgraph_path(meta)
    if len(path) < 2:
        # the graph's own entry and exit (a swarm's router runs in __start__) are no agent's
        return None if node in LANGGRAPH_ENDS else node
    names = [seg.partition(":")[0] for seg in path]
    if "|".join(path) not in subgraphs and (node in LANGGRAPH_LOOP_NODES or "." in node):
        names = names[:-1]
    return "/".join(n for n in names if n) or node


def langgraph_tool_node(meta: dict[str, Any]) -> bool:
    """Whether a span runs in a top-level ``tools`` node: a ToolNode, which runs the tool calls of the agent
    node before it (a flat ReAct graph's ``agent`` → ``tools`` loop) and is no agent of its own, as a
    workflow executor hosting no agent is none."""
    return meta.get("langgraph_node") == LANGGRAPH_TOOL_NODE and len(langgraph_path(meta)) < 2


# LangChain 1.x ``create_agent(..., name=...)`` writes the agent's name into the metadata of its graph's run
# config, so every run inside the agent carries it (a nested agent's own wins): langchain/agents/factory.py.
LC_AGENT_NAME = "lc_agent_name"


def create_agent_span(name: Any, kind: str | None, declared: Any, own: str) -> tuple[str | None, Any]:
    """``(kind, agent)`` of a span run inside a LangChain ``create_agent`` agent named ``own``
    (:data:`LC_AGENT_NAME`): the agent's graph span (named after it) is its agent span; the nodes of its loop
    (``model``, ``tools``, middleware hooks) are its steps, not agents of their own; the tools it runs (an
    agent wrapped as a tool included: the wrapped agent's runs carry their own name) are its calls. Read by
    LangGraph's node names, every agent's loop was the agents ``model`` and ``tools``."""
    if kind not in (None, "chain", "agent", "other", "tool"):
        return kind, declared
    agent = declared if declared is not None else own
    if isinstance(name, str) and name.startswith("transfer_to_"):
        return "handoff", agent
    if kind == "tool":
        return kind, agent
    return ("agent" if name == own else "chain"), agent


# ... and marks every run of its loop ``ls_integration`` ``langchain_create_agent``, named or not.
LC_CREATE_AGENT = "langchain_create_agent"


def _unnamed_create_agent_span(name: Any, kind: str | None, declared: Any) -> tuple[str | None, Any]:
    """``(kind, agent)`` of a span run inside a LangChain ``create_agent`` agent given no ``name=``: its loop's
    nodes (``model``, ``tools``, middleware hooks) are steps, not the agents ``model`` and ``tools``; its
    tools are calls. Nothing names the agent: an agent offered to another as a tool is named by that tool
    once the run is staged (``store/sql/loop_agents.sql``), as the official instrumentation's nameless
    ``invoke_agent`` is."""
    if kind not in (None, "chain", "agent", "other", "tool"):
        return kind, declared
    if isinstance(name, str) and name.startswith("transfer_to_"):
        return "handoff", declared
    return ("tool" if kind == "tool" else "chain"), declared


def langgraph_span(
    name: Any,
    kind: str | None,
    declared: Any,
    meta: dict[str, Any],
    subgraphs: frozenset[str] | set[str] = frozenset(),
) -> tuple[str | None, Any]:
    """``(kind, agent)`` of a span run by a LangGraph node (``kind`` and ``declared`` agent as mapped so far).
    A span inside a named LangChain ``create_agent`` agent is that agent's (:func:`create_agent_span`).

    The node's own span is an agent span (of the actor its node acts for, see
    :func:`langgraph_node_actor`), but a top-level ToolNode's is a chain (:func:`langgraph_tool_node`);
    a ``transfer_to_<agent>`` span is langgraph-supervisor's (and langgraph-swarm's) hand-off tool; any
    other span typed AGENT inside a node (OpenInference types the supervisor's ``call_agent`` wrapper and
    the hand-off tools so) is a step of the node's actor, not an agent of its own. Other spans are left
    as they are.
    """
    own = meta.get(LC_AGENT_NAME)
    if isinstance(own, str) and own:
        return create_agent_span(name, kind, declared, own)
    if meta.get("ls_integration") == LC_CREATE_AGENT:
        return _unnamed_create_agent_span(name, kind, declared)
    if (
        langgraph_tool_node(meta)
        and name == LANGGRAPH_TOOL_NODE
        and kind in (None, "chain", "agent", "other")
    ):
        return "chain", declared
    actor = langgraph_node_actor(meta, subgraphs)
    if (
        actor is None
        and kind == "agent"
        and declared is None
        and meta.get("langgraph_node") in LANGGRAPH_ENDS
        and len(langgraph_path(meta)) < 2
    ):
        return "chain", None  # the swarm's router in __start__, which OpenInference types AGENT
    if actor is None or kind not in (None, "chain", "agent", "other", "tool"):
        return kind, declared
    if isinstance(name, str) and name.startswith("transfer_to_"):
        return "handoff", declared if declared is not None else actor
    if name == meta.get("langgraph_node") and kind != "tool":
        if _loop_step(meta, subgraphs):
            return "chain", declared if declared is not None else actor
        return "agent", declared if declared is not None else actor
    if kind == "agent" and declared is None:
        return "chain", actor
    return kind, declared


def _loop_step(meta: dict[str, Any], subgraphs: frozenset[str] | set[str]) -> bool:
    """Whether a node inside a subgraph is plumbing of the agent running it: its graph's ``__start__`` /
    ``__end__`` or its ToolNode (``tools``), running no subgraph itself. A step of that agent, not an agent
    of its own, as at the top of the graph; the agent's model turn (``agent``) stays its agent span.
    LangGraph.js writes every one of them, its subgraph's ``__start__`` included."""
    path = langgraph_path(meta)
    node = meta.get("langgraph_node")
    return (
        len(path) >= 2
        and (node in LANGGRAPH_ENDS or node == LANGGRAPH_TOOL_NODE)
        and "|".join(path) not in subgraphs
    )


def langgraph_subgraphs(metas: list[dict[str, Any]]) -> set[str]:
    """The checkpoint namespaces that run a subgraph: every proper prefix of a namespace seen."""
    out: set[str] = set()
    for meta in metas:
        path = langgraph_path(meta)
        for n in range(1, len(path)):
            out.add("|".join(path[:n]))
    return out


def langchain_metadata(rest: dict[str, Any]) -> dict[str, Any] | None:
    """The LangChain run metadata OpenInference keeps as JSON text in ``metadata``, when it is LangGraph's or
    names a LangChain ``create_agent`` agent (:data:`LC_AGENT_NAME`: the agent's own graph span has no node).

    Phoenix's span export nests it (``attributes.metadata`` an object), flattened here to
    ``metadata.langgraph_node`` ….
    """
    if "metadata.langgraph_node" in rest or "metadata." + LC_AGENT_NAME in rest:
        return {
            k[len("metadata.") :]: v
            for k, v in rest.items()
            if k.startswith("metadata.langgraph_") or k == "metadata." + LC_AGENT_NAME
        }
    if TRACELOOP_LANGGRAPH_NODE in rest:  # OpenLLMetry's LangChain instrumentation: association properties
        return {
            k[len(TRACELOOP_ASSOCIATION) :]: v
            for k, v in rest.items()
            if k.startswith(TRACELOOP_ASSOCIATION + "langgraph_")
        }
    value = rest.get("metadata")
    if isinstance(value, str) and ("langgraph_node" in value or LC_AGENT_NAME in value):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return (
        value if isinstance(value, dict) and ("langgraph_node" in value or LC_AGENT_NAME in value) else None
    )


def node_agent(attrs: dict[str, Any]) -> str | None:
    """The agent a model call's LangGraph / LangChain run metadata names (``attrs``: its step's attributes, the
    metadata as :func:`langchain_metadata` reads it): a LangChain ``create_agent`` agent's name, else the actor of
    the node it runs in (:func:`langgraph_node_actor`: none for a ToolNode's); none for an unnamed ``create_agent``
    agent's (``ls_integration``), nor when the metadata names no node.

    What a model call exported without its node's span (Phoenix's LLM spans, ``list_runs(run_type="llm")``) says
    of its agent; a call under its node's span takes the node's agent as every other step does
    (``_step_agents.node_agents``)."""
    meta = langchain_metadata(attrs)
    if meta is None:
        return None
    own = meta.get(LC_AGENT_NAME)
    if isinstance(own, str) and own.strip():
        return own.strip()
    if meta.get("ls_integration", attrs.get("metadata.ls_integration")) == LC_CREATE_AGENT:
        return None
    return langgraph_node_actor(meta)


def stored_node_agent(attributes: Any) -> str | None:
    """:func:`node_agent` of a step's attributes as the stage or the store holds them (JSON text), None when they
    do not parse: the rule read again after staging (``_step_agents``) and on a stored run (``_stored_rules``)."""
    try:
        attrs = orjson.loads(attributes)
    except (orjson.JSONDecodeError, TypeError):
        return None
    return node_agent(attrs) if isinstance(attrs, dict) else None
