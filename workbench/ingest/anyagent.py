"""any-agent trace files: OpenTelemetry SDK spans dumped as they are held in memory (integer ids).

mozilla-ai/any-agent saves a run as ``AgentTrace`` JSON, ``{"spans": [...], "final_output": ...}``, each span
the pydantic dump of the SDK's ``ReadableSpan``: ``name``, ``kind`` (``"internal"``), ``context``
``{"trace_id", "span_id"}`` and ``parent`` (the parent's context, or null) with the ids as **integers**,
``start_time`` / ``end_time`` in epoch nanoseconds, ``status`` ``{"status_code": "ok" | "unset" | "error",
"description"}``, GenAI ``attributes``, ``events``, ``links`` (``[{"context": {"trace_id", "span_id"}, "attributes"}]``, integer ids
too: a root's links are read as :mod:`._links` says) and ``resource``. It is close to what the SDK's
console exporter prints (read by :class:`workbench.ingest.openinference.OpenInferenceJsonl`), which writes
the same ids in ``0x`` hex.

An integer id is written as OTLP writes its bytes (trace id 32 hex digits, span id 16), so a trace saved
by any-agent and the same trace exported over OTLP are one run with the same steps. Read: one document a
file, a JSON list of such documents or of bare spans, or JSONL of documents.

Every span of an ``AgentTrace`` is made by any-agent's tracer, named ``any_agent``: the dump leaves the
instrumentation scope out, so it is given back as the OTLP reader keeps it (``otel.scope.name``), else the
same trace exported over OTLP would differ from the dump in that attribute. ``final_output`` is the run's
answer: a run that returned one declares success (any-agent raises instead of returning a trace from a run
that failed) and keeps the answer as its ``output`` attribute, as a Langfuse trace's output is kept.

The OpenTelemetry **JS** SDK holds its spans in another shape, and a JS test or script that saves what an
``InMemorySpanExporter`` caught writes that (``JSON.stringify`` of each ``ReadableSpan``'s fields: the Vercel AI
SDK's spans are often kept so): ``spanContext`` ``{"traceId", "spanId"}`` (``_spanContext`` when the span object
itself is written), ``parentSpanId`` (SDK 1.x) or ``parentSpanContext`` (2.x), ``startTime`` / ``endTime`` as
``[seconds, nanoseconds]``, ``status`` ``{"code": 0 | 1 | 2, "message"}``, ``kind`` as the JS enum (0 internal …
3 producer, 4 consumer: not OTLP's numbers), flat ``attributes``, ``events`` with ``time``, ``links`` with
``context`` ``{"traceId", "spanId"}``, ``instrumentationScope`` (``instrumentationLibrary`` before SDK 1.10).
Its ids are already OTLP's hex; the rest is read as the Python dump is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._base import Adapter, RecordError, Stage
from ._depth import depth_error
from ._documents import exact_loads, iter_json
from ._otlp_shapes import json_type
from ._span_values import as_text
from ._step_sink import StepSink
from .openinference import BadSpan, flatten, stage_span

# Integer ids in the first span's context or parent: what tells this dump from the hex-id span formats.
_INT_TRACE_ID = re.compile(rb'"trace_id"\s*:\s*\d')
# The JS SDK's span context key and id fields: what tells its dump (see the module docstring).
_JS_CONTEXT = re.compile(rb'"_?spanContext"\s*:\s*\{\s*"(?:traceId|spanId)"')
# The JS SDK's SpanKind enum (api/src/trace/span_kind.ts), as names: OTLP numbers the kinds otherwise.
_JS_KINDS = ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
_ID_DIGITS = {"trace id": 32, "span id": 16, "parent id": 16}
# The instrumentation scope of any-agent's spans: its tracer's name (frameworks/any_agent.py).
_SCOPE = "any_agent"


def json_start(head: bytes) -> bytes | None:
    """The first 8 KB of a file's head past a BOM and blanks, when they open a JSON object or list; else None."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:8192]
    return start if start[:1] in (b"{", b"[") else None


def otlp_hex(value: Any, what: str) -> Any:
    """An integer id as OTLP's hex (32 digits for a trace id, 16 for a span id); other values unchanged.

    Raises :class:`BadSpan` for an integer no OTLP id can hold (zero, negative, or too wide): zero is the
    SDK's invalid id, and the others would become ids no other export of the trace could share.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    digits = _ID_DIGITS[what]
    if not 0 < value < 1 << (4 * digits):
        raise BadSpan(f"{what} {value} is not a {digits * 4}-bit OpenTelemetry id")
    return format(value, f"0{digits}x")


def _context_id(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


class AnyAgentTrace(Adapter):
    """any-agent ``AgentTrace`` JSON: ``{"spans": [...], "final_output"}``, SDK spans with integer ids."""

    name = "any-agent"
    description = (
        "any-agent trace: {'spans': [{'context': {'trace_id': int, 'span_id': int}, 'parent', "
        "'attributes', ...}], 'final_output'} (OpenTelemetry SDK spans dumped with integer ids), or "
        "OpenTelemetry JS SDK spans dumped as a list ([{'spanContext': {'traceId', 'spanId'}, "
        "'parentSpanId', 'startTime': [s, ns], 'attributes', ...}])"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = json_start(head)
        return start is not None and (
            (b'"context"' in start and b'"span_id"' in start and _INT_TRACE_ID.search(start) is not None)
            or _JS_CONTEXT.search(start) is not None
        )

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for line, doc, raw, error in iter_json(path, stage, exact_loads):
                if error is not None:
                    stage.reject(line=line, reason=error, raw=raw)
                    continue
                spans = self._spans(doc)
                if spans is None:
                    stage.reject(
                        line=line,
                        reason="not an any-agent trace or span dump: needs an object with a "
                        "'spans' list, a span, or a list of them",
                        raw=raw if raw is not None else doc,
                    )
                    continue
                for i, span in enumerate(spans):
                    with stage.guard(line, span):
                        if isinstance(span, dict) and _js_context(span) is not None:
                            # (a JS tracer's spans: any-agent's scope is not theirs to be given)
                            stage_dumped_span(_from_js(span), line, (line << 24) + i, stage, sink, runs, None)
                        else:
                            stage_dumped_span(span, line, (line << 24) + i, stage, sink, runs, _SCOPE)
                if isinstance(doc, dict) and doc.get("final_output") is not None:
                    self._answer(doc, spans, line, stage, runs)
        finally:
            sink.flush()

    @staticmethod
    def _spans(doc: Any) -> list[Any] | None:
        """The spans of one value: a trace document, a list of them, or a list of bare spans."""
        if isinstance(doc, dict):
            if isinstance(doc.get("spans"), list):
                return doc["spans"]
            return [doc] if "context" in doc or _js_context(doc) is not None else None
        if isinstance(doc, list):
            out: list[Any] = []
            for item in doc:
                inner = item.get("spans") if isinstance(item, dict) else None
                out.extend(inner if isinstance(inner, list) else [item])
            return out
        return None

    @staticmethod
    def _answer(doc: dict, spans: list[Any], line: int, stage: Stage, runs: set[str]) -> None:
        """Stage the declared outcome and answer of the runs a trace document's spans belong to."""
        traces: dict[str, dict[str, Any]] = {}
        for span in spans:
            try:
                tid = (
                    otlp_hex(_context_id(span.get("context"), "trace_id"), "trace id")
                    if isinstance(span, dict)
                    else None
                )
            except BadSpan:
                continue
            if isinstance(tid, str) and tid in runs and tid not in traces:
                traces[tid] = _resource(span)[1]
        for tid, rattrs in traces.items():
            try:
                stage.run(
                    run_id=tid,
                    line=line,
                    system=rattrs.get("service.name") or None,
                    outcome="success",
                    attributes={**rattrs, "output": as_text(doc["final_output"])},
                )
            except RecordError as exc:  # an oversized answer: the spans still stand
                stage.reject(line=line, reason=f"trace {tid}: final_output: {exc}", run_id=tid)


def stage_dumped_span(
    span: Any, line: int, order: int, stage: Stage, sink: StepSink, runs: set[str], default_scope: str | None
) -> None:
    """Stage one span in the Python SDK dump's shape (``context``, ``parent``, ``start_time`` …; see the module
    docstring), as the OTLP reader would read the same span; ``default_scope`` is the instrumentation scope of
    a span that names none (the dump of a tracer whose scope is known), None for none."""
    if not isinstance(span, dict):
        stage.reject(line=line, reason=f"span is a JSON {json_type(span)}, not an object", raw=span)
        return
    deep = depth_error(span)
    if deep is not None:
        stage.reject(line=line, reason=f"bad span: {deep}", raw=None)
        return
    context, parent = span.get("context"), span.get("parent")
    try:
        trace_id = otlp_hex(_context_id(context, "trace_id"), "trace id")
        span_id = otlp_hex(_context_id(context, "span_id"), "span id")
        parent_id = otlp_hex(
            _context_id(parent, "span_id") if isinstance(parent, dict) else span.get("parent_id", parent),
            "parent id",
        )
        # (a root's links only, as every span reader keeps them: see _links)
        links = _hex_links(span.get("links")) if parent_id is None and span.get("links") else None
    except BadSpan as exc:
        stage.reject(line=line, reason=f"bad span: {exc}", raw=span)
        return
    attrs = span.get("attributes")
    if attrs is not None and not isinstance(attrs, dict):
        stage.reject(
            line=line,
            reason=f"bad span: attributes is a JSON {json_type(attrs)}, not an object",
            raw=span,
            run_id=trace_id if isinstance(trace_id, str) else None,
            step_id=span_id if isinstance(span_id, str) else None,
        )
        return
    status = span.get("status")
    # As the OTLP reader does: the resource's service is the run's system and a step attribute, the
    # instrumentation scope a step attribute.
    service, rattrs = _resource(span)
    scope = span.get("instrumentation_scope") or span.get("instrumentation_info")
    scope = scope.get("name") if isinstance(scope, dict) else None
    if not (isinstance(scope, str) and scope):
        scope = default_scope
    # (in the OTLP reader's order: the attributes are compared as JSON text)
    extra = {"service.name": service} if service is not None else {}
    if scope is not None:
        extra["otel.scope.name"] = scope
    stage_span(
        stage,
        sink,
        runs,
        line=line,
        order=order,
        raw=span,
        trace_id=trace_id,
        span_id=span_id,
        parent_id=parent_id,
        name=span.get("name"),
        attrs=flatten(attrs) if attrs else {},
        start=span.get("start_time"),
        end=span.get("end_time"),
        status=status.get("status_code") if isinstance(status, dict) else status,
        message=(status.get("description") or None) if isinstance(status, dict) else None,
        events=span.get("events"),
        kind=None,
        extra=extra,
        run_facts={"system": service, "attributes": rattrs or None},
        links=links,
        span_kind=span.get("kind"),
    )


def _hex_links(value: Any) -> Any:
    """A span's links with their integer ids in OTLP's hex (``[{"context": {"trace_id", "span_id"},
    "attributes"}]``, as the span readers take them); anything but a list of objects is left for them to
    reject."""
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for link in value:
        if not isinstance(link, dict):
            out.append(link)
            continue
        ctx = link.get("context") if isinstance(link.get("context"), dict) else link
        out.append(
            {
                "context": {
                    "trace_id": otlp_hex(ctx.get("trace_id"), "trace id"),
                    "span_id": otlp_hex(ctx.get("span_id"), "span id"),
                },
                "attributes": link.get("attributes"),
            }
        )
    return out


def _resource(span: dict) -> tuple[str | None, dict[str, Any]]:
    """``(service name, flat resource attributes)`` of a dumped span."""
    resource = span.get("resource")
    rattrs = resource.get("attributes") if isinstance(resource, dict) else None
    rattrs = flatten(rattrs) if isinstance(rattrs, dict) else {}
    service = rattrs.get("service.name")
    return (service if isinstance(service, str) and service else None), rattrs


def _js_context(span: dict) -> Any:
    """The JS SDK's span context of a dumped span (``spanContext``, or ``_spanContext`` of the span object)."""
    ctx = span.get("spanContext", span.get("_spanContext"))
    return ctx if isinstance(ctx, dict) else None


def _hrtime(value: Any) -> Any:
    """A JS SDK ``HrTime`` (``[seconds, nanoseconds]``) as epoch nanoseconds; anything else as it is."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0] * 1_000_000_000 + value[1]
    return value


def _js_ids(ctx: Any) -> dict[str, Any]:
    """A JS span context's ids under the Python dump's keys (the span reader judges their values)."""
    return {"trace_id": ctx.get("traceId"), "span_id": ctx.get("spanId")} if isinstance(ctx, dict) else {}


def _from_js(span: dict) -> dict[str, Any]:
    """A JS SDK span dump in the Python SDK dump's shape (see the module docstring)."""
    parent = span.get("parentSpanId")
    if parent in (None, "") and isinstance(span.get("parentSpanContext"), dict):
        parent = span["parentSpanContext"].get("spanId")
    status = span.get("status")
    kind = span.get("kind")
    events = span.get("events")
    if isinstance(events, list):  # (an event's time is the span reader's to ignore, as it is in OTLP)
        events = [{k: v for k, v in e.items() if k != "time"} if isinstance(e, dict) else e for e in events]
    links = span.get("links")
    if isinstance(links, list):
        links = [
            {"context": _js_ids(link.get("context")), "attributes": link.get("attributes")}
            if isinstance(link, dict)
            else link
            for link in links
        ]
    resource = span.get("resource")
    if (
        isinstance(resource, dict)
        and "attributes" not in resource
        and isinstance(resource.get("_attributes"), dict)
    ):
        resource = {"attributes": resource["_attributes"]}  # (the Resource object itself written)
    return {
        "name": span.get("name"),
        "context": _js_ids(_js_context(span)),
        "parent_id": parent or None,
        "kind": _JS_KINDS[kind] if type(kind) is int and 0 <= kind < len(_JS_KINDS) else kind,
        "start_time": _hrtime(span.get("startTime")),
        "end_time": _hrtime(span.get("endTime")),
        "status": {"status_code": status.get("code"), "description": status.get("message")}
        if isinstance(status, dict)
        else status,
        "attributes": span.get("attributes"),
        "events": events,
        "links": links,
        "resource": resource,
        "instrumentation_scope": span.get("instrumentationScope", span.get("instrumentationLibrary")),
    }
