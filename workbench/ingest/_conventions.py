"""Attribute names of the OpenTelemetry GenAI and OpenInference conventions, mapped to step columns.

Shared by the OTLP adapter (``otlp.py``) and the OpenInference adapters (``openinference.py``): each
adapter decodes a span's attributes into one flat ``{key: value}`` dict (OpenInference's dotted keys,
e.g. ``llm.input_messages.0.message.role``) and calls :func:`map_span`.

Conventions covered
-------------------
* OTel GenAI (current): ``gen_ai.operation.name``, ``gen_ai.agent.name``, ``gen_ai.tool.name``,
  ``gen_ai.request.model`` / ``gen_ai.response.model``, ``gen_ai.usage.input_tokens`` /
  ``output_tokens``, ``gen_ai.input.messages`` / ``gen_ai.output.messages``,
  ``gen_ai.tool.call.arguments`` / ``result``, ``error.type``.
* any-agent's GenAI names: ``gen_ai.operation.name`` ``call_llm``, ``gen_ai.tool.args``, ``gen_ai.output``.
* OTel GenAI (deprecated): ``gen_ai.usage.prompt_tokens`` / ``completion_tokens``, ``gen_ai.prompt`` /
  ``gen_ai.completion``, and the span events ``gen_ai.{system,user,assistant,tool}.message`` /
  ``gen_ai.choice``.
* OpenInference: ``openinference.span.kind``, ``input.value`` / ``output.value``, ``llm.model_name``,
  ``llm.token_count.*``, ``llm.cost.total``, ``tool.name``, ``tool.parameters``, ``agent.name``,
  flattened ``llm.input_messages.N.message.*`` / ``llm.output_messages.N.message.*``.
* The workbench's own hand-over attributes: ``workbench.confidence``, ``workbench.entropy``,
  ``workbench.logprobs``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

import orjson

from ._adk import SHAPE_KEY as ADK_SHAPE_KEY
from ._adk import adk_attributes, event_answer, function_response, reflected_failure
from ._ag2 import OI_SENDER as AG2_OI_SENDER
from ._ag2 import SPAN_TYPE as AG2_SPAN_TYPE
from ._ag2 import TOOL_EXECUTOR as AG2_TOOL_EXECUTOR
from ._ag2 import USAGE_COST, USAGE_IN, USAGE_OUT, tool_executor, usage_record
from ._autogen_manager import RECIPIENT_CLASS as AUTOGEN_RECIPIENT_CLASS
from ._autogen_manager import model_manager
from ._call_args import decorated_call, smolagents_tool_call
from ._exception_cause import exception_error
from ._fields import MAX_FIELD_BYTES, SHORT_CHARS, RecordError, _describe, plain_values, step_row
from ._handoff_tool import handoff_target, unnamed_handoff
from ._json_text import json_or_text, json_within
from ._langfuse_otel import TYPE as LANGFUSE_TYPE
from ._langfuse_otel import langfuse_attributes
from ._logfire import TEMPLATE as LOGFIRE_TEMPLATE
from ._logfire import instrumented_call_attributes
from ._mastra import TYPE as MASTRA_TYPE
from ._mastra import mastra_attributes
from ._mlflow import PASSED_OPERATIONS as MLFLOW_PASSED_OPERATIONS
from ._mlflow import SPAN_TYPE as MLFLOW_SPAN_TYPE
from ._mlflow import mlflow_attributes
from ._smolagents_stream import stream_answer
from ._stage_tables import _NS_MAX, STAGE_STEP_COLUMNS, arrow_column
from ._tool_message import tool_message
from ._values import logprob_stats
from ._vercel_ai import OPERATION as VERCEL_AI_OPERATION
from ._vercel_ai import vercel_ai_attributes
from ._workflow_events import EVENT_FIELD, event_field, workflow_chain_agent

if TYPE_CHECKING:   # (not at run time: a live guard maps spans with this module and imports no duckdb)
    from ._base import Stage

# -- the table of conventions ------------------------------------------------------------------------
# Every reader takes these from here: the Python mapper below, the SQL fast path (_otlp_sql.py generates
# its CASE expressions from them) and the Langfuse adapter (tests/ingest/test_conventions.py checks
# that the three agree).

# gen_ai.operation.name -> step kind. "handoff" is what openai-agents instrumentations write; "call_llm"
# is mozilla-ai/any-agent's name for an LLM call.
OPERATION_KINDS = {
    "chat": "llm", "text_completion": "llm", "generate_content": "llm", "embeddings": "llm", "call_llm": "llm",
    "execute_tool": "tool", "invoke_agent": "agent", "create_agent": "agent",
    "retrieval": "retriever", "invoke_workflow": "chain", "handoff": "handoff",
    # OpenLLMetry's llm.request.type (its spans before gen_ai.operation.name): chat / completion / embedding / rerank
    "completion": "llm", "embedding": "llm", "rerank": "retriever",
    # MLflow with MLFLOW_ENABLE_OTEL_GENAI_SEMCONV writes a span type the conventions have no operation for
    # as the operation itself (and names the span after it: "CHAIN"), upper-case, unlike any GenAI operation
    **MLFLOW_PASSED_OPERATIONS,
}
# openinference.span.kind -> step kind. Guardrails and evaluators are the system checking itself.
OI_KINDS = {
    "AGENT": "agent", "TOOL": "tool", "LLM": "llm", "EMBEDDING": "llm", "CHAIN": "chain",
    "RETRIEVER": "retriever", "RERANKER": "retriever", "GUARDRAIL": "system", "EVALUATOR": "system",
    "PROMPT": "other", "UNKNOWN": "other",
    # OpenLLMetry (Traceloop)'s traceloop.span.kind: its @workflow / @task / @agent / @tool decorators
    "WORKFLOW": "chain", "TASK": "chain",
}
# Span names that carry the agent or tool after a GenAI operation prefix ("invoke_agent planner").
AGENT_NAME_PREFIXES = ("invoke_agent ", "create_agent ")
# A span named by the operation alone, naming no agent: OpenLIT's openai-agents instrumentation (1.45) writes the
# Agents SDK's spans other than an agent's (each model response, each turn) as ``invoke_agent`` with no
# ``gen_ai.agent.name``. Read as the agent "invoke_agent", every step under them acted for it.
BARE_AGENT_OPERATIONS = ("invoke_agent", "create_agent")
TOOL_NAME_PREFIX = "execute_tool "
# OpenInference's DSPy instrumentor names a tool span after the callable it wraps, "<tool>.__call__", and writes
# no tool.name: the tool is "<tool>", the name the model called and a guard policy would give.
TOOL_NAME_SUFFIX = ".__call__"
# Status codes (OTLP integers, their enum names, OpenInference's words; compared upper-cased) -> status.
STATUS_CODES = {
    "0": "unset", "1": "ok", "2": "error", "UNSET": "unset", "OK": "ok", "ERROR": "error",
    "STATUS_CODE_UNSET": "unset", "STATUS_CODE_OK": "ok", "STATUS_CODE_ERROR": "error",
}

# key -> (slot, priority): the lowest priority present fills the slot. Keys left out of a slot are
# kept in the step's attributes; so are the ones in KEEP_KEYS (the raw kind names, since our kind is coarser).
SLOT_KEYS: dict[str, tuple[str, ...]] = {
    "op": ("gen_ai.operation.name", "llm.request.type"),
    "oi_kind": ("openinference.span.kind", "traceloop.span.kind"),
    "agent": ("gen_ai.agent.name", "agent.name"),
    "tool": ("gen_ai.tool.name", "tool.name"),
    "model": ("gen_ai.response.model", "gen_ai.request.model", "llm.response.model_name",
              "llm.model_name", "llm.request.model_name", "embedding.model_name", "reranker.model_name"),
    "tokens_in": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"),
    "tokens_out": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                   "llm.token_count.completion"),
    "cost": ("workbench.cost", "llm.cost.total"),
    # gen_ai.tool.args / gen_ai.output: any-agent's names for a tool's arguments and a span's output (an
    # LLM call's reply or a tool's result), beside the convention's gen_ai.tool.call.arguments / .result.
    "input": ("gen_ai.input.messages", "gen_ai.tool.call.arguments", "gen_ai.tool.args", "input.value",
              "gen_ai.prompt", "input", "tool.parameters", "traceloop.entity.input"),
    # final_result: PydanticAI's agent run span's answer (its pydantic_ai.all_messages repeat the LLM steps)
    "output": ("gen_ai.output.messages", "gen_ai.tool.call.result", "gen_ai.output", "output.value",
               "gen_ai.completion", "output", "traceloop.entity.output", "final_result"),
    "error_type": ("error.type", "exception.message", "exception.type"),
    "confidence": ("workbench.confidence",),
    "entropy": ("workbench.entropy",),
    "logprobs": ("workbench.logprobs", "gen_ai.response.logprobs"),
}
SLOTS: dict[str, tuple[str, int]] = {
    key: (slot, prio) for slot, keys in SLOT_KEYS.items() for prio, key in enumerate(keys)
}
KEEP_KEYS = frozenset({"gen_ai.operation.name", "openinference.span.kind", "llm.request.type", "traceloop.span.kind"})
# Output keys that an LLM span's flattened output messages beat: OpenInference's openai-agents (and OpenAI)
# instrumentors write the whole response object there (id, created_at, usage, every output item) beside
# ``llm.output_messages.*``, and its ids, timestamps and token counts read as numbers the model stated.
MESSAGES_BEAT = ("output.value", "gen_ai.completion", "output")

MESSAGE_KINDS = frozenset({"llm", "other", "agent", "chain"})
# Flattened message lists: OpenInference's, and the indexed prompt / completion of OpenLLMetry (Traceloop)
# and AgentOps (``gen_ai.prompt.0.role``, ``gen_ai.completion.0.content``).
IN_MESSAGE_PREFIXES = ("llm.input_messages.", "gen_ai.prompt.")
OUT_MESSAGE_PREFIXES = ("llm.output_messages.", "gen_ai.completion.")
# Deprecated GenAI events that carry the prompt (input) and the completion (output).
INPUT_EVENTS = frozenset({"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message",
                           "gen_ai.tool.message"})
OUTPUT_EVENTS = frozenset({"gen_ai.choice"})
# The later conventions' one event with a call's whole exchange (gen_ai.input.messages / output.messages), as
# opentelemetry-util-genai writes it (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=event_only): an OTLP
# log record (_otlp_logs.py) or a span event.
DETAILS_EVENTS = frozenset({"gen_ai.client.inference.operation.details"})


# -- framework shapes that the conventions above misread --------------------------------------------

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
        return name.startswith(target + "-") and name[len(target) + 1:].isdigit()
    # openinference-instrumentation-beeai 0.1.30 names the event's span after the event and keeps the
    # event's EventMeta under metadata.: its path (``agent.requirement.final_answer``,
    # ``tool.custom.get_price.error``: the emitter's namespace, then the event) and its id, a UUID. Both are
    # asked for: a path alone is any run metadata's key (a LangChain tool run given {"path": …} in Phoenix's
    # export, flattened to metadata.path, stays a tool call), and BeeAI's step spans (agents, tools) carry
    # metadata.class_name, never an event's id.
    path = attrs.get(EMITTER_PATH)
    return (isinstance(path, str) and path.endswith("." + name) and _is_uuid(attrs.get(EMITTER_EVENT_ID))
            and EMITTER_CLASS not in attrs)


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


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
LANGGRAPH_LOOP_NODES = frozenset({"agent", "tools", "model", "model_request", "call_model", "__start__", "__end__",
                                  "pre_model_hook", "post_model_hook", "generate_structured_response"})
LANGGRAPH_ENDS = frozenset({"__start__", "__end__"})
# ToolNode's name: a node that runs the tools the model asked for, for whichever agent asked.
LANGGRAPH_TOOL_NODE = "tools"


def langgraph_node_actor(meta: dict[str, Any], subgraphs: frozenset[str] | set[str] = frozenset()) -> str | None:
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


def langgraph_span(name: Any, kind: str | None, declared: Any, meta: dict[str, Any],
                   subgraphs: frozenset[str] | set[str] = frozenset()) -> tuple[str | None, Any]:
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
    if langgraph_tool_node(meta) and name == LANGGRAPH_TOOL_NODE and kind in (None, "chain", "agent", "other"):
        return "chain", declared
    actor = langgraph_node_actor(meta, subgraphs)
    if (actor is None and kind == "agent" and declared is None and meta.get("langgraph_node") in LANGGRAPH_ENDS
            and len(langgraph_path(meta)) < 2):
        return "chain", None      # the swarm's router in __start__, which OpenInference types AGENT
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
    return (len(path) >= 2 and (node in LANGGRAPH_ENDS or node == LANGGRAPH_TOOL_NODE)
            and "|".join(path) not in subgraphs)


def langgraph_subgraphs(metas: list[dict[str, Any]]) -> set[str]:
    """The checkpoint namespaces that run a subgraph: every proper prefix of a namespace seen."""
    out: set[str] = set()
    for meta in metas:
        path = langgraph_path(meta)
        for n in range(1, len(path)):
            out.add("|".join(path[:n]))
    return out


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


#: Microsoft Agent Framework: the executor a workflow message is addressed to (``WorkflowContext.send_message``
#: with a ``target_id``; a message without one goes along every edge of the graph).
DESTINATION_EXECUTOR = "message.destination_executor_id"


def executor_handoff(name: Any, attrs: dict[str, Any]) -> str | None:
    """The executor a Microsoft Agent Framework ``message.send`` span hands the work to, else None.

    HandoffBuilder's routing (an agent called ``handoff_to_<agent>``, a tool the framework answers itself, so
    no tool span is written) shows only as the sending executor's ``message.send`` addressed to the next
    agent's executor; a group chat's manager giving the floor to one participant is sent so too.
    """
    dst = attrs.get(DESTINATION_EXECUTOR)
    return dst if name == "message.send" and isinstance(dst, str) and dst.strip() else None


#: AutoGen AgentChat's hand-off: a ``Handoff`` is a tool (``transfer_to_<target>``) the agent's model calls and
#: the framework answers; autogen-core writes its ``execute_tool`` span like any tool's, described so by default.
AUTOGEN_HANDOFF = "Handoff to "


def autogen_handoff(attrs: dict[str, Any]) -> str | None:
    """The agent an AutoGen ``execute_tool`` span of a hand-off tool hands the work to, else None.

    Read from the default description, exactly as autogen-agentchat writes it (``Handoff to <target>.``, the
    target as written; the tool's name lower-cases it), the target an agent's name, which AgentChat requires to be
    a Python identifier; and only on AutoGen's spans: a tool of another system named ``transfer_to_savings`` is
    a tool. A hand-off given its own description stays a tool call (a miss, not a wrong agent); so does a tool
    of the developer's described "Handoff to a human operator when ..." (it was read as a hand-off to an agent
    named "a human operator when ...").
    """
    desc = attrs.get("gen_ai.tool.description")
    if attrs.get("gen_ai.system") != "autogen" or not isinstance(desc, str) or not desc.startswith(AUTOGEN_HANDOFF) \
            or not desc.endswith("."):
        return None
    target = desc[len(AUTOGEN_HANDOFF):-1]
    return target if target.isidentifier() else None


def agent_run_span(name: Any, attrs: dict[str, Any]) -> str | None:
    """The agent of a PydanticAI agent run span written before the GenAI conventions, else None.

    PydanticAI (through Logfire) named an agent's run ``{agent_name} run`` (``agent run`` for an unnamed
    agent) with attribute ``agent_name``, and no operation or span kind: its LLM and tool calls under it
    read as nobody's.
    """
    agent = attrs.get("agent_name")
    if isinstance(agent, str) and agent.strip() and isinstance(name, str) and name in (f"{agent} run", "agent run"):
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
OPENAI_AGENTS_SCOPES = ("openinference.instrumentation.openai_agents",
                        "@arizeai/openinference-instrumentation-openai-agents")
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


TRACELOOP_ENTITY = "traceloop.entity.name"
TRACELOOP_ASSOCIATION = "traceloop.association.properties."
TRACELOOP_LANGGRAPH_NODE = TRACELOOP_ASSOCIATION + "langgraph_node"


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
    if attrs.get("gen_ai.provider.name") != "langgraph" or attrs.get("gen_ai.operation.name") != "invoke_agent":
        return False
    if attrs.get("traceloop.span.kind") == "workflow":
        return True
    nodes = attrs.get(OPENLLMETRY_GRAPH_NODES)
    return isinstance(nodes, list) and any(n not in LANGGRAPH_LOOP_NODES for n in nodes if isinstance(n, str))


def traceloop_value(value: Any) -> Any:
    """A ``traceloop.entity.input`` / ``.output`` as the call's own value.

    Traceloop writes ``json.dumps`` of the decorated function's result (a returned string arrives quoted,
    ``"\"420 EUR\""``) and of its arguments as ``{"args": [...], "kwargs": {...}}``: the keyword arguments
    when there are no positional ones (a tool's call), the one positional argument when it is alone.
    """
    if not isinstance(value, str) or value[:1] not in ('"', "{"):
        return value
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    if isinstance(parsed, str):
        return parsed
    if isinstance(parsed, dict) and isinstance(parsed.get("input_str"), str) and {"tags", "metadata"} & set(parsed):
        return parsed["input_str"]  # a LangChain tool's call: the run's tags and metadata (step counters) beside it
    if isinstance(parsed, dict) and set(parsed) == {"outputs", "kwargs"}:
        # a LangChain chain's end ({"outputs": ..., "kwargs": ...}): what it gave, as text (a graph's state is
        # then read for its answer, graph_state_answer, not for every token count its messages carry)
        out = parsed["outputs"]
        return out if isinstance(out, str) else as_text(out)
    called = decorated_call(parsed)
    return value if called is parsed else called


def graph_node(attrs: dict[str, Any]) -> str | None:
    """The agent an OpenInference agent span names as its ``graph.node.id`` (CrewAI's task spans, named
    ``Market Analyst._execute_core``, carry the agent's role there and nowhere else), else None."""
    node = attrs.get("graph.node.id")
    if not isinstance(node, str) or has_identifier(node):
        return None
    return node.strip() or None


def _workflow_event(inp: Any, marker: str) -> str | None:
    """The event's repr a LlamaIndex AgentWorkflow step's input (``{"ctx": …, "ev": …}``) holds, when that
    input mentions ``marker``; else None."""
    if not isinstance(inp, str) or marker not in inp or '"ev"' not in inp:
        return None
    try:
        ev = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    ev = ev.get("ev") if isinstance(ev, dict) else None
    return ev if isinstance(ev, str) else None


def _json_object(value: Any, marker: str) -> Any:
    """What an output's text parses to, when it opens a JSON object and mentions ``marker``; else None
    (the framework answer shapes below: cheap tests before the parse)."""
    if not isinstance(value, str) or marker not in value or not value.lstrip().startswith("{"):
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def workflow_event_agent(inp: Any) -> str | None:
    """The agent a LlamaIndex AgentWorkflow step runs for, named in the event it handles, else None.

    The OpenInference instrumentor types the workflow's steps (``AgentWorkflow.setup_agent`` /
    ``run_agent_step`` / ``parse_agent_output``) CHAIN and writes their input as ``{"ctx": …, "ev": <the
    event's repr>}``; only the event names the agent, as its field ``current_agent_name='researcher'``.
    The field is read at the event's own level (not inside a message's text, which may say anything).
    """
    ev = _workflow_event(inp, EVENT_FIELD)
    return None if ev is None else event_field(ev)


_TOOL_EVENTS = ("ToolCall(", "ToolCallResult(")


def workflow_tool_event(inp: Any) -> bool:
    """Whether a LlamaIndex AgentWorkflow step handles a tool call's event (``call_tool``: ``ToolCall(…)``,
    ``aggregate_tool_results``: ``ToolCallResult(…)``), which names no agent: the step acts for the agent whose
    step came before it (``run_agent_step`` and ``parse_agent_output`` name it), found after staging
    (:mod:`._step_agents`)."""
    ev = _workflow_event(inp, "ToolCall")
    return ev is not None and ev.startswith(_TOOL_EVENTS)


#: LlamaIndex AgentWorkflow's built-in hand-off tool: ``handoff(ctx, to_agent, reason)``, a FunctionTool the
#: agent's model calls; the workflow then runs ``to_agent``. Its refusals (an agent not known, or one this agent
#: may not hand off to) are fixed texts, the acceptance a prompt the developer may change.
WORKFLOW_HANDOFF = "handoff"
_HANDOFF_REFUSED = ("Agent {} not found.", "Agent {} cannot hand off to ")
#: The built-in's default description and acceptance (LlamaIndex's DEFAULT_HANDOFF_PROMPT and
#: DEFAULT_HANDOFF_OUTPUT_PROMPT: both the developer's to change)
_HANDOFF_PROMPT = "Useful for handing off to another agent."
_HANDOFF_ACCEPTED = " is now handling the request"
TOOL_DESCRIPTION_KEYS = ("tool.description", "gen_ai.tool.description")


def _workflow_tool_call(args: dict[str, Any], out: Any, description: Any) -> bool:
    """Whether a ``handoff(to_agent, reason)`` call is LlamaIndex's: the workflow's Context among its arguments
    (the built-in takes ``ctx``; OpenInference writes it), its result LlamaIndex's ToolOutput naming the tool,
    or the built-in's default description or acceptance. A developer's own ``handoff`` tool of another
    framework (to a human queue, say) has none of these: a tool call."""
    if "ctx" in args or (isinstance(description, str) and description.lstrip().startswith(_HANDOFF_PROMPT)):
        return True
    if not isinstance(out, str):
        return False
    if _HANDOFF_ACCEPTED in out:
        return True
    try:
        result = orjson.loads(out) if '"tool_name"' in out else None
    except orjson.JSONDecodeError:
        return False
    return isinstance(result, dict) and result.get("tool_name") == WORKFLOW_HANDOFF and "raw_output" in result


def workflow_handoff(tool: Any, inp: Any, out: Any, description: Any = None) -> str | None:
    """The agent a LlamaIndex AgentWorkflow ``handoff`` tool call hands the work to, else None.

    Read from the call's arguments (OpenInference writes ``{"kwargs": {"to_agent", "reason", "ctx"}}``), only
    for a tool named ``handoff`` whose arguments are the built-in's (``to_agent`` and ``reason``) and that is
    LlamaIndex's (:func:`_workflow_tool_call`): a tool of the developer's called ``handoff`` with other
    arguments, or outside LlamaIndex, stays a tool call. A call the workflow refused (its output says the agent
    was not found or may not be handed to) handed nothing over: a tool call.
    """
    if tool != WORKFLOW_HANDOFF or not isinstance(inp, str) or '"to_agent"' not in inp:
        return None
    try:
        args = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    if isinstance(args, dict) and isinstance(args.get("kwargs"), dict) and "to_agent" not in args:
        args = args["kwargs"]
    target = args.get("to_agent") if isinstance(args, dict) and "reason" in args else None
    if not isinstance(target, str) or not target.strip() or not _workflow_tool_call(args, out, description):
        return None
    if isinstance(out, str) and any(refused.format(target) in out for refused in _HANDOFF_REFUSED):
        return None
    return target


#: The arguments of CrewAI's delegation tools ("Delegate work to coworker": task, "Ask question to coworker":
#: question; both with context and the coworker's role)
_DELEGATION_ARGS = ({"task", "context", "coworker"}, {"question", "context", "coworker"})
#: The tools' names, letters only, lower case (fixed in CrewAI's tool classes; older releases wrote
#: "co-worker"; a span may add its method: "Ask question to coworker.run"), and their argument schemas'
#: titles, which OpenInference writes in the tool's parameters and description (CrewAI translates only the
#: description's text)
_DELEGATION_TOOLS = ("delegateworktocoworker", "askquestiontocoworker")
_DELEGATION_SCHEMAS = ('"DelegateWorkToolSchema"', '"AskQuestionToolSchema"')
_NOT_LETTERS = re.compile(r"[^a-z]+")


#: CrewAI's answer to a delegation naming no coworker of the crew (its English prompt file): no coworker ran
_NO_COWORKER = "coworker mentioned not found"


def _crew_tool(tool: Any, name: Any, attrs: dict[str, Any]) -> bool:
    """Whether a tool call is one of CrewAI's delegation tools, by its name (the tool's, else the span's) or its
    argument schema's title: a developer's own ``assign_ticket(task, context, coworker)`` is neither."""
    label = tool if isinstance(tool, str) else name
    if isinstance(label, str) and _NOT_LETTERS.sub("", label.lower()).startswith(_DELEGATION_TOOLS):
        return True
    return any(isinstance(attrs.get(k), str) and any(t in attrs[k] for t in _DELEGATION_SCHEMAS)
               for k in ("tool.parameters", *TOOL_DESCRIPTION_KEYS))


def crew_delegation(inp: Any, out: Any = None, tool: Any = None, name: Any = None,
                    attrs: dict[str, Any] | None = None) -> str | None:
    """The coworker a CrewAI delegation tool call runs, else None.

    An agent allowed to delegate is given two tools that run a coworker's agent on a task or a question inside
    the tool call; OpenInference writes no agent span for that run, so the coworker's model and tool calls read
    as the delegating agent's. Read by the tools' arguments and name or schema (:func:`_crew_tool`): the
    coworker as the model named it (CrewAI matches roles case-insensitively; a role written otherwise than the
    crew's is a lane of its own). A delegation CrewAI refused (no such coworker) ran nobody: a tool call.
    """
    if not isinstance(inp, str) or '"coworker"' not in inp or (isinstance(out, str) and _NO_COWORKER in out):
        return None
    try:
        args = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(args, dict) or set(args) not in _DELEGATION_ARGS or not _crew_tool(tool, name, attrs or {}):
        return None
    coworker = args["coworker"]
    return coworker.strip().strip("\"'").strip() or None if isinstance(coworker, str) else None


def crew_answer(value: Any) -> tuple[str, Any] | None:
    """``(raw, CrewOutput)`` when an output is CrewAI's CrewOutput JSON, else None.

    A crew's kickoff span outputs the whole CrewOutput (``raw``, every task's output with its messages,
    ``token_usage``): its answer is ``raw``; the rest read as values the crew stated.
    """
    obj = _json_object(value, '"tasks_output"')
    if isinstance(obj, dict) and isinstance(obj.get("raw"), str) and isinstance(obj.get("tasks_output"), list):
        return obj["raw"], value
    return None


def _langchain_ai_text(msg: Any) -> str | None:
    """The text of a LangChain AI message as OpenInference serialises it (``{"type": "ai", "data": {...}}``,
    or ``dumpd``'s ``{"lc": 1, "id": [..., "AIMessage"], "kwargs": {...}}``); None for another message, or
    one that says nothing (a tool call alone)."""
    if not isinstance(msg, dict):
        return None
    if msg.get("type") == "ai" and isinstance(msg.get("data"), dict):
        body = msg["data"]
    elif msg.get("lc") == 1 and isinstance(msg.get("id"), list) and msg["id"][-1:] in (["AIMessage"], ["AIMessageChunk"]):
        body = msg.get("kwargs")
    else:
        return None
    text = body.get("content") if isinstance(body, dict) else None
    return text if isinstance(text, str) and text.strip() else None


#: A record's key holding its answer beside its messages (detect/sql/values.sql's det_record_answer reads the same)
ANSWER_KEY = re.compile(r"answer|report|result|response|output|summary|reply|draft|final")
_PROSE = re.compile(r"\s")


def graph_state_answer(value: Any) -> tuple[str, Any] | None:
    """``(text, state)`` when an output is a LangGraph state whose last message is an AI message with text, or
    whose answer the last node wrote to a text key of its own named as one (``report``, ``final_answer``: prose)
    beside the messages: the message's text, then that.

    OpenInference writes a LangGraph graph's (and node's) whole state as its output: every message so far,
    each with its ``response_metadata`` (token counts, model name). What the graph answered is the last AI
    message's text; the rest would read as numbers the graph stated.
    """
    obj = _json_object(value, '"messages"')
    msgs = obj.get("messages") if isinstance(obj, dict) else None
    if not isinstance(msgs, list) or not msgs:
        return None
    text = _langchain_ai_text(msgs[-1])
    if text is None and not any(_langchain_ai_text(m) for m in msgs):
        return None  # (no LangChain state: no AI message in it)
    # A state key the last node wrote its answer to, no message (``report: str`` beside ``messages``): said too
    said = [v for k, v in obj.items() if k != "messages" and isinstance(v, str) and ANSWER_KEY.search(k.lower())
            and _PROSE.search(v.strip()) and "Message(" not in v]
    parts = [t for t in (text, *said) if t]
    return ("\n".join(parts), value) if parts else None


def react_answer(value: Any) -> tuple[str, Any] | None:
    """``(answer, prediction)`` when an output is a DSPy ReAct prediction: ``{"trajectory": {"thought_0": …,
    "observation_0": …}, "reasoning": …, <the signature's output fields>}``. Its answer is its output fields
    (``answer``, or whatever the signature names: ``price``, ``quote``; several, one a line); the trajectory's
    keys and tool outputs would read as values the module stated."""
    obj = _json_object(value, '"trajectory"')
    if not isinstance(obj, dict) or not isinstance(obj.get("trajectory"), dict):
        return None
    if isinstance(obj.get("answer"), str):
        return obj["answer"], value
    said = [v for k, v in obj.items() if k not in _REACT_OWN_FIELDS]
    if not said or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in said):
        return None
    return "\n".join(str(v) for v in said), value


# (what ReAct adds to its signature's outputs: the steps taken and the extract step's reasoning)
_REACT_OWN_FIELDS = frozenset({"trajectory", "reasoning"})


# A UUID or a trace-sized hex id inside a name: what a framework writes for an agent the user did not name.
_IDENTIFIER = re.compile(r"(?<![0-9a-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})"
                         r"(?![0-9a-z])", re.IGNORECASE)


def has_identifier(name: Any) -> bool:
    """Whether a name holds a generated identifier (a UUID, a 32-digit hex id) rather than only words."""
    return isinstance(name, str) and _IDENTIFIER.search(name) is not None


def readable_name(name: Any) -> str | None:
    """What is left of a name once its identifiers are cut out (``agent.<uuid>`` is ``agent``), else None.

    Koog names an agent's spans ``agent.<agent id>`` and ``run.<run id>``; Microsoft Agent Framework gives
    an agent without a name its id as ``gen_ai.agent.name``. A UUID is no name a user reads, and one
    agent's spans each carry another.
    """
    if not isinstance(name, str):
        return None
    return _IDENTIFIER.sub("", name).strip(" ._-:/#[](){}") or None


class AgentIds:
    """Readable names, within one trace, for the agents it names only by a generated identifier.

    Koog names one agent's spans ``agent.<agent id>`` and ``run.<run id>`` (both with ``gen_ai.agent.id``);
    Microsoft Agent Framework gives an unnamed agent its id as ``gen_ai.agent.name`` (``invoke_agent <agent
    id>``). Each agent (by ``gen_ai.agent.id``, else the name itself) is named by what its first span's name
    says without the identifier (``agent``), else ``agent``; a second agent given the same name is numbered
    (``agent 2``). The Langfuse adapter and the span readers (OTLP, console) name them alike.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}   # per base, the number its latest agent got (names are only added)

    def base(self, agent: str) -> str:
        """The readable part of an identifier-holding name (``agent`` when none is left)."""
        return readable_name(agent) or "agent"

    def name(self, agent: str, a: dict) -> str:
        """``agent``, or a readable name for the agent when ``agent`` holds an identifier."""
        if not has_identifier(agent):
            return agent
        aid = a.get("gen_ai.agent.id")
        key = aid if isinstance(aid, str) and aid else agent
        if key not in self.names:
            base = self.base(agent)
            n = self.last.get(base, 1)    # (counting from 1 each time took a trace of 8,000 unnamed agents 4 s)
            name = base if n == 1 else f"{base} {n}"
            while name in self.taken:
                n += 1
                name = f"{base} {n}"
            self.last[base] = n
            self.names[key] = name
            self.taken.add(name)
        return self.names[key]


class TraceAgentIds:
    """:class:`AgentIds` per trace, for readers that see a file's spans one at a time."""

    _MAX_TRACES = 100_000  # (bounded memory: past it the numbering starts again, as for a new file)

    def __init__(self) -> None:
        self.traces: dict[str, AgentIds] = {}

    def name(self, trace: str, agent: str, a: dict) -> str:
        """The agent's readable name in ``trace`` (``agent`` itself when it holds no identifier)."""
        if not has_identifier(agent):
            return agent
        ids = self.traces.get(trace)
        if ids is None:
            if len(self.traces) >= self._MAX_TRACES:
                self.traces.clear()
            ids = self.traces[trace] = AgentIds()
        return ids.name(agent, a)


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


#: An LLM call's cost in parts (any-agent's), summed into the cost column by :func:`map_span`.
COST_PART_KEYS = ("gen_ai.usage.input_cost", "gen_ai.usage.output_cost")

#: Attributes of the framework shapes above: a span that has one is mapped by :func:`map_span` (the
#: OTLP fast path hands it to the Python reader instead of mapping it in SQL).
SHAPE_KEYS = ("target", EMITTER_PATH, "executor.type", "agent_name", "metadata.langgraph_node",
              "metadata." + LC_AGENT_NAME, "graph.node.id",
              "smolagents.max_steps", TRACELOOP_ENTITY, TRACELOOP_LANGGRAPH_NODE, *COST_PART_KEYS,
              MLFLOW_SPAN_TYPE, LOGFIRE_TEMPLATE, AG2_SPAN_TYPE, "error.type", LANGFUSE_TYPE,
              VERCEL_AI_OPERATION, MASTRA_TYPE, ADK_SHAPE_KEY, DESTINATION_EXECUTOR, OPENLLMETRY_GRAPH_NODES,
              CREW_ID, CREW_TASK_AGENT, AG2_OI_SENDER, CREW_EVENT, AUTOGEN_RECIPIENT_CLASS)


def langchain_metadata(rest: dict[str, Any]) -> dict[str, Any] | None:
    """The LangChain run metadata OpenInference keeps as JSON text in ``metadata``, when it is LangGraph's or
    names a LangChain ``create_agent`` agent (:data:`LC_AGENT_NAME`: the agent's own graph span has no node).

    Phoenix's span export nests it (``attributes.metadata`` an object), flattened here to
    ``metadata.langgraph_node`` ….
    """
    if "metadata.langgraph_node" in rest or "metadata." + LC_AGENT_NAME in rest:
        return {k[len("metadata."):]: v for k, v in rest.items()
                if k.startswith("metadata.langgraph_") or k == "metadata." + LC_AGENT_NAME}
    if TRACELOOP_LANGGRAPH_NODE in rest:  # OpenLLMetry's LangChain instrumentation: association properties
        return {k[len(TRACELOOP_ASSOCIATION):]: v for k, v in rest.items()
                if k.startswith(TRACELOOP_ASSOCIATION + "langgraph_")}
    value = rest.get("metadata")
    if isinstance(value, str) and ("langgraph_node" in value or LC_AGENT_NAME in value):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return value if isinstance(value, dict) and ("langgraph_node" in value or LC_AGENT_NAME in value) else None


def split_attributes(attrs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split attributes into ``(slots, rest)``: the best value of each known slot, and the others."""
    known: dict[str, tuple[int, str, Any]] = {}
    rest: dict[str, Any] = {}
    slots = SLOTS
    for key, value in attrs.items():
        hit = slots.get(key)
        if hit is None or value is None:
            rest[key] = value
            continue
        slot, prio = hit
        cur = known.get(slot)
        if cur is None or prio < cur[0]:
            known[slot] = (prio, key, value)
            if cur is not None:
                rest[cur[1]] = cur[2]
        else:
            rest[key] = value
        if key in KEEP_KEYS:
            rest[key] = value
    return {slot: v[2] for slot, v in known.items()}, rest


TOOL_RESULT = "gen_ai.tool.call.result"


def tool_result_text(value: Any) -> Any:
    """A tool result written as a JSON string (``"41.20"``, quotes included) as the string it encodes.

    The conventions let ``gen_ai.tool.call.result`` be any value, and producers that JSON-encode it (MLflow's
    GenAI-semconv export: ``json.dumps`` of whatever the tool returned) turn a returned string into a quoted
    one; read as it is, the quotes and escapes become part of the tool's output. Anything else is as it was.
    """
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        decoded = json_or_text(value)
        return decoded if isinstance(decoded, str) else value
    return value


#: Attributes that show a span typed LLM called the model: messages or prompts sent or received, tokens counted
_CALL_SIGNS = ("llm.input_messages.", "llm.output_messages.", "llm.prompts", "llm.token_count.", "gen_ai.usage.",
               "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt", "gen_ai.completion")


def model_helper(name: Any, attrs: dict[str, Any], out: Any = None) -> bool:
    """Whether a span typed LLM is a private helper method of the model object, not a call of the model.

    LlamaIndex opens a span for each of its model classes' instrumented methods and OpenInference types every
    span of a model object LLM: ``OpenAI._prepare_chat_with_tools`` (the messages and tool schemas made ready,
    spanned beside the call ``OpenAI.astream_chat``) read as a second model call each turn, doubling an
    agent's model calls. Only a private method (``Class._name``) that shows no sign of a call (no messages or
    prompts, no token counts) and gives back (``out``) messages made ready (``{"messages": ...}``), or nothing,
    is taken for one; a span of any public method stays a model call, as does a developer's own call in a private
    method that answers anything else (a hand-made decorator names its spans ``Class._ask_model`` too).
    """
    if not isinstance(name, str):
        return False
    owner, dot, method = name.rpartition(".")
    if not (dot and owner and method.startswith("_") and method.strip("_")):
        return False
    if any(k.startswith(_CALL_SIGNS) for k in attrs):
        return False
    if isinstance(out, str) and out.lstrip().startswith("{") and '"messages"' in out:
        try:
            out = orjson.loads(out)
        except orjson.JSONDecodeError:
            # cut short (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=4096 ends a document mid-way, unclosed): one that opens
            # with the messages still shows it gives them back; nothing else is read from half a document
            return _CUT_MESSAGES.match(out) is not None
    return out is None or isinstance(out, dict) and "messages" in out


#: a JSON object whose first key is "messages" (what a document cut short still shows of its shape)
_CUT_MESSAGES = re.compile(r'\s*\{\s*"messages"\s*:\s*\[')


#: openai-agents' hand-off span names ("handoff", "handoff to X"): the word, not a name that starts with it
#: (ASCII word characters, as RE2 reads them in the SQL reader too)
HANDOFF_NAME = re.compile(r"(?i)^handoff([^0-9a-z_]|$)")


def step_kind(op: Any, oi_kind: Any, name: str | None, fallback: Any = None, tool: Any = None) -> str:
    """The step kind of a span from its GenAI operation, its OpenInference kind, or its name."""
    kind = OPERATION_KINDS.get(op) if isinstance(op, str) else None
    if kind is None:
        for candidate in (oi_kind, fallback):
            if isinstance(candidate, str):
                kind = OI_KINDS.get(candidate.upper())
                if kind is not None:
                    break
    # openai-agents names its hand-off spans "Handoff" / "handoff to X" and gives them no usable kind, nor a
    # tool's name: a span naming a tool is that tool's call (a function tool called "handoff", say), and a
    # span called "handoff_worker" is no hand-off.
    if kind in (None, "tool", "other") and tool is None and name and HANDOFF_NAME.match(name):
        return "handoff"
    return kind or "other"


def as_text(value: Any) -> str | None:
    """Text of an input/output value: strings as they are, structured values as compact JSON."""
    if value is None or isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        # orjson refuses integers past 64 bits and nesting past 254 levels, both legal JSON (an OTLP body,
        # a decorated function's arguments): the standard encoder writes them; Python's repr is not JSON.
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
        except (TypeError, ValueError, RecursionError):
            return str(value)


def _messages(rest: dict[str, Any], prefix: str) -> list[dict[str, Any]] | None:
    """Rebuild OpenInference's flattened ``llm.*_messages.N.message.*`` keys into a message list.

    The keys used are removed from ``rest`` (they are now the step's input or output).
    """
    keys = [k for k in rest if k.startswith(prefix)]
    if not keys:
        return None
    by_index: dict[int, dict[str, Any]] = {}
    plen = len(prefix)
    for key in keys:
        index, _, field = key[plen:].partition(".")
        if not index.isdigit():
            continue
        value = rest.pop(key)
        field = field.removeprefix("message.")
        msg = by_index.setdefault(int(index), {})
        if field.startswith("contents."):
            # contents.N.message_content.text -> appended to the message's content
            if field.endswith(".message_content.text") and isinstance(value, str):
                msg.setdefault("_parts", []).append((field, value))
        elif field.startswith("tool_calls."):
            n, _, sub = field[len("tool_calls."):].partition(".")
            calls = msg.setdefault("tool_calls", {})
            calls.setdefault(n, {})[sub.removeprefix("tool_call.").removeprefix("function.")] = value
        else:
            msg[field] = value
    out = []
    for _, msg in sorted(by_index.items()):
        parts = msg.pop("_parts", None)
        if parts and "content" not in msg:
            msg["content"] = "".join(text for _, text in sorted(parts))
        if "tool_calls" in msg:
            msg["tool_calls"] = [c for _, c in sorted(msg["tool_calls"].items())]
        out.append(msg)
    return out


def find_logprobs(obj: Any) -> Any:
    """The token log-probabilities in an OpenAI-style response body or output message, or None.

    The one finder every adapter uses. Known places first (``choices[].logprobs.content`` of chat
    completions, ``logprobs.content``, the responses API's ``output[].content[].logprobs``), every
    choice's tokens together; else the first ``logprobs`` found a few levels down (``message``,
    ``messages``, ``output``). ``obj`` may be the JSON text: only text that mentions logprobs is parsed.
    """
    if isinstance(obj, str):
        if "logprob" not in obj or obj.lstrip()[:1] not in ("{", "["):
            return None
        try:
            obj = orjson.loads(obj)
        except orjson.JSONDecodeError:
            return None
    if isinstance(obj, dict):
        tokens: list = []
        for choice in obj.get("choices") or ():
            lp = choice.get("logprobs") if isinstance(choice, dict) else None
            if isinstance(lp, dict) and isinstance(lp.get("content"), list):
                tokens.extend(lp["content"])
        lp = obj.get("logprobs")
        if isinstance(lp, dict) and isinstance(lp.get("content"), list):
            tokens.extend(lp["content"])
        output = obj.get("output")
        for item in output if isinstance(output, list) else ():
            for part in (item.get("content") or ()) if isinstance(item, dict) else ():
                if isinstance(part, dict) and isinstance(part.get("logprobs"), list):
                    tokens.extend(part["logprobs"])
        if tokens:
            return tokens
    return _search_logprobs(obj)


def _search_logprobs(obj: Any, depth: int = 0) -> Any:
    if depth > 3:
        return None
    if isinstance(obj, dict):
        if obj.get("logprobs") is not None:
            return obj["logprobs"]
        for key in ("choices", "message", "messages", "output"):
            if key in obj:
                found = _search_logprobs(obj[key], depth + 1)
                if found is not None:
                    return found
    elif isinstance(obj, list):
        for item in obj[:8]:
            found = _search_logprobs(item, depth + 1)
            if found is not None:
                return found
    return None


def _number(value: Any) -> Any:
    # A numeric string (attributes are often strings) becomes a number; anything else is left for the
    # stage to reject, so a producer's bug is visible rather than silently dropped.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _cost_parts(rest: dict[str, Any]) -> float | None:
    """An LLM call's cost given as its input and output parts (any-agent's ``gen_ai.usage.input_cost`` /
    ``output_cost``, in dollars), summed; None when there are none, or one is not a number."""
    parts = [_number(rest.get(k)) for k in COST_PART_KEYS if rest.get(k) is not None]
    if not parts or not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
        return None
    return float(sum(parts))


def _count(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def map_span(attrs: dict[str, Any], name: str | None, events: list[dict[str, Any]] | None = None,
             fallback_kind: Any = None, root: bool = False) -> dict[str, Any]:
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
        attrs = instrumented_call_attributes(attrs)
    elif ADK_SHAPE_KEY in attrs:
        attrs = adk_attributes(attrs)
    known, rest = split_attributes(attrs)
    kind = step_kind(known.get("op"), known.get("oi_kind"), name, fallback_kind, known.get("tool"))
    if kind == "llm" and model_helper(name, attrs, known.get("output")):
        kind = "chain"
    agent = known.get("agent")
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
            agent = executor_agent(rest) or model_manager(rest)
            if agent is None and kind != "agent":
                agent = agent_run_span(name, rest)
                kind = "agent" if agent is not None else kind
    if CREW_EVENT in rest:
        kind, agent = crewai_event(rest, kind, agent)
    handoff_tool = kind == "tool"
    coworker = crew_delegation(known.get("input"), known.get("output"), known.get("tool"), name,
                               attrs) if kind == "tool" else None
    if coworker is not None:
        # the coworker's run on the delegating agent's request: its steps are the coworker's (smolagents and
        # OpenLIT write such a run as an agent span inside the call); the tool's name stays an attribute
        kind, agent = "agent", coworker
        if "tool" in known:
            rest[next(k for k in SLOT_KEYS["tool"] if attrs.get(k) is not None)] = known["tool"]
    # (Strands writes a tool call's arguments as an event of its span)
    args = known.get("input") if kind != "tool" or known.get("input") is not None else _event_arguments(events)
    handed_to = executor_handoff(name, rest) if kind == "other" else (
        autogen_handoff(attrs) or workflow_handoff(known.get("tool"), known.get("input"), known.get("output"),
                                                   next((attrs[k] for k in TOOL_DESCRIPTION_KEYS if k in attrs), None))
        or handoff_target(known.get("tool"), args)
    ) if kind == "tool" else None
    if handed_to is not None or (kind == "tool" and unnamed_handoff(known.get("tool"), args)):
        kind = "handoff"  # (one traced without its arguments names its agent once the run is staged)
    if agent is None and kind == "agent" and root and workflow_wrapper(attrs):
        kind = "chain"
    if kind == "agent" and openllmetry_graph(attrs):
        kind, agent = "chain", None  # (its steps act for its nodes' agents; a nested graph's for the node's)
    if kind == "agent" and (crew := openllmetry_crew(attrs)) is not None:
        kind, agent = "chain", crew or None
    if agent is None and kind == "agent":
        agent = graph_node(rest) or smolagents_agent(name, rest) or traceloop_entity(rest)
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
        tool = name[len(TOOL_NAME_PREFIX):] or name if name.startswith(TOOL_NAME_PREFIX) else name
        if tool.endswith(TOOL_NAME_SUFFIX) and len(tool) > len(TOOL_NAME_SUFFIX):
            tool = tool[:-len(TOOL_NAME_SUFFIX)]
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
        if inp is not None and (inp is attrs.get("traceloop.entity.input") or inp is attrs.get(
                "gen_ai.tool.call.arguments")):
            inp = traceloop_value(inp)
        if out is not None and out is attrs.get("traceloop.entity.output"):
            out = traceloop_value(out)
    # Only LLM-like spans carry flattened messages; skip the key scan elsewhere (it costs per span).
    if inp is None and kind in MESSAGE_KINDS:
        for prefix in IN_MESSAGE_PREFIXES:
            inp = _messages(rest, prefix)
            if inp is not None:
                break
    beaten = None
    if kind == "llm" and out is not None and _output_key(attrs) in MESSAGES_BEAT:
        beaten, out = out, None
    if out is None and kind in MESSAGE_KINDS:
        for prefix in OUT_MESSAGE_PREFIXES:
            out = _messages(rest, prefix)
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
    crew = (crew_answer(out) or graph_state_answer(out) or react_answer(out) or event_answer(out)
            or stream_answer(out)) if kind in ("chain", "agent") else None
    if crew is not None:
        out, rest[_output_key(attrs) or "output.value"] = crew
    error = known.get("error_type") or reflected
    if failed and error is None:
        error = out
    cost = _number(known.get("cost"))
    if cost is None and kind == "llm":
        cost = _cost_parts(rest)
    conf = _number(known.get("confidence"))
    ent = _number(known.get("entropy"))
    lp_source = known.get("logprobs")
    if events:
        ev_in: list[Any] = []
        ev_out: list[Any] = []
        for ev in events:
            ev_name = ev.get("name")
            ev_attrs = ev.get("attributes") or {}
            if ev_name == "exception":
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
                lp_source = ev_attrs.get("logprobs") or ev_attrs.get("gen_ai.response.logprobs") \
                    or find_logprobs(ev_attrs.get("body") or ev_attrs.get("message"))
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
        rest.update({k: v for k, v in ((USAGE_IN, _count(known.get("tokens_in"))),
                                       (USAGE_OUT, _count(known.get("tokens_out"))), (USAGE_COST, cost))
                     if v is not None})
    return {
        "kind": kind, "is_agent": kind == "agent", "agent": agent, "tool": tool,
        "model": known.get("model"), "tokens_in": _count(known.get("tokens_in")) if counted else None,
        "tokens_out": _count(known.get("tokens_out")) if counted else None, "cost": cost if counted else None,
        "input": as_text(inp), "output": as_text(out), "error": as_text(error),
        "confidence": conf, "entropy": ent, "attributes": rest, "agent_of_previous": agent_of_previous,
        "failed": failed, "turns": turns,
    }


def _event_arguments(events: list[dict[str, Any]] | None) -> Any:
    """A tool call's arguments written as its span's one ``gen_ai.tool.message`` event (Strands), else None."""
    said = [ev.get("attributes") for ev in events or () if ev.get("name") == "gen_ai.tool.message"]
    return said[0].get("content") if len(said) == 1 and isinstance(said[0], dict) else None


def _tool_event_value(events: list[Any], key: str) -> Any:
    """A tool span's one message event read as the call's arguments / result: its ``key`` (else the events).

    Strands writes a tool call's arguments as a ``gen_ai.tool.message`` event (``content``, beside the call's
    ``id``) and its result as a ``gen_ai.choice`` (``message``): read whole, each call's input held its call id,
    and the same arguments of a call made again read as other arguments.
    """
    if len(events) == 1 and isinstance(events[0], dict) and events[0].get(key) is not None:
        return events[0][key]
    return events


def _output_key(attrs: dict[str, Any]) -> str | None:
    """The attribute that fills the output slot (the first present in :data:`SLOT_KEYS`' order)."""
    return next((k for k in SLOT_KEYS["output"] if attrs.get(k) is not None), None)


def status_of(code: Any) -> str | None:
    """``'ok'`` / ``'error'`` / ``'unset'`` of an OTLP or OpenInference status code; None if unknown.

    Accepts 0/1/2, ``STATUS_CODE_ERROR``, ``ERROR``, ``Error`` …; a missing code is ``'unset'``.
    """
    if code is None or code == "":
        return "unset"
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return STATUS_CODES.get(str(code))
    if isinstance(code, str):
        return STATUS_CODES.get(code.upper())
    return None


# -- a fast way into stage_steps ---------------------------------------------------------------------

_STEP_COLS = ("line", "run_id", "step_id", "parent_id", "agent", "is_agent", "kind", "name", "tool",
              "model", "start_ns", "end_ns", "latency_ms", "status", "error", "input", "output",
              "tokens_in", "tokens_out", "cost", "confidence", "entropy", "attributes", "order_hint", "raw")




def kept_as_is(m: dict[str, Any], name: Any, attrs_json: Any, check_sizes: bool) -> bool:
    """Whether the store keeps a span mapped to ``m`` with no conversion and no doubt (the common case);
    any other span goes through the stage's own check (:func:`step_row`), which converts or quarantines it."""
    agent, tool, model = m["agent"], m["tool"], m["model"]
    fast = (plain_values(m["tokens_in"], m["tokens_out"], m["cost"], m["confidence"], m["entropy"])
            and (agent is None or agent.__class__ is str)
            and (tool is None or tool.__class__ is str)
            and (model is None or model.__class__ is str)
            and (attrs_json is None or attrs_json.__class__ is str))
    if fast and check_sizes:
        fast = not any(x is not None and len(x) > SHORT_CHARS for x in (name, m["input"], m["output"], m["error"],
                                                                   attrs_json, agent, tool, model))
    return fast


def stored_reason(m: dict[str, Any], name: Any, start: int | None, end: int | None, run_id: str,
                  step_id: str) -> str | None:
    """Why the store would quarantine a span :func:`map_span` mapped to ``m`` (None: it keeps the span), by
    the check :meth:`StepSink.add` applies (:func:`kept_as_is`, else the stage's :func:`step_row`), and the
    time range the OTLP reader holds the span's times to. For the live guard: a span the store quarantines
    is no step of the backtest's."""
    attrs = m["attributes"]
    try:
        attrs_json = orjson.dumps(attrs).decode() if attrs else None
    except TypeError:  # an int beyond 64 bits, a non-string key …: let the stage judge
        attrs_json = attrs
    if (kept_as_is(m, name, attrs_json, True) and (start is None or 0 <= start < _NS_MAX)
            and (end is None or 0 <= end < _NS_MAX)):
        return None
    try:
        step_row(None, 0, run_id, step_id, {
            "agent": m["agent"], "is_agent": m["is_agent"], "kind": m["kind"], "name": name, "tool": m["tool"],
            "model": m["model"], "start_ns": start, "end_ns": end, "input": m["input"], "output": m["output"],
            "error": m["error"], "tokens_in": m["tokens_in"], "tokens_out": m["tokens_out"], "cost": m["cost"],
            "confidence": m["confidence"], "entropy": m["entropy"], "attributes": attrs_json,
            "status": "unset"})    # (the reader gives every span one of its three: nothing of the span's to judge)
    except RecordError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - as the stage: any failure reading one record quarantines it
        return _describe(exc)
    return None


class StepSink:
    """Stages mapped spans as steps, faster than one :meth:`Stage.step` call each.

    Rows whose values are plainly valid (the common case) are buffered as tuples and inserted into
    ``stage_steps`` in Arrow batches, counted in ``stage.read``; any row with a value that needs
    converting or might be invalid goes through :meth:`Stage.step`, which converts or quarantines it
    exactly as for any adapter. Both routes give the same rows.

    Parameters
    ----------
    stage
        The ingest call's stage.
    keep_raw
        Store each span's source JSON in ``stage_steps.raw`` (what the driver copies to the quarantine
        when it rejects a duplicate or a cycle).
    batch
        Rows per insert.
    """

    def __init__(self, stage: Stage, keep_raw: bool = True, batch: int = 50_000) -> None:
        self.stage = stage
        self.keep_raw = keep_raw
        self.batch = batch
        self.rows: list[tuple] = []
        self.max_field_bytes = MAX_FIELD_BYTES
        #: Readable names of the agents the file's traces name only by an identifier (the readers rename them).
        self.agent_ids = TraceAgentIds()

    def add(self, line: int, run_id: str, step_id: str, parent_id: str | None, name: Any,
            start: int | None, end: int | None, status: str, m: dict[str, Any], order: int,
            raw: Any, check_sizes: bool) -> None:
        """Stage one step: ids, times and status from the source, the rest from :func:`map_span`."""
        attrs = m["attributes"]
        try:
            attrs_json = orjson.dumps(attrs).decode() if attrs else None
        except TypeError:  # an int beyond 64 bits, a non-string key …: let the stage judge
            attrs_json = attrs
        tin, tout, cost, conf, ent = m["tokens_in"], m["tokens_out"], m["cost"], m["confidence"], m["entropy"]
        agent, tool, model, error = m["agent"], m["tool"], m["model"], m["error"]
        fast = kept_as_is(m, name, attrs_json, check_sizes)
        latency = (end - start) / 1e6 if start is not None and end is not None else None
        inp, out = m["input"], m["output"]
        if not fast:
            self.stage.step(line=line, run_id=run_id, step_id=step_id, raw=raw, parent_id=parent_id,
                            agent=agent, is_agent=m["is_agent"], kind=m["kind"], name=name, tool=tool,
                            model=model, start_ns=start, end_ns=end, latency_ms=latency, status=status,
                            error=error, input=inp, output=out, tokens_in=tin, tokens_out=tout, cost=cost,
                            confidence=conf, entropy=ent, attributes=attrs_json, order_hint=order)
            return
        self.stage.read += 1
        if not self.keep_raw:
            raw = None
        elif isinstance(raw, (bytes, bytearray)):
            raw = bytes(raw).decode("utf-8", "backslashreplace")
        elif raw is not None and raw.__class__ is not str:
            try:
                raw = orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS).decode()
            except TypeError:
                raw = str(raw)
        self.rows.append((line, run_id, step_id, parent_id, agent, m["is_agent"], m["kind"], name, tool,
                          model, start, end, latency, status, error, inp, out, tin, tout, cost, conf, ent,
                          attrs_json, order, raw))
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Insert the buffered rows into ``stage_steps``."""
        rows = self.rows
        if not rows:
            return
        self.rows = []
        import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

        cols = list(zip(*rows, strict=True))
        # (arrow_column, not pa.array: that imports pandas)
        table = pa.table({c: arrow_column(v, STAGE_STEP_COLUMNS[c]) for c, v in zip(_STEP_COLS, cols, strict=True)})
        con = self.stage.con
        view = f"_wb_steps_{id(self)}"
        con.register(view, table)
        try:
            con.execute(f"INSERT INTO stage_steps BY NAME SELECT *, $file AS file, $source AS source "
                        f"FROM {view}", {"file": self.stage.file, "source": self.stage.source})
        finally:
            con.unregister(view)
        self.stage.steps_appended(len(rows))
