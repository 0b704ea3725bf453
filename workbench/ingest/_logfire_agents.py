"""Logfire's spans of the OpenAI Agents SDK (``logfire.instrument_openai_agents()``), read as the SDK's own span data.

Logfire wraps the SDK's trace provider: each SDK span becomes a Logfire span whose message template says its type
(``Agent run: {name!r}``, ``Function: {name}``, ``Chat completion with {gen_ai.request.model!r}``, ``Handoff:
{from_agent} → {to_agent}``, …) and whose attributes are the span data's export (``name``, ``input``, ``output``,
``from_agent`` …; structures as JSON text, listed in ``logfire.json_schema``; the model as ``gen_ai.request.model``;
a failed span's ``error`` as ``{"message", "data"}``). No GenAI operation, no OpenInference kind: read as Logfire
spans, every agent, model call and tool call of such a trace was an "other" step of nobody's. Read here as the
SDK's trace items are (:func:`._agents_sdk_spans.span_fields`), so the agent spans own the steps under them.
"""

from __future__ import annotations

from typing import Any

from ._agents_sdk_spans import error_text, span_fields
from ._logfire import TEMPLATE, schema_properties, schema_value

# The message templates of logfire/_internal/integrations/openai_agents.py (logfire 5.4) -> the SDK span type
_TEMPLATES = {
    "Agent run: {name!r}": "agent",
    "Function: {name}": "function",
    "Chat completion with {gen_ai.request.model!r}": "generation",
    "Responses API": "response",
    "Responses API with {gen_ai.request.model!r}": "response",
    "Guardrail {name!r} {triggered=}": "guardrail",
    "Handoff: {from_agent} → {to_agent}": "handoff",
    "Custom span: {name}": "custom",
    "MCP: list tools from server {server}": "mcp_tools",
    "Speech → Text with {gen_ai.request.model!r}": "transcription",
    "Text → Speech": "speech",
    "Text → Speech group": "speech_group",
}
# The SDK's task and turn spans (templates with the task's or agent's name written in) and any newer type
_SDK_SPAN_TYPE, _ANY_TYPE = "sdk_span_type", "OpenAI agents: {type} span"
# What Logfire adds to a Responses API span beside the SDK's data: the input items, the whole response, and both as
# GenAI events (read as the step's input and output; not kept again among its attributes)
_RESPONSE_KEYS = ("raw_input", "response", "events")


def _span_type(attrs: dict[str, Any]) -> str | None:
    template = attrs.get(TEMPLATE)
    kind = _TEMPLATES.get(template) if isinstance(template, str) else None
    if kind is None and (template == _ANY_TYPE or attrs.get(_SDK_SPAN_TYPE) in ("task", "turn")):
        kind = attrs.get("type") if isinstance(attrs.get("type"), str) else None
    return kind


def openai_agents_attributes(attrs: dict[str, Any]) -> dict[str, Any] | None:
    """The OpenInference attributes a Logfire span of the OpenAI Agents SDK stands for (its other attributes kept),
    or None when ``attrs`` is no such span (``gen_ai.system`` ``openai`` and a template of the SDK's types)."""
    if attrs.get("gen_ai.system") != "openai":
        return None
    kind = _span_type(attrs)
    props = schema_properties(attrs)
    if kind is None or props is None:
        return None
    # (the GenAI keys Logfire adds, the model and token counts among them, stay as they are: the conventions')
    data = {
        k: schema_value(attrs[k], p) for k, p in props.items() if k in attrs and not k.startswith("gen_ai.")
    }
    data["type"] = kind
    read = {*data, *_RESPONSE_KEYS}
    error = data.pop("error", None)
    if kind == "response":
        _response_text(data, attrs)
    _, out = span_fields(data)
    out.update({k: v for k, v in attrs.items() if k not in read})
    if isinstance(error, dict):
        out["exception.message"] = error_text(error)  # (Logfire sets the status, not its message)
    return out


def _response_text(data: dict[str, Any], attrs: dict[str, Any]) -> None:
    """A Responses API request's messages, which the SDK's span data does not hold (only the response's id and
    usage): Logfire adds the request's input items (``raw_input``) and the whole response (``response``), whose
    ``output`` items are the model's reply (text messages, function calls) and become its assistant messages."""
    raw = schema_value(attrs.get("raw_input"), {"type": "array"})
    if isinstance(raw, list):
        data["input"] = raw
    response = schema_value(attrs.get("response"), {"type": "object"})
    items = response.get("output") if isinstance(response, dict) else None
    if isinstance(items, list):
        data["output"] = [m for m in map(_output_message, items) if m is not None]


def _output_message(item: Any) -> dict[str, Any] | None:
    """A Responses API output item as a chat message: a message's text parts, a function call as a tool call."""
    if not isinstance(item, dict):
        return None
    if item.get("type") == "message":
        parts = item.get("content")
        texts = [p.get("text") for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []
        return {
            "role": item.get("role") or "assistant",
            "content": "".join(t for t in texts if isinstance(t, str)),
        }
    if item.get("type") == "function_call":
        call = {"name": item.get("name"), "arguments": item.get("arguments")}
        return {
            "role": "assistant",
            "tool_calls": [{"id": item.get("call_id"), "type": "function", "function": call}],
        }
    return {
        "role": "assistant",
        "content": item,
    }  # (a reasoning item, a built-in tool's call: kept as written)
