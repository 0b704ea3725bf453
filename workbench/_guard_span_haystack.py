"""Haystack's own spans as the span guard (``GuardSpanProcessor``) reads them: typed and named as the store's rule
types and names them once staged (``store/sql/haystack_spans.sql``), from the span and the one above it.

Haystack's tracer (haystack-core-integrations ``tracing/opentelemetry/tracer.py``) starts every span with no
attribute and sets its tags right after (``span.set_tags``), before any span under it starts; a tool call's
arguments are set before the tool runs, its result (or the caught error) and a model call's reply at its end
(haystack ``components/agents/tool_calling.py``). So at a span's own start only its name is known: the guard holds
it (as a span checked at its end) and types and judges it at the start of the first span under it (its tags are
set by then: an Agent component's name, the tool an Agent offered as a ComponentTool is called by, the call's
arguments), else at its end (a model call, a tool call running no span of its own). The spans under it take its
agent then, as the store's walk down gives it. Pure Python, as the rest of the span guard: no duckdb here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ._guard_span_values import _written
from ._json_deep import loads as deep_loads

# (name, tool, component type, component name) of a Haystack span typed here, for the spans under it
Info = tuple[str, str | None, str | None, str | None]

_LLM = frozenset({"haystack.agent.step.llm", "haystack.chat_generator.run"})


def is_haystack(name: str, m: dict[str, Any]) -> bool:
    """Whether the store's rule types the span: Haystack's by its name, and no reader typed or named it."""
    return (
        name.__class__ is str and name.startswith("haystack.") and m["kind"] == "other" and m["agent"] is None
    )


def _text(v: Any) -> str | None:
    """A tag as the store's rule reads it: text as the capture writes it (``_written``), an array as JSON text."""
    if v is None:
        return None
    return _written(v) if v.__class__ is str else json.dumps(_written(v)) if isinstance(v, tuple) else str(v)


def _named(v: str | None) -> str | None:
    """``nullif(trim(v), '')`` (DuckDB's trim: spaces only)."""
    return v.strip(" ") or None if v is not None else None


def info(name: str, attrs: Mapping[str, Any], m: dict[str, Any]) -> Info:
    """What the spans under this one read of it (the SQL's parent_name, parent_tool, parent_attributes)."""
    return (
        name,
        _text(m["tool"]),
        _text(attrs.get("haystack.component.type")),
        _text(attrs.get("haystack.component.name")),
    )


def typed(
    name: str, attrs: Mapping[str, Any], m: dict[str, Any], up: Info | None, root: bool = False
) -> dict[str, Any]:
    """``m`` (the span mapped, ``map_span``) with the kind, agent, failure, model and tokens the rule gives it; ``up``:
    the span above (:func:`info`), None when the guard knows none (a root, a parent quarantined or in another
    process: the store, reading the call alone, knows none either); ``root``: the span has no parent (an Agent run
    alone is the agent "agent", as the rule names it)."""
    component_type = _text(attrs.get("haystack.component.type"))
    component = _text(attrs.get("haystack.component.name"))
    offered = None
    if name == "haystack.agent.run" and root:
        offered = "agent"
    elif name == "haystack.agent.run" and up is not None:
        if up[0] == "haystack.agent.step.tool":
            offered = _named(up[1])
        elif up[0] == "haystack.component.run" and up[2] != "Agent":
            offered = _named(up[3])
    if name in _LLM:
        kind = "llm"
    elif name == "haystack.agent.step.tool":
        kind = "tool"
    elif name == "haystack.agent.hook.human_in_the_loop.strategy":
        kind = "human"
    elif name == "haystack.component.run" and component_type == "Agent" and _named(component) is not None:
        kind = "agent"
    elif name == "haystack.agent.run" and offered is not None:
        kind = "agent"
    elif (
        name == "haystack.component.run"
        and component_type is not None
        and component_type.endswith("Generator")
    ):
        kind = "llm"
    elif (
        name == "haystack.component.run"
        and component_type is not None
        and component_type.endswith("Retriever")
    ):
        kind = "retriever"
    else:
        kind = "chain"
    out = dict(
        m, kind=kind, agent=(offered if offered is not None else component) if kind == "agent" else None
    )
    output = _json(m["output"])
    if kind == "tool" and isinstance(output, dict) and list(output) == ["error"]:
        failure = output["error"] if output["error"].__class__ is str else None
        if failure:
            out["failed"] = True
            out["error"] = m["error"] if m["error"] is not None else failure
    if kind == "llm" and output is not None:
        replies = output.get("replies") if isinstance(output, dict) else None
        meta = (
            replies[0].get("meta")
            if isinstance(replies, list) and replies and isinstance(replies[0], dict)
            else None
        )
        meta = meta if isinstance(meta, dict) else {}
        usage = meta.get("usage") if isinstance(meta.get("usage"), dict) else {}
        if out["model"] is None and meta.get("model") is not None:
            out["model"] = _extracted(meta["model"])
        for field, keys in (
            ("tokens_in", ("prompt_tokens", "input_tokens")),
            ("tokens_out", ("completion_tokens", "output_tokens")),
        ):
            if out[field] is None:
                out[field] = next((w for k in keys if (w := _whole(usage.get(k))) is not None), None)
    return out


def ended_typed(run: Any, span_id: int, span: Any, m: dict[str, Any], name: str) -> dict[str, Any]:
    """A span of Haystack's own tracing ending (``m`` its mapping): typed with the span above it as its start found it
    (none when its run, ``_Run``, no longer remembers it); one held to its end waits no more."""
    with run.lock:
        step = run.spans.get(span_id)
        up = step.hay[1] if step is not None and step.hay is not None else None
        if step is not None:
            step.live = None
    return typed(name, span.attributes or {}, m, up, span.parent is None)


def _json(text: Any) -> Any:
    """The output as JSON (None when it is none, as ``json_valid`` says): at any depth, as DuckDB's reader takes it
    (a tool's output nested past Python's recursion limit is untrusted text, not a reason to judge nothing)."""
    if text.__class__ is not str:
        return None
    try:
        return deep_loads(text)
    except ValueError:
        return None


def _extracted(v: Any) -> str | None:
    """``json_extract_string`` of a JSON value: text as itself, anything else as JSON text."""
    if v is None:
        return None
    try:
        return v if v.__class__ is str else json.dumps(v)
    except (
        RecursionError
    ):  # (a model "name" nested past the limit: no name, rather than no judgement of the span)
        return None


def _whole(v: Any) -> int | None:
    """``try_cast(json_extract_string(v) AS BIGINT)``: a whole number, a decimal rounded half away from zero (as
    DuckDB casts), text holding either (:func:`_cast_text`); anything else (a boolean, an object) None."""
    if v is None or v.__class__ is bool or isinstance(v, (dict, list)):
        return None
    if isinstance(v, str):
        return _cast_text(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        v = math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)
    return int(v) if _MIN <= v <= _MAX else None


_MIN, _MAX = -(2**63), 2**63 - 1
# DuckDB's cast of text to BIGINT (2.0's IntegerCastLoop and its hex / binary prefixes): ASCII digits only, an
# underscore only between two digits, C's spaces around a decimal (none after a hex or binary one), a sign only
# before a decimal, an exponent of 16 bits (ending in a bare point, as DuckDB's loop takes it: '1e3.'). Python's
# int() / strip() read '١٢٠٠' and a no-break space before digits as a count where the store reads NULL, and '0x10'
# as none where the store reads 16. (Left: DuckDB rounds away the 19th digit after the point of a value within one
# of 2**63, '0.9223372036854775808e19'; read exactly here, NULL.)
_SPACE = " \t\n\v\f\r"
_DIGITS = "[0-9](?:_?[0-9])*"
_DECIMAL = re.compile(
    rf"[{_SPACE}]*([+-]?)({_DIGITS})?(?:\.({_DIGITS})?)?(?:[eE]([+-]?{_DIGITS})\.?)?[{_SPACE}]*", re.ASCII
)
_PREFIXED = re.compile(
    rf"[{_SPACE}]*0(?:[xX]([0-9a-fA-F](?:_?[0-9a-fA-F])*)|[bB]([01](?:_?[01])*))", re.ASCII
)


def _cast_text(text: str) -> int | None:
    """``try_cast(text AS BIGINT)`` as DuckDB casts: exact, rounded half away from zero after the exponent; None
    where the cast gives NULL (the digits before the point past 64 bits, an exponent past 16, the result past 64)."""
    m = _PREFIXED.fullmatch(text)
    if m is not None:
        value = int(m[1], 16) if m[1] is not None else int(m[2], 2)
        return value if value <= _MAX else None
    m = _DECIMAL.fullmatch(text)
    if m is None or (m[2] is None and m[3] is None):
        return None  # (not a number: a point alone, an exponent with no digits before it)
    sign = -1 if m[1] == "-" else 1
    whole = int(m[2] or "0")
    if not (_MIN <= sign * whole <= _MAX):
        return None
    exp = int(m[4]) if m[4] is not None else 0
    if not -(2**15) <= exp < 2**15:
        return None
    frac = (m[3] or "").replace("_", "")
    digits = int(str(whole) + frac) if frac else whole
    scale = exp - len(frac)  # (the value is digits * 10**scale)
    if scale >= 0:
        if scale > 19 and digits:
            return None  # (past 64 bits without building a number of 32,767 digits)
        value = digits * 10**scale
    else:
        if -scale > len(str(digits)) + 1:
            value = 0  # (below one half)
        else:
            value, rest = divmod(digits, 10**-scale)
            value += 2 * rest >= 10**-scale  # (half away from zero: the sign comes after)
    value *= sign
    return value if _MIN <= value <= _MAX else None
