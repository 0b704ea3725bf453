"""Play a Collector's OTLP JSON file back through the real OpenTelemetry SDK, as the system that wrote it
did: each span started (with the file's trace and span ids, times, parent) and ended in time order, on a
``TracerProvider`` with the processors under test. ``at_start`` says which attributes the span carries when
it starts: ``"all"`` (GenAI instrumentations that know the call before it runs), ``"none"`` (OpenInference
openai-agents sets them all when the span ends) or a set of keys."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from workbench.ingest._otlp_read import attributes, hex_id


class _Preset(IdGenerator):
    """Hands the SDK the ids the file gives (set before each span starts)."""

    def __init__(self) -> None:
        self.trace_id = 0
        self.span_id = 0

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id


def _sdk_value(v: Any) -> Any:
    if isinstance(v, (dict, list)) and not (
        isinstance(v, list) and all(isinstance(x, (str, int, float, bool)) for x in v)
    ):
        return json.dumps(v)  # (the SDK holds no maps: rare in GenAI traces)
    return v


def _hex_ids(sp: dict[str, Any]) -> dict[str, Any]:
    """The span with its ids as hex, as the store reads them (protobuf's JSON mapping writes base64)."""
    sp = dict(sp)
    sp["traceId"], sp["spanId"] = hex_id(sp["traceId"], 16, "traceId"), hex_id(sp["spanId"], 8, "spanId")
    if sp.get("parentSpanId"):
        sp["parentSpanId"] = hex_id(sp["parentSpanId"], 8, "parentSpanId")
    sp["links"] = [
        {
            **lk,
            "traceId": hex_id(lk["traceId"], 16, "link traceId"),
            "spanId": hex_id(lk["spanId"], 8, "link spanId"),
        }
        for lk in sp.get("links") or ()
    ]
    return sp


def spans_of(path: Path) -> list[tuple[dict[str, Any], str | None, dict[str, Any]]]:
    """(resource attributes, scope name, span) for every span of the file."""
    out = []
    raw = Path(path).read_bytes()
    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode(
        "utf-8"
    )  # (a gzipped capture too)
    for line in text.splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        for rs in doc.get("resourceSpans", []):
            res = attributes((rs.get("resource") or {}).get("attributes"))
            for ss in rs.get("scopeSpans", []):
                scope = (ss.get("scope") or {}).get("name")
                for sp in ss.get("spans", []):
                    out.append((res, scope, _hex_ids(sp)))
    return out


def replay(path: Path, processors: Iterable[SpanProcessor], at_start: Any = "all") -> int:
    """Start and end every span of ``path`` through the SDK in time order; returns the spans played."""
    items = spans_of(path)
    ids = _Preset()
    providers: dict[str, TracerProvider] = {}
    procs = list(processors)

    def tracer(res: dict[str, Any], scope: str | None) -> Any:
        key = json.dumps(res, sort_keys=True, default=str)
        tp = providers.get(key)
        if tp is None:
            tp = providers[key] = TracerProvider(
                resource=Resource({k: _sdk_value(v) for k, v in res.items()}), id_generator=ids
            )
            for p in procs:
                tp.add_span_processor(p)
        return tp.get_tracer(scope or "replay")

    by_id = {}
    for n, (_, _, sp) in enumerate(items):
        by_id[(sp["traceId"], sp["spanId"])] = n
    depth: dict[int, int] = {}

    def depth_of(n: int, seen: int = 0) -> int:
        if n in depth:
            return depth[n]
        sp = items[n][2]
        p = by_id.get((sp["traceId"], sp.get("parentSpanId") or ""))
        depth[n] = 0 if p is None or seen > 512 else depth_of(p, seen + 1) + 1
        return depth[n]

    events = []
    for n, (_, _, sp) in enumerate(items):
        t0, t1 = int(sp["startTimeUnixNano"]), int(sp["endTimeUnixNano"])
        d = depth_of(n)
        events.append((t0, 1, d, n, "start"))
        events.append((t1, 2 if t1 == t0 else 0, -d, n, "end"))
    events.sort()
    live: dict[int, Any] = {}
    for _, _, _, n, what in events:
        res, scope, sp = items[n]
        attrs = {k: _sdk_value(v) for k, v in attributes(sp.get("attributes")).items() if v is not None}
        if what == "start":
            tid, sid = int(sp["traceId"], 16), int(sp["spanId"], 16)
            ids.trace_id, ids.span_id = tid, sid
            pid = sp.get("parentSpanId") or ""
            if pid and int(pid, 16):
                p = by_id.get((sp["traceId"], pid))
                parent = live.get(p) if p is not None else None
                if parent is None:
                    parent = NonRecordingSpan(
                        SpanContext(
                            tid, int(pid, 16), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
                        )
                    )
                ctx = trace_api.set_span_in_context(parent)
            else:
                ctx = trace_api.set_span_in_context(trace_api.INVALID_SPAN)
            first = (
                attrs
                if at_start == "all"
                else {}
                if at_start == "none"
                else {k: v for k, v in attrs.items() if k in at_start}
            )
            kind = sp.get("kind", 1)
            kind = (
                int(kind)
                if str(kind).isdigit()
                else {
                    "SPAN_KIND_INTERNAL": 1,
                    "SPAN_KIND_SERVER": 2,
                    "SPAN_KIND_CLIENT": 3,
                    "SPAN_KIND_PRODUCER": 4,
                    "SPAN_KIND_CONSUMER": 5,
                }.get(kind, 1)
            )
            links = [
                Link(
                    SpanContext(
                        int(lk["traceId"], 16),
                        int(lk["spanId"], 16),
                        is_remote=True,
                        trace_flags=TraceFlags(TraceFlags.SAMPLED),
                    ),
                    {k: _sdk_value(v) for k, v in attributes(lk.get("attributes")).items() if v is not None},
                )
                for lk in sp.get("links") or ()
            ]
            span = tracer(res, scope).start_span(
                sp["name"],
                context=ctx,
                kind=SpanKind(max(kind, 1) - 1),
                attributes=first,
                links=links,
                start_time=int(sp["startTimeUnixNano"]),
            )
            live[n] = span
            continue
        span = live.pop(n)
        span.set_attributes(attrs)
        for ev in sp.get("events") or ():
            span.add_event(
                ev.get("name", ""),
                {k: _sdk_value(v) for k, v in attributes(ev.get("attributes")).items() if v is not None},
                timestamp=int(ev.get("timeUnixNano") or 0) or None,
            )
        status = sp.get("status") or {}
        code = str(status.get("code", 0))
        if code in ("2", "STATUS_CODE_ERROR"):
            span.set_status(Status(StatusCode.ERROR, status.get("message")))
        elif code in ("1", "STATUS_CODE_OK"):
            span.set_status(Status(StatusCode.OK))
        span.end(end_time=int(sp["endTimeUnixNano"]))
    return len(items)
