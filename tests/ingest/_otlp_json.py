"""OTLP/JSON spans as an SDK's OTLP/HTTP JSON exporter writes them (protobuf's JSON mapping: hex ids, times in
nanoseconds as strings, string attributes as ``{"key", "value": {"stringValue"}}``), for tests that write the
shape a framework's tracer gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _reader_agreement import readers

import workbench as wb


def string_attrs(values: dict[str, str]) -> list[dict[str, Any]]:
    """Span or log-record attributes of string values."""
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]


def otlp_span(
    trace: str,
    n: int,
    parent: int | None,
    name: str,
    attrs: dict[str, str],
    t0: int,
    status: dict | None = None,
    events: list | None = None,
    kind: str = "SPAN_KIND_INTERNAL",
) -> dict[str, Any]:
    """Span ``n`` (its id ``n`` in hex) of ``trace`` under span ``parent``, starting ``n`` ms after ``t0`` (ns),
    0.5 ms long."""
    span = {
        "traceId": trace,
        "spanId": f"{n:016x}",
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(t0 + n * 1_000_000),
        "endTimeUnixNano": str(t0 + n * 1_000_000 + 500_000),
        "attributes": string_attrs(attrs),
        "status": status or {},
    }
    if events is not None:
        span["events"] = events
    if parent is not None:
        span["parentSpanId"] = f"{parent:016x}"
    return span


def enclosing(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``spans`` (of :func:`otlp_span`, one trace) with each parent ending after its children, as a tracer's spans
    do (an error's chain then ends deepest first), the parents' end times moved; the list itself."""
    by_id = {s["spanId"]: s for s in spans}
    for s in sorted(spans, key=lambda s: -int(s["spanId"], 16)):
        parent = by_id.get(s.get("parentSpanId"))
        if parent is not None and int(parent["endTimeUnixNano"]) <= int(s["endTimeUnixNano"]):
            parent["endTimeUnixNano"] = str(int(s["endTimeUnixNano"]) + 100_000)
    return spans


def by_each_reader(path: Path, counted: tuple[int, int, int]) -> dict[bool, wb.Workspace]:
    """The store each OTLP reader (True: the SQL one, False: Python's) makes of ``path``, each read, stored and
    quarantined as ``counted`` says."""
    out = {}
    for fast in (True, False):
        with readers(fast):
            ws = wb.open()
            rep = ws.ingest(path, progress=False)
        assert (rep.read, rep.stored, rep.quarantined) == counted
        out[fast] = ws
    return out
