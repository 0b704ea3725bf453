"""The agent (or no agent) of a span, where a framework's own shape says it and the GenAI / OpenInference
conventions do not: BeeAI's emitter events, Microsoft Agent Framework's executors, PydanticAI's run spans,
openai-agents' workflow root, smolagents', Agno's and OpenLLMetry's agent spans, CrewAI's tasks and events.

Each function reads one framework's shape and answers None for any other span (the span mapper, ``_map_span``,
tries them in turn).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ._agent_ids import has_identifier
from ._convention_table import TRACELOOP_ENTITY
from ._langgraph_shape import LANGGRAPH_LOOP_NODES

EMITTER_PATH = "metadata.path"
EMITTER_EVENT_ID = "metadata.id"  # BeeAI EventMeta.id
EMITTER_CLASS = "metadata.class_name"  # what BeeAI's step spans (not its events) carry


def emitter_event(name: Any, attrs: dict[str, Any]) -> bool:
    """Whether a span is one event of an agent's or tool's emitter, not a step (BeeAI's OpenInference shape).

    BeeAI makes a span of every event its agent emits, typed AGENT and named after the event's path
    and a counter (``agent.react.update-13``, attribute ``target`` = ``agent.react.update``): read as
    agents, one ReAct loop became ~20 agents handing work to each other. Later instrumentors type the
    event as its emitter (AGENT or TOOL) and name it after the event alone: a failed tool call's ``error``
    read as a second failed call of a tool named "error", a RequirementAgent's ``final_answer`` as an agent.
    """
    if not isinstance(name, str):
        return False
    target = attrs.get("target")
    if isinstance(target, str) and target:
        counter = name[len(target) + 1 :]  # ('١٣' is no counter: isdigit takes any script's digits)
        return name.startswith(target + "-") and counter.isascii() and counter.isdigit()
    # openinference-instrumentation-beeai 0.1.30 names the event's span after the event and keeps the
    # event's EventMeta under metadata.: its path (``agent.requirement.final_answer``,
    # ``tool.custom.get_price.error``: the emitter's namespace, then the event) and its id, a UUID. Both are
    # asked for: a path alone is any run metadata's key (a LangChain tool run given {"path": …} in Phoenix's
    # export, flattened to metadata.path, stays a tool call), and BeeAI's step spans (agents, tools) carry
    # metadata.class_name, never an event's id.
    path = attrs.get(EMITTER_PATH)
    return (
        isinstance(path, str)
        and path.endswith("." + name)
        and _is_uuid(attrs.get(EMITTER_EVENT_ID))
        and EMITTER_CLASS not in attrs
    )


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def executor_agent(attrs: dict[str, Any]) -> str | None:
    """The agent a Microsoft Agent Framework workflow executor runs, or None for any other executor.

    The framework writes an agent's chat and tool spans beside its ``invoke_agent`` span, under the
    ``executor.process <id>`` span of the workflow executor hosting it (``executor.type``
    ``AgentExecutor``); only that span can hand the agent's name down to them. Executors that host no
    agent (``_InputToConversation``, ``end``) are the workflow's plumbing and name none.
    """
    eid, etype = attrs.get("executor.id"), attrs.get("executor.type")
    if isinstance(eid, str) and eid and isinstance(etype, str) and "agent" in etype.lower():
        return eid
    return None


def agent_run_span(name: Any, attrs: dict[str, Any]) -> str | None:
    """The agent of a PydanticAI agent run span written before the GenAI conventions, else None.

    PydanticAI (through Logfire) named an agent's run ``{agent_name} run`` (``agent run`` for an unnamed
    agent) with attribute ``agent_name``, and no operation or span kind: its LLM and tool calls under it
    read as nobody's.
    """
    agent = attrs.get("agent_name")
    if (
        isinstance(agent, str)
        and agent.strip()
        and isinstance(name, str)
        and name in (f"{agent} run", "agent run")
    ):
        return agent.strip()
    return None


def workflow_wrapper(attrs: dict[str, Any]) -> bool:
    """Whether a trace's root span typed AGENT is the workflow around the agents, not an agent.

    openai-agents' OpenInference processor opens every trace with a span named after the workflow
    ("Agent workflow", or the ``workflow_name`` given) that carries its kind and nothing else; its agents'
    spans declare ``agent.name``. Read as an agent, the workflow handed work to the first agent.
    """
    return set(attrs) <= {"openinference.span.kind"}


#: The instrumentation scopes of openai-agents' OpenInference processors (Python's, and the JavaScript one's for
#: ``@openai/agents``): a root span of theirs typed AGENT is the trace (``withTrace`` / ``trace()``'s workflow).
OPENAI_AGENTS_SCOPES = (
    "openinference.instrumentation.openai_agents",
    "@arizeai/openinference-instrumentation-openai-agents",
)
_AGENT_NAME_KEYS = ("gen_ai.agent.name", "agent.name", "graph.node.id")


def agents_trace_root(attrs: dict[str, Any], scope: Any) -> bool:
    """Whether a root AGENT span (the caller knows it is one) is openai-agents' trace, not an agent.

    The JavaScript processor gives the trace's span ``llm.system`` and lifts the first model input and the
    last output onto it, so :func:`workflow_wrapper`'s "nothing but its kind" does not hold there; its
    agents' spans name their agent in ``graph.node.id``, the trace's names none.
    """
    return scope in OPENAI_AGENTS_SCOPES and not any(k in attrs for k in _AGENT_NAME_KEYS)


def smolagents_agent(name: Any, attrs: dict[str, Any]) -> str | None:
    """The agent of a smolagents run span (OpenInference), else None.

    The instrumentor names an agent's run ``<agent name>.run`` (a managed agent: ``census_agent.run``), or
    ``<class>.run`` for an agent given no name (``ToolCallingAgent.run``), with ``smolagents.*`` attributes.
    """
    if isinstance(name, str) and name.endswith(".run") and any(k.startswith("smolagents.") for k in attrs):
        return name[:-4].strip() or None
    return None


def traceloop_entity(attrs: dict[str, Any]) -> str | None:
    """The agent or tool an OpenLLMetry decorator span names (``@agent(name=...)`` / ``@tool``), else None.

    Traceloop names the span ``<entity>.<kind>`` (``flight_agent.agent``, ``search_flights.tool``) and gives
    the entity in ``traceloop.entity.name``; its releases before 0.4x write no ``gen_ai.agent.name`` /
    ``gen_ai.tool.name`` beside it.
    """
    entity = attrs.get(TRACELOOP_ENTITY)
    return (entity.strip() or None) if isinstance(entity, str) and "traceloop.span.kind" in attrs else None


#: OpenLLMetry's LangChain instrumentation (0.5x+): the nodes of the compiled graph a ``invoke_agent <graph>`` span runs
OPENLLMETRY_GRAPH_NODES = "gen_ai.workflow.nodes"


# OpenLLMetry's CrewAI instrumentation: the crew's kickoff span (``crewai.workflow``) carries the crew's id, a
# task's span (``<description>.task``) the role of the agent it is given to.
CREW_ID = "crewai.crew.id"
CREW_TASK_AGENT = "crewai.task.agent"


def openllmetry_crew(attrs: dict[str, Any]) -> str | None:
    """The agent a span of OpenLLMetry's CrewAI instrumentation that is no agent acts for: ``""`` for the
    crew's kickoff (the workflow around the agents), the task's agent for a task; None for any other span.

    It writes the kickoff and every task as ``invoke_agent`` spans beside each agent's own (``<role>.agent``,
    ``gen_ai.agent.name`` its role), the task above its agent's span: read as agents, the crew was an agent
    named ``crewai.workflow`` and every task's description another, each handing work to the next.
    """
    if attrs.get("gen_ai.provider.name") != "crewai" or attrs.get("gen_ai.operation.name") != "invoke_agent":
        return None
    if attrs.get("traceloop.span.kind") == "task":
        role = attrs.get(CREW_TASK_AGENT)
        return role.strip() if isinstance(role, str) else ""
    return "" if CREW_ID in attrs and "gen_ai.agent.name" not in attrs else None


# CrewAI's own tracing (crewai.telemetry.tracing, 1.15: one span per event of its event bus, each naming the event)
CREW_EVENT = "crewai.event_name"
CREW_AGENT_ROLE = "crewai.agent.role"


def crewai_event(attrs: dict[str, Any], kind: str, agent: Any) -> tuple[str, Any]:
    """The kind and agent of a span of CrewAI's own tracing, whose ``gen_ai.agent.name`` is the agent's key (a
    hash, read as no name: agents came out as ``agent`` and ``agent 2``) and whose role names it.

    A ``tool failure`` span (``tool_failure_detected``) is the policy row CrewAI writes beside the failed call's
    own ``call tool`` span ("adds the policy-carrying row next to it", its handler says): the same call, not a
    second one (read as one, a failing tool counted two calls, a retry where there was none).
    """
    event = attrs.get(CREW_EVENT)
    if event == "tool_failure_detected":
        return "chain", None
    role = attrs.get(CREW_AGENT_ROLE)
    if kind == "agent" and isinstance(role, str) and role.strip():
        return kind, role.strip()
    return kind, agent


def openllmetry_graph(attrs: dict[str, Any]) -> bool:
    """Whether an OpenLLMetry agent span is a LangGraph graph's run, the workflow around the agents, not one.

    OpenLLMetry writes every compiled graph's invocation as ``invoke_agent <graph>`` (``gen_ai.provider.name``
    ``langgraph``, its nodes in ``gen_ai.workflow.nodes``; a graph given no name is "LangGraph") and, under it,
    its callback's ``<graph>.workflow`` span (``traceloop.span.kind`` ``workflow``), both declaring the graph as
    the agent: its nodes are the agents. A graph whose nodes are one agent's loop (``create_react_agent``'s
    ``agent`` / ``tools``) is that agent and stays one; a workflow span acts for the agent above it, if any.
    """
    if (
        attrs.get("gen_ai.provider.name") != "langgraph"
        or attrs.get("gen_ai.operation.name") != "invoke_agent"
    ):
        return False
    if attrs.get("traceloop.span.kind") == "workflow":
        return True
    nodes = attrs.get(OPENLLMETRY_GRAPH_NODES)
    return isinstance(nodes, list) and any(n not in LANGGRAPH_LOOP_NODES for n in nodes if isinstance(n, str))


def graph_node(attrs: dict[str, Any]) -> str | None:
    """The agent an OpenInference agent span names as its ``graph.node.id`` (CrewAI's task spans, named
    ``Market Analyst._execute_core``, carry the agent's role there and nowhere else), else None."""
    node = attrs.get("graph.node.id")
    if not isinstance(node, str) or has_identifier(node):
        return None
    return node.strip() or None


#: An agent span named ``<name>.run`` / ``<name>.arun`` (Agno's OpenInference spans, ``_`` for spaces;
#: ``Agent.run`` for an unnamed agent): the agent is ``<name>``.
AGENT_RUN_NAME = re.compile(r"^(\S+)\.a?run$")
#: The instrumentation scope of Agno's OpenInference spans (the OTLP readers know it; the console exporter
#: does not print it). Other ``<Class>.run`` agent spans (smolagents' ``CodeAgent.run``) keep their name.
AGNO_SCOPE = "openinference.instrumentation.agno"


def agno_run_agent(name: Any, scope: Any) -> str | None:
    """The agent an Agno agent span named ``<name>.run`` runs (``Agent.run`` is ``Agent``), else None."""
    m = AGENT_RUN_NAME.match(name) if isinstance(name, str) and scope == AGNO_SCOPE else None
    return m.group(1).replace("_", " ") if m else None
