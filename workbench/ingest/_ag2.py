"""AG2's OpenTelemetry spans (``autogen.opentelemetry``: ``instrument_pattern``, ``instrument_llm_wrapper``).

AG2 writes the GenAI conventions, read as any others, and tags every span ``ag2.span.type``. Two things of its
group chats read wrong as they are:

* The tools an agent asks for run in AG2's own ``_Group_Tool_Executor`` agent (an ``invoke_agent`` span under
  the chat manager, after the asking agent's turn): read as written, every tool call was that executor's, so a
  failed call and its retry were nobody's. The executor's turn acts for the agent whose turn came before it.
* AG2 1.x's ``TelemetryMiddleware`` writes a ``record_usage`` span (``ag2.span.type`` ``usage``) beside each
  model call, repeating its ``gen_ai.usage.*``, and one after each sub-task repeating the sub-agent's total:
  read as written, a run's tokens counted twice or more. Such a span keeps no tokens or cost of its own: they
  stay in its attributes (:data:`USAGE_IN` …), and a model call's record (``ag2.usage.kind`` ``model_call``)
  takes them once its run is staged when no other step of the run holds tokens (the model calls' spans carry
  none, or were dropped): ``_ag2_usage``. A sub-task's total never does (its calls have their own records).
* A tool that raises is caught and handed back to the model as text; its span keeps status UNSET and says
  the failure only with ``error.type`` (``ExecutionError``). The conventions say ``error.type`` is set when
  the operation failed, so such a span is an error (:func:`failed_without_status`, for any producer).
"""

from __future__ import annotations

from typing import Any

SPAN_TYPE = "ag2.span.type"
TOOL_EXECUTOR = "_Group_Tool_Executor"  # autogen.agentchat.group: __TOOL_EXECUTOR_NAME__
# OpenInference's AG2 instrumentation (openinference-instrumentation-ag2) writes each reply as an AGENT span
# "<agent>.generate_reply" with agent.name and the sender's name in this attribute, AG2's own tag absent.
OI_SENDER = "ag2.sender.name"
# A record_usage span's tokens and cost, as its attributes keep them (the names the conventions give them).
USAGE_IN, USAGE_OUT, USAGE_COST = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cost",
)


def tool_executor(attrs: dict[str, Any], agent: Any) -> bool:
    """Whether a span is the turn of AG2's group tool executor (which acts for the agent before it), as AG2's
    own tracing or OpenInference's writes it."""
    return agent == TOOL_EXECUTOR and (SPAN_TYPE in attrs or OI_SENDER in attrs)


def usage_record(attrs: dict[str, Any]) -> bool:
    """Whether a span is AG2's accounting of tokens counted on another span (``record_usage``)."""
    return attrs.get(SPAN_TYPE) == "usage"


def failed_without_status(attrs: dict[str, Any]) -> bool:
    """Whether a span with no status code says it failed by its ``error.type``."""
    value = attrs.get("error.type")
    return isinstance(value, str) and bool(value.strip())
