"""A tool call's result written as the LangChain ``ToolMessage`` it became, read as its content and outcome.

LangChain hands a tool's recoverable failure back to the model as a ``ToolMessage`` with ``status="error"``
(a tool with ``handle_tool_error``, LangGraph's ``ToolNode(handle_tool_errors=...)``); the tool run then ends
normally, so OpenInference's LangChain instrumentor writes the span with status OK and the serialized message
(``{"type": "tool", "data": {"content": ..., "tool_call_id": ..., "status": "error"}}``) as its output. Read as
written, a failed call looked like a success and its retry like a loop. LangChain.js' instrumentor writes the
message as the constructor it serializes to, under ``output`` (LangGraph.js' ToolNode).
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text, nested_past

#: Text the SQL path looks for in a tool span's output before handing it to the Python mapper.
MARKER = '"tool_call_id"'


def tool_message(output: Any) -> tuple[Any, bool] | None:
    """``(content, failed)`` of a serialized LangChain ToolMessage, or None when ``output`` is not one."""
    if not isinstance(output, str) or MARKER not in output:
        return None
    msg = whole = json_or_text(output)
    if not isinstance(msg, dict):
        return None
    if set(msg) in ({"output"}, {"output", "kwargs"}) and isinstance(msg["output"], dict):
        # (LangChain.js' tool run ends with {"output": <the message>}; OpenLLMetry writes LangChain's on_tool_end
        # as {"output": <the message>, "kwargs": {...}})
        msg = msg["output"]
    if msg.get("lc") == 1 and msg.get("type") == "constructor" and isinstance(msg.get("kwargs"), dict):
        # LangChain.js serializes a message as its constructor: {"lc": 1, "type": "constructor", "id": [...,
        # "ToolMessage"], "kwargs": {"content", "tool_call_id", "status"}}
        ids = msg.get("id")
        if not isinstance(ids, list) or not ids or ids[-1] != "ToolMessage":
            return None
        msg = {"type": "tool", "data": {**msg["kwargs"], "type": "tool"}}
    data = msg.get("data") if msg.get("type") == "tool" else None
    if not isinstance(data, dict) or data.get("type") != "tool" or "content" not in data:
        return None
    # (a content nested past the depth limit could not be written again: the message stays as written, its
    # status is still read)
    return (output if nested_past(output, whole) else data["content"]), data.get("status") == "error"
