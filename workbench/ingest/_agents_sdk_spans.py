"""The OpenAI Agents SDK's span data (``span_data``: ``{"type": "agent" | "function" | "generation" | …}``) read as the
OpenInference keys it stands for: shared by the SDK's own trace items (:mod:`.openai_agents`) and Logfire's spans of
the same SDK (:mod:`._logfire_agents`), which carry each span's data as their attributes.
"""

from __future__ import annotations

from typing import Any

import orjson

from ._json_text import json_or_text

PREFIX = "openai_agents."
# span_data type -> OpenInference kind (handoff: the step kind comes from the span's name, "handoff to X")
_KINDS = {
    "agent": "AGENT",
    "function": "TOOL",
    "generation": "LLM",
    "response": "LLM",
    "guardrail": "GUARDRAIL",
    "custom": "CHAIN",
    "mcp_tools": "CHAIN",
    "transcription": "LLM",
    "speech": "LLM",
    "speech_group": "CHAIN",
}
# span_data keys read into the step's slots (the rest are kept as openai_agents.<key>)
_READ = frozenset({"type", "name", "input", "output", "model", "usage", "from_agent", "to_agent"})


def _message(msg: Any) -> Any:
    """A chat message without the keys the SDK writes as null (``refusal``, ``audio``, ``function_call`` …)."""
    return {k: v for k, v in msg.items() if v is not None} if isinstance(msg, dict) else msg


def _reply(output: Any) -> Any:
    """A generation's ``output`` as the assistant messages it holds: the JS SDK writes the whole
    ``chat.completion`` responses (``choices[].message``), the Python SDK the messages."""
    if not isinstance(output, list):
        return output
    out: list[Any] = []
    for item in output:
        choices = item.get("choices") if isinstance(item, dict) else None
        if isinstance(choices, list):
            out.extend(_message(c.get("message")) for c in choices if isinstance(c, dict) and "message" in c)
        else:
            out.append(_message(item))
    return out


def _count(value: Any) -> int | None:
    return value if type(value) is int else None


def _tokens(data: dict[str, Any]) -> tuple[int | None, int | None]:
    """Tokens in and out of one model request: ``usage`` (``input_tokens`` / ``output_tokens``, or
    ``prompt_tokens`` / ``completion_tokens``), else the sum over the ``chat.completion`` responses' usage."""
    usage = data.get("usage")
    if isinstance(usage, dict):
        tin = _count(usage.get("input_tokens", usage.get("prompt_tokens")))
        tout = _count(usage.get("output_tokens", usage.get("completion_tokens")))
        if tin is not None or tout is not None:
            return tin, tout
    output = data.get("output")
    usages = (
        [o["usage"] for o in output if isinstance(o, dict) and isinstance(o.get("usage"), dict)]
        if isinstance(output, list)
        else []
    )
    if not usages:
        return None, None
    ins = [_count(u.get("prompt_tokens", u.get("input_tokens"))) for u in usages]
    outs = [_count(u.get("completion_tokens", u.get("output_tokens"))) for u in usages]
    return (sum(ins) if None not in ins else None), (sum(outs) if None not in outs else None)


def error_text(error: dict[str, Any]) -> str:
    """``{"message", "data"}`` as one line: the message, then the cause the data names (``error``) or the data."""
    message = error.get("message")
    text = message if isinstance(message, str) and message else "error"
    data = error.get("data")
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return f"{text}: {data['error']}"
    if data is not None:
        try:
            return f"{text}: {orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()}"
        except (
            orjson.JSONEncodeError
        ):  # (nested past orjson's 254 levels: the span is kept, with its message)
            return f"{text} (its data nested too deep to write)"
    return text


def span_fields(data: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The step name and the OpenInference attributes that stand for one ``span_data``."""
    kind = data.get("type")
    name = data.get("name") if isinstance(data.get("name"), str) else None
    attrs: dict[str, Any] = {PREFIX + "span_type": kind}
    for key, value in data.items():
        if key not in _READ and value is not None:
            attrs[PREFIX + key] = value
    config = attrs.get(PREFIX + "model_config")
    if isinstance(config, dict):  # the SDK lists every setting, most of them null
        attrs[PREFIX + "model_config"] = {k: v for k, v in config.items() if v is not None}
    oi_kind = _KINDS.get(kind) if isinstance(kind, str) else None
    if oi_kind is not None:
        attrs["openinference.span.kind"] = oi_kind
    if kind == "agent":
        attrs["agent.name"] = name
    elif kind == "function":
        attrs["tool.name"] = name
        if data.get("input") is not None:
            attrs["input.value"] = json_or_text(data["input"])
        if data.get("output") is not None:
            attrs["output.value"] = data["output"]  # as the model got it ("41.20" stays text)
    elif kind in ("generation", "response", "transcription", "speech"):
        name = name or kind
        if data.get("input") is not None:
            attrs["input.value"] = (
                [_message(m) for m in data["input"]] if isinstance(data["input"], list) else data["input"]
            )
        if data.get("output") is not None:
            attrs["output.value"] = _reply(data["output"])
        if isinstance(data.get("model"), str) and data["model"]:
            attrs["llm.model_name"] = data["model"]
        tin, tout = _tokens(data)
        if tin is not None:
            attrs["llm.token_count.prompt"] = tin
        if tout is not None:
            attrs["llm.token_count.completion"] = tout
    elif kind == "handoff":
        src, dst = data.get("from_agent"), data.get("to_agent")
        name = f"handoff to {dst}" if isinstance(dst, str) else "handoff"
        attrs[PREFIX + "from_agent"], attrs[PREFIX + "to_agent"] = src, dst
        attrs["output.value"] = dst
    elif kind == "guardrail":
        attrs["output.value"] = {"triggered": data.get("triggered")}
    elif kind == "mcp_tools":
        server = data.get("server")  # (a name; anything else would be named by its Python repr)
        name = f"mcp list tools {server}" if isinstance(server, str) and server else "mcp list tools"
        if data.get("result") is not None:
            attrs["output.value"] = data["result"]
    elif kind == "custom":
        if "data" in data:
            attrs.pop(PREFIX + "data", None)
            attrs["input.value"] = data["data"]
    return name or (kind if isinstance(kind, str) else None), attrs
