"""A LangSmith run's inputs and outputs as OpenInference's LangChain instrumentor writes the same run.

That instrumentor is a LangChain tracer: it turns the very ``Run`` objects LangSmith stores into span attributes
(``openinference/instrumentation/langchain/_tracer.py``). Reading a LangSmith export through the same translation
lets every LangChain/LangGraph convention the span readers know (``_map_span.map_span``) apply unchanged:
``input.value`` / ``output.value`` as its ``_convert_io`` writes them, chat messages as ``llm.input_messages`` /
``llm.output_messages``, token counts from ``llm_output`` or the message's ``usage_metadata``, the model name.

One difference of storage: in process the instrumentor sees LangChain message objects and serializes them as
``message_to_dict`` does (``{"type": "ai", "data": {...}}``); LangSmith stored them as pydantic dumped them (the
message's fields flat, ``{"content", "type": "ai", "tool_calls", ...}``). Those are turned back into the
instrumentor's shape (:func:`as_written`), so a ToolMessage with ``status: "error"`` still reads as a failed call.
"""

from __future__ import annotations

from typing import Any

import orjson

# LangChain message types (BaseMessage.type) and the roles OpenInference gives them
_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "function": "function",
    "tool": "tool",
    "AIMessageChunk": "assistant",
    "HumanMessageChunk": "user",
    "ToolMessageChunk": "tool",
}
_CLASS_ROLES = (
    ("HumanMessage", "user"),
    ("AIMessage", "assistant"),
    ("SystemMessage", "system"),
    ("FunctionMessage", "function"),
    ("ToolMessage", "tool"),
)
# Fields only a dumped message has beside ``content`` and ``type`` (a user's own {"type", "content"} dict is no message)
_MESSAGE_FIELDS = ("additional_kwargs", "response_metadata", "tool_call_id")


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _flat_message(value: dict) -> bool:
    return (
        isinstance(value.get("type"), str)
        and value["type"] in _ROLES
        and "content" in value
        and any(k in value for k in _MESSAGE_FIELDS)
    )


def as_written(value: Any, depth: int = 0) -> Any:
    """``value`` with each pydantic-dumped LangChain message as ``message_to_dict`` writes it."""
    if depth > 64:
        return value
    if isinstance(value, dict):
        if _flat_message(value):
            return {"type": value["type"], "data": value}
        return {k: as_written(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [as_written(v, depth + 1) for v in value]
    return value


def convert_io(obj: Any) -> str | None:
    """The ``input.value`` / ``output.value`` text of a run's inputs or outputs (OpenInference's ``_convert_io``):
    a lone string as it is, a lone ``input`` / ``output`` value as JSON, else the whole object as JSON."""
    if not obj:
        return None
    if not isinstance(obj, dict):
        return obj if isinstance(obj, str) else _dumps(as_written(obj))
    if len(obj) == 1:
        key, value = next(iter(obj.items()))
        if isinstance(value, str):
            return value
        if key in ("input", "output"):
            return _dumps(as_written(value))
    return _dumps(as_written(obj))


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    out = []
    for call in calls if isinstance(calls, list) else ():
        if not isinstance(call, dict):
            continue
        fn = call.get("function") if isinstance(call.get("function"), dict) else call
        args = fn.get("arguments", fn.get("args"))
        item = {
            "tool_call.id": call.get("id"),
            "tool_call.function.name": fn.get("name"),
            "tool_call.function.arguments": args if isinstance(args, str) or args is None else _dumps(args),
        }
        out.append({k: v for k, v in item.items() if v is not None})
    return out


def message(data: Any) -> dict[str, Any] | None:
    """One chat message as OpenInference's ``_parse_message_data`` reads it (role, content, name, tool calls):
    an ``lc`` constructor (``{"lc": 1, "id": [..., "AIMessage"], "kwargs"}``), a dumped message, or a
    ``{"type", "data"}`` / ``{"role", "content"}`` dict."""
    if not isinstance(data, dict):
        return None
    ids = data.get("id")
    if isinstance(data.get("kwargs"), dict):
        fields, cls = data["kwargs"], ids[-1] if isinstance(ids, list) and ids else ""
        role = next((r for c, r in _CLASS_ROLES if str(cls).startswith(c)), fields.get("role"))
    else:
        fields = data.get("data") if isinstance(data.get("data"), dict) else data
        kind = data.get("type") if isinstance(data.get("type"), str) else fields.get("type")
        role = _ROLES.get(kind) if isinstance(kind, str) else None
        role = role or (fields.get("role") if isinstance(fields.get("role"), str) else None)
    out: dict[str, Any] = {"message.role": role} if role else {}
    content = fields.get("content")
    if isinstance(content, str) and content:
        out["message.content"] = content
    elif isinstance(content, list):
        texts = [
            c if isinstance(c, str) else c.get("text")
            for c in content
            if isinstance(c, str) or (isinstance(c, dict) and isinstance(c.get("text"), str))
        ]
        if texts:
            out["message.content"] = "\n".join(texts)
    for key, attr in (("name", "message.name"), ("tool_call_id", "message.tool_call_id")):
        if isinstance(fields.get(key), str) and fields[key]:
            out[attr] = fields[key]
    extra = fields.get("additional_kwargs") if isinstance(fields.get("additional_kwargs"), dict) else {}
    calls = _tool_calls(fields.get("tool_calls")) or _tool_calls(extra.get("tool_calls"))
    if calls:
        out["message.tool_calls"] = calls
    return out or None


def input_messages(inputs: Any) -> list[dict[str, Any]] | None:
    """The first batch of a chat model run's ``inputs.messages`` (``[[message, ...]]``)."""
    batches = inputs.get("messages") if isinstance(inputs, dict) else None
    first = batches[0] if isinstance(batches, list) and batches else None
    first = first if isinstance(first, list) else [first] if isinstance(first, dict) else []
    parsed = [m for m in (message(d) for d in first) if m]
    return parsed or None


def first_generation(outputs: Any) -> dict | None:
    try:
        gen = outputs["generations"][0][0]
    except (KeyError, IndexError, TypeError):
        return None
    return gen if isinstance(gen, dict) else None


def output_messages(outputs: Any) -> list[dict[str, Any]] | None:
    """The messages of a chat model run's first generations (``outputs.generations[0][*].message``)."""
    gens = outputs.get("generations") if isinstance(outputs, dict) else None
    first = gens[0] if isinstance(gens, list) and gens and isinstance(gens[0], list) else []
    parsed = [m for m in (message(g.get("message")) for g in first if isinstance(g, dict)) if m]
    return parsed or None


def token_usage(outputs: Any) -> dict | None:
    """``llm_output.token_usage`` (``usage`` for Anthropic), else the streamed message's ``usage_metadata``,
    else Vertex AI's ``generation_info.usage_metadata`` (OpenInference's ``_token_counts`` sources)."""
    llm_output = outputs.get("llm_output") if isinstance(outputs, dict) else None
    if isinstance(llm_output, dict):
        usage = llm_output.get("token_usage") or llm_output.get("usage")
        if isinstance(usage, dict) and usage:
            return usage
    gen = first_generation(outputs) or {}
    msg = gen.get("message") if isinstance(gen.get("message"), dict) else {}
    fields = msg.get("kwargs") if isinstance(msg.get("kwargs"), dict) else msg
    for usage in (
        fields.get("usage_metadata"),
        (gen.get("generation_info") or {}).get("usage_metadata")
        if isinstance(gen.get("generation_info"), dict)
        else None,
    ):
        if isinstance(usage, dict) and usage:
            return usage
    return None


def first_count(usage: dict, keys: tuple[str, ...]) -> Any:
    return next((usage[k] for k in keys if usage.get(k) is not None), None)
