"""Attribute names of the OpenTelemetry GenAI and OpenInference conventions, mapped to step columns.

Shared by the OTLP adapter (``otlp.py``) and the OpenInference adapters (``openinference.py``): each
adapter decodes a span's attributes into one flat ``{key: value}`` dict (OpenInference's dotted keys,
e.g. ``llm.input_messages.0.message.role``) and calls :func:`._map_span.map_span`.

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

import re
from typing import Any

import orjson

from ._mlflow import PASSED_OPERATIONS as MLFLOW_PASSED_OPERATIONS

# -- the table of conventions ------------------------------------------------------------------------
# Every reader takes these from here: the Python mapper (_map_span.py), the SQL fast path (_otlp_sql.py generates
# its CASE expressions from them) and the Langfuse adapter (tests/ingest/test_conventions.py checks
# that the three agree).

# gen_ai.operation.name -> step kind. "handoff" is what openai-agents instrumentations write; "call_llm"
# is mozilla-ai/any-agent's name for an LLM call.
OPERATION_KINDS = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "embeddings": "llm",
    "call_llm": "llm",
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "retrieval": "retriever",
    "invoke_workflow": "chain",
    # a workflow's node (Google ADK for Go v2: gen_ai.node.name names it, _adk.node_agent), as a LangGraph node's span
    "invoke_node": "chain",
    "handoff": "handoff",
    # OpenLLMetry's llm.request.type (its spans before gen_ai.operation.name): chat / completion / embedding / rerank
    "completion": "llm",
    "embedding": "llm",
    "rerank": "retriever",
    # MLflow with MLFLOW_ENABLE_OTEL_GENAI_SEMCONV writes a span type the conventions have no operation for
    # as the operation itself (and names the span after it: "CHAIN"), upper-case, unlike any GenAI operation
    **MLFLOW_PASSED_OPERATIONS,
}
# Strands Agents' multi-agent spans (tracer.start_multiagent_span, v1.40: "invoke_swarm" / "invoke_graph") name the
# orchestrator itself as gen_ai.agent.name ("swarm", "graph"): no agent; its node agents' spans under it are.
MULTIAGENT_OPERATIONS = frozenset({"invoke_swarm", "invoke_graph"})
# openinference.span.kind -> step kind. Guardrails and evaluators are the system checking itself.
OI_KINDS = {
    "AGENT": "agent",
    "TOOL": "tool",
    "LLM": "llm",
    "EMBEDDING": "llm",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "RERANKER": "retriever",
    "GUARDRAIL": "system",
    "EVALUATOR": "system",
    "PROMPT": "other",
    "UNKNOWN": "other",
    # OpenLLMetry (Traceloop)'s traceloop.span.kind: its @workflow / @task / @agent / @tool decorators
    "WORKFLOW": "chain",
    "TASK": "chain",
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
# Where a tool span describes its tool (OpenInference, the GenAI conventions).
TOOL_DESCRIPTION_KEYS = ("tool.description", "gen_ai.tool.description")
# Status codes (OTLP integers, their enum names, OpenInference's words; compared upper-cased) -> status.
STATUS_CODES = {
    "0": "unset",
    "1": "ok",
    "2": "error",
    "UNSET": "unset",
    "OK": "ok",
    "ERROR": "error",
    "STATUS_CODE_UNSET": "unset",
    "STATUS_CODE_OK": "ok",
    "STATUS_CODE_ERROR": "error",
}

# key -> (slot, priority): the lowest priority present fills the slot. Keys left out of a slot are
# kept in the step's attributes; so are the ones in KEEP_KEYS (the raw kind names, since our kind is coarser).
SLOT_KEYS: dict[str, tuple[str, ...]] = {
    "op": ("gen_ai.operation.name", "llm.request.type"),
    "oi_kind": ("openinference.span.kind", "traceloop.span.kind"),
    "agent": ("gen_ai.agent.name", "agent.name"),
    "tool": ("gen_ai.tool.name", "tool.name", "haystack.tool.name"),
    "model": (
        "gen_ai.response.model",
        "gen_ai.request.model",
        "llm.response.model_name",
        "llm.model_name",
        "llm.request.model_name",
        "embedding.model_name",
        "reranker.model_name",
    ),
    "tokens_in": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"),
    "tokens_out": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
    ),
    # operation.cost: PydanticAI's model call's price in USD (its genai-prices figure, on each chat span of a
    # model it knows the price of; drift50 read 2.78's as no cost)
    "cost": ("workbench.cost", "llm.cost.total", "operation.cost"),
    # gen_ai.tool.args / gen_ai.output: any-agent's names for a tool's arguments and a span's output (an
    # LLM call's reply or a tool's result), beside the convention's gen_ai.tool.call.arguments / .result.
    "input": (
        "gen_ai.input.messages",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.args",
        "input.value",
        "gen_ai.prompt",
        "input",
        "tool.parameters",
        "traceloop.entity.input",
        # Haystack's own tracing (content tags, only with content tracing on: _haystack_spans)
        "haystack.agent.step.tool.input",
        "haystack.agent.step.llm.input",
        "haystack.agent.input",
        "haystack.component.input",
    ),
    # final_result: PydanticAI's agent run span's answer (its pydantic_ai.all_messages repeat the LLM steps)
    "output": (
        "gen_ai.output.messages",
        "gen_ai.tool.call.result",
        "gen_ai.output",
        "output.value",
        "gen_ai.completion",
        "output",
        "traceloop.entity.output",
        "final_result",
        "haystack.agent.step.tool.output",
        "haystack.agent.step.llm.output",
        "haystack.agent.output",
        "haystack.component.output",
    ),
    "error_type": ("error.type", "exception.message", "exception.type"),
    "confidence": ("workbench.confidence",),
    "entropy": ("workbench.entropy",),
    "logprobs": ("workbench.logprobs", "gen_ai.response.logprobs"),
}
SLOTS: dict[str, tuple[str, int]] = {
    key: (slot, prio) for slot, keys in SLOT_KEYS.items() for prio, key in enumerate(keys)
}
KEEP_KEYS = frozenset(
    {"gen_ai.operation.name", "openinference.span.kind", "llm.request.type", "traceloop.span.kind"}
)
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
INPUT_EVENTS = frozenset(
    {"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message"}
)
OUTPUT_EVENTS = frozenset({"gen_ai.choice"})
# The later conventions' one event with a call's whole exchange (gen_ai.input.messages / output.messages), as
# opentelemetry-util-genai writes it (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=event_only): an OTLP
# log record (_otlp_logs.py) or a span event.
DETAILS_EVENTS = frozenset({"gen_ai.client.inference.operation.details"})
# Span events that record an exception: OpenTelemetry's own, and the GenAI conventions' client operation exception
# (gen-ai-exceptions.md: exception.type / .message / .stacktrace; LiteLLM writes it on a failed call)
EXCEPTION_EVENTS = frozenset({"exception", "gen_ai.client.operation.exception"})
# The conventions 1.26-1.27's content events (gen_ai.content.prompt / .completion, the messages as JSON in
# gen_ai.prompt / gen_ai.completion), as Langtrace still writes them on every model call: the event -> its key
CONTENT_EVENTS = {"gen_ai.content.prompt": "gen_ai.prompt", "gen_ai.content.completion": "gen_ai.completion"}
# An evaluator's verdict on the operation its span is (gen-ai-events.md: gen_ai.evaluation.name, .score.value,
# .score.label, .explanation, error.type): an evaluation, not the step's outcome nor its output; kept whole among
# the step's attributes under the event's name, one entry an event (as a log record it is kept in otel.logs).
EVALUATION_EVENTS = frozenset({"gen_ai.evaluation.result"})


TRACELOOP_ENTITY = "traceloop.entity.name"
TRACELOOP_ASSOCIATION = "traceloop.association.properties."
TRACELOOP_LANGGRAPH_NODE = TRACELOOP_ASSOCIATION + "langgraph_node"


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


#: Attributes that show a span typed LLM called the model: messages or prompts sent or received, tokens counted
_CALL_SIGNS = (
    "llm.input_messages.",
    "llm.output_messages.",
    "llm.prompts",
    "llm.token_count.",
    "gen_ai.usage.",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.prompt",
    "gen_ai.completion",
)


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
