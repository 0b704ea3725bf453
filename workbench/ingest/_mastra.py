"""Mastra's spans (``@mastra/observability`` through ``@mastra/otel-exporter``), read as the OpenInference keys
they stand for.

Mastra names what a span is in ``mastra.span.type`` (``agent_run``, ``model_inference``, ``tool_call``,
``workflow_run`` …) and writes the GenAI keys where the conventions have them (``invoke_agent``, ``chat``,
``execute_tool``); for every other span type it puts an operation name of its own in ``gen_ai.operation.name``
(``workflow_step``, ``model_generation``, ``agent_step``, ``model_chunk``) and the text in
``mastra.<type>.input`` / ``mastra.<type>.output`` (a string as given, anything else JSON). Unread, those
steps (the agents' runs among them) had no text and most were of kind ``other``.

A supervisor agent's sub-agents (``new Agent({agents: {...}})``) are tools of it named ``agent-<key>``; such a
call's result is ``{"text": <the sub-agent's answer>, "subAgentThreadId": <a new id each call>,
"subAgentResourceId": …, "subAgentToolResults": [...]}``, read as the answer's text (the whole kept among the
step's attributes): read whole, each answer was a new result for its new thread id, so a supervisor sending the
same work back to a sub-agent that answered the same each time was making headway (no ping-pong), and the ids were
figures the answer stated.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text

TYPE = "mastra.span.type"

# Mastra's SpanType -> openinference.span.kind (a GenAI operation Mastra writes beside it wins: step_kind)
_KINDS = {
    "agent_run": "AGENT",
    "model_inference": "LLM",
    "tool_call": "TOOL",
    "mcp_tool_call": "TOOL",
    "client_tool_call": "TOOL",
    "provider_tool_call": "TOOL",
    "rag_embedding": "EMBEDDING",
    "scorer_run": "EVALUATOR",
    "classifier_evaluation": "EVALUATOR",
}
# The spans that carry an agent's or a model call's answer as {"text": ..., ...}
_ANSWERS = {"agent_run", "model_generation", "model_step"}
# A streamed piece of the model call it is under: its text is that call's, and read as this step's output
# the piece would be the first to state what the model said.
_UNREAD = {"model_chunk"}


# The keys of a sub-agent tool's result besides the answer (``subAgentThreadId`` marks one)
_SUBAGENT_KEYS = frozenset({"text", "subAgentThreadId", "subAgentResourceId", "subAgentToolResults"})


def subagent_result(output: Any) -> str | None:
    """The answer of a sub-agent called as a tool, from the result Mastra writes (see the module docstring); None
    for any other output."""
    if not isinstance(output, str) or '"subAgentThreadId"' not in output:
        return None
    doc = json_or_text(output)
    if not isinstance(doc, dict) or "subAgentThreadId" not in doc or not set(doc) <= _SUBAGENT_KEYS:
        return None
    text = doc.get("text")
    return text if isinstance(text, str) else None


def _structured(value: Any) -> Any:
    """JSON text of an object or array, parsed; a string Mastra was given stays as it is."""
    return json_or_text(value) if isinstance(value, str) and value[:1] in ("{", "[") else value


def mastra_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with Mastra's ``mastra.<type>.input`` / ``.output`` read as the step's input and output."""
    kind = attrs.get(TYPE)
    if not isinstance(kind, str):
        return attrs
    kind = kind.lower()
    if kind in _UNREAD:
        return {**attrs, "openinference.span.kind": "CHAIN"}
    inp_key, out_key = f"mastra.{kind}.input", f"mastra.{kind}.output"
    out = {k: v for k, v in attrs.items() if k not in (inp_key, out_key)}
    # every other type is a piece of a workflow or of a model call's loop
    out["openinference.span.kind"] = _KINDS.get(kind, "CHAIN")
    if inp_key in attrs:
        out["input.value"] = _structured(attrs[inp_key])
    if out_key in attrs:
        output = _structured(attrs[out_key])
        if (
            kind in _ANSWERS
            and isinstance(output, dict)
            and isinstance(output.get("text"), str)
            and output["text"]
        ):
            output = output["text"]  # (an agent's answer beside its files, sources, warnings …)
        out["output.value"] = output
    return out
