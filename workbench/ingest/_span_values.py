"""A span's attribute values as a step's: text of structured values, OpenInference's flattened messages rebuilt,
token log-probabilities found, numbers and counts given as strings, costs in parts, values a producer
JSON-encoded (a tool's result, Traceloop's entity input and output).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ._call_args import decorated_call
from ._json_text import json_or_text

#: An LLM call's cost in parts (any-agent's), summed into the cost column by :func:`map_span`.
COST_PART_KEYS = ("gen_ai.usage.input_cost", "gen_ai.usage.output_cost")

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
    if (
        isinstance(parsed, dict)
        and isinstance(parsed.get("input_str"), str)
        and {"tags", "metadata"} & set(parsed)
    ):
        # a LangChain tool's call: the run's tags and metadata (step counters) beside it
        return parsed["input_str"]
    if isinstance(parsed, dict) and set(parsed) == {"outputs", "kwargs"}:
        # a LangChain chain's end ({"outputs": ..., "kwargs": ...}): what it gave, as text (a graph's state is
        # then read for its answer, graph_state_answer, not for every token count its messages carry)
        out = parsed["outputs"]
        return out if isinstance(out, str) else as_text(out)
    called = decorated_call(parsed)
    return value if called is parsed else called


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


def flat_messages(rest: dict[str, Any], prefix: str) -> list[dict[str, Any]] | None:
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
        # (ASCII: isdigit takes any script's digits, and '٠' replaced message 0)
        if not (index.isascii() and index.isdigit()):
            continue
        value = rest.pop(key)
        field = field.removeprefix("message.")
        msg = by_index.setdefault(int(index), {})
        if field.startswith("contents."):
            # contents.N.message_content.text -> appended to the message's content
            if field.endswith(".message_content.text") and isinstance(value, str):
                msg.setdefault("_parts", []).append((field, value))
        elif field.startswith("tool_calls."):
            n, _, sub = field[len("tool_calls.") :].partition(".")
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


def number_of(value: Any) -> Any:
    # A numeric string (attributes are often strings) becomes a number; anything else is left for the
    # stage to reject, so a producer's bug is visible rather than silently dropped.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def cost_parts(rest: dict[str, Any]) -> float | None:
    """An LLM call's cost given as its input and output parts (any-agent's ``gen_ai.usage.input_cost`` /
    ``output_cost``, in dollars), summed; None when there are none, or one is not a number."""
    parts = [number_of(rest.get(k)) for k in COST_PART_KEYS if rest.get(k) is not None]
    if not parts or not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
        return None
    return float(sum(parts))


def count_of(value: Any) -> Any:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
