"""A tool call's arguments and result where the latest GenAI conventions put them: message parts of its span's
``gen_ai.client.inference.operation.details`` events.

Under ``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`` Strands Agents (``strands/telemetry/tracer.py``,
``start_tool_call_span`` / ``end_tool_call_span``) writes no ``gen_ai.tool.call.arguments`` / ``.result`` on an
``execute_tool`` span: the call is one such event with ``gen_ai.input.messages`` ``[{"role": "tool", "parts":
[{"type": "tool_call", "name", "id", "arguments"}]}]`` and its result another with ``gen_ai.output.messages``
``[{"role": "tool", "parts": [{"type": "tool_call_response", "id", "response"}]}]`` (the conventions' input /
output message schemas: ``ToolCallRequestPart.arguments``, ``ToolCallResponsePart.response``). Read whole, each
call's input held its call id and its message envelope: the same arguments of a call made again read as other
arguments, a guard policy or a hand-off saw ``role`` / ``parts`` where the arguments' keys are.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_within

TOOL_CALL, TOOL_CALL_RESPONSE = ("tool_call", "arguments"), ("tool_call_response", "response")


def tool_part(messages: Any, part: tuple[str, str]) -> Any:
    """The value of ``part`` (``(type, key)``) in a list of one message holding that one part, else None.

    A list of more messages or parts (an LLM exchange, a batch) is not one tool call's: None.
    """
    if not (isinstance(messages, list) and len(messages) == 1 and isinstance(messages[0], dict)):
        return None
    parts = messages[0].get("parts")
    if not (isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict)):
        return None
    kind, key = part
    return parts[0].get(key) if parts[0].get("type") == kind else None


def event_call_arguments(events: list[dict[str, Any]] | None, details: frozenset[str]) -> Any:
    """A tool call's arguments given as the one tool-call part of a ``details`` event's input messages, else None."""
    said = [
        json_within((ev.get("attributes") or {}).get("gen_ai.input.messages"))
        for ev in events or ()
        if isinstance(ev, dict) and ev.get("name") in details
    ]
    said = [s for s in said if s is not None]
    return tool_part(said[0], TOOL_CALL) if len(said) == 1 else None
