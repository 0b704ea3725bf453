"""The span guard's reading of span values (``GuardSpanProcessor``): a tool call and its arguments, a value past the
store's field limit checked by its digest, times, run ids, and the store's rule taking two LLM spans as one call."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry import trace as trace_api

from .ingest._ag2 import failed_without_status
from .ingest._convention_table import EXCEPTION_EVENTS, status_of
from .ingest._step_sink import stored_reason
from .policy._core import digest_of

_SMALL = 256  # characters of an attribute a start's mapping is kept for (see _mapped_start)


def _same_call(span: Any, m: dict[str, Any], ended: tuple) -> bool:
    """Whether an LLM span (``span``, its mapping at its end ``m``) and its only LLM child (``ended``: its span and
    mapping) are one model call by the store's rule (store/sql/same_call_llm.sql)."""
    c = ended[1]
    models = [
        x.rsplit("/", 1)[-1].lower() if x.__class__ is str else None for x in (m.get("model"), c.get("model"))
    ]
    if models[0] is None or models[0] != models[1]:
        return False
    if any(m.get(f) is None or m.get(f) != c.get(f) for f in ("tokens_in", "tokens_out")):
        return False
    p_event, c_event = ((s.attributes or {}).get(_EVENT_ID) for s in (span, ended[0]))
    return p_event is None or c_event is None or str(p_event) == str(c_event)


_EVENT_ID = "gcp.vertex.agent.event_id"


def _small(value: Any) -> bool:
    """Whether an attribute's value is small enough to keep in a reused start's key: text of up to
    ``_SMALL`` characters, a number, or an array of up to 8 of those (an array may hold a document too)."""
    if value.__class__ is tuple:
        return len(value) <= 8 and all(v.__class__ is not str or len(v) <= _SMALL for v in value)
    return value.__class__ is not str or len(value) <= _SMALL


def _written(value: Any) -> Any:
    """A span's text as the capture writes it (``capture._text``): a lone surrogate (a path read with
    surrogateescape, a text cut inside a pair) as U+FFFD, so that the guard judges the step the store keeps, not one
    it would quarantine as "not valid UTF-8"; an array's items each so (a list, as the mapping takes arrays)."""
    if value.__class__ is str:
        if value.isascii():  # (O(1) in CPython: the common case costs no pass over the text)
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, (tuple, list)):
        return [_written(v) for v in value]
    return value


def _stored_text(value: Any) -> str:
    """A name that is no string as the store writes it (``ingest/_fields.py``): JSON text of an array or
    object, ``str`` of a number or boolean; the SDK keeps attribute arrays as tuples."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False, default=str)
    return str(value)


def _digested(
    m: dict[str, Any], name: str, start: int | None, end: int | None, trace: str, span_id: int, reason: str
) -> tuple[dict[str, Any], str | None, str | None]:
    """A tool span the store quarantines for its arguments alone (past the field limit, not UTF-8), or any span for
    its output alone, is checked all the same, by a digest of the whole value, as the hand Guard checks such a step
    (a call looping with a huge argument or result escaped every limit): ``(m with the digest, why the store would
    still quarantine it or None, the first reason)``; any other span as it came, with its reason and None."""
    first, digested = reason, m
    for field_name in (
        "input",
        "output",
    ):  # (a call's arguments, then any step's output: the hand Guard's two)
        if (
            reason is not None
            and reason.startswith(f"field '{field_name}'")
            and isinstance(m[field_name], str)
            and (field_name == "output" or m["kind"] == "tool")
        ):
            m = dict(m, **{field_name: digest_of(m[field_name])})
            reason = stored_reason(m, name, start, end, trace, f"{span_id:016x}")
    return (m, reason, first) if m is not digested else (m, reason, None)


def _call(m: dict[str, Any], name: str) -> tuple[str, str | None, Any]:
    """Kind, tool and arguments as the backtest reads them (``policy/sql/backtest_steps.sql``)."""
    kind = m["kind"]
    if kind == "tool":
        return kind, m["tool"] if m["tool"] is not None else name, m["input"]
    return kind, m["tool"], None


def _end_status(span: Any, m: dict[str, Any]) -> str:
    """An ended span's status as the store reads it (``m``: its mapping at its end)."""
    status = status_of(span.status.status_code.value) or "unset"
    if (status == "unset" and failed_without_status(span.attributes or {})) or m["failed"]:
        return "error"  # (m["failed"]: a failure handed back as the call's result, as the store reads it)
    if status != "error" and any(e.name in EXCEPTION_EVENTS for e in span.events or ()):
        return "error"  # (an exception recorded with no error status: _span_outcome.recorded_failure)
    return status


def _seconds(ns: int | None) -> float | None:
    """Epoch seconds at the store's precision (microseconds), as the backtest reads the times."""
    return (ns // 1000) / 1e6 if ns is not None else None


def _run_key(run_id: str | int | None) -> str | None:
    if run_id is None:
        ctx = trace_api.get_current_span().get_span_context()
        return f"{ctx.trace_id:032x}" if ctx.is_valid else None
    if isinstance(run_id, int):
        return f"{run_id:032x}"
    return run_id.lower()
