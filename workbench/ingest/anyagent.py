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
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._base import Adapter, RecordError, Stage
from ._conventions import StepSink, as_text
from ._depth import depth_error
from ._documents import exact_loads, iter_json
from .openinference import BadSpan, flatten, stage_span

# Integer ids in the first span's context or parent: what tells this dump from the hex-id span formats.
_INT_TRACE_ID = re.compile(rb'"trace_id"\s*:\s*\d')
_ID_DIGITS = {"trace id": 32, "span id": 16, "parent id": 16}
# The instrumentation scope of any-agent's spans: its tracer's name (frameworks/any_agent.py).
_SCOPE = "any_agent"


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
    description = ("any-agent trace: {'spans': [{'context': {'trace_id': int, 'span_id': int}, 'parent', "
                   "'attributes', ...}], 'final_output'} (OpenTelemetry SDK spans dumped with integer ids)")

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:8192]
        return (start[:1] in (b"{", b"[") and b'"context"' in start and b'"span_id"' in start
                and _INT_TRACE_ID.search(start) is not None)

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for line, doc, raw, error in iter_json(path, stage, exact_loads):
                if error is not None:
                    stage.reject(line=line, reason=error, raw=raw)
                    continue
                spans = self._spans(doc)
                if spans is None:
                    stage.reject(line=line, reason="not an any-agent trace: needs an object with a 'spans' list",
                                 raw=raw if raw is not None else doc)
                    continue
                for i, span in enumerate(spans):
                    with stage.guard(line, span):
                        self._span(span, line, (line << 24) + i, stage, sink, runs)
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
            return [doc] if "context" in doc else None
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
                tid = otlp_hex(_context_id(span.get("context"), "trace_id"), "trace id") \
                    if isinstance(span, dict) else None
            except BadSpan:
                continue
            if isinstance(tid, str) and tid in runs and tid not in traces:
                traces[tid] = _resource(span)[1]
        for tid, rattrs in traces.items():
            try:
                stage.run(run_id=tid, line=line, system=rattrs.get("service.name") or None, outcome="success",
                          attributes={**rattrs, "output": as_text(doc["final_output"])})
            except RecordError as exc:  # an oversized answer: the spans still stand
                stage.reject(line=line, reason=f"trace {tid}: final_output: {exc}", run_id=tid)

    @staticmethod
    def _span(span: Any, line: int, order: int, stage: Stage, sink: StepSink, runs: set[str]) -> None:
        if not isinstance(span, dict):
            stage.reject(line=line, reason=f"span is a JSON {type(span).__name__}, not an object", raw=span)
            return
        deep = depth_error(span)
        if deep is not None:
            stage.reject(line=line, reason=f"bad span: {deep}", raw=None)
            return
        context, parent = span.get("context"), span.get("parent")
        try:
            trace_id = otlp_hex(_context_id(context, "trace_id"), "trace id")
            span_id = otlp_hex(_context_id(context, "span_id"), "span id")
            parent_id = otlp_hex(_context_id(parent, "span_id") if isinstance(parent, dict)
                                 else span.get("parent_id", parent), "parent id")
            # (a root's links only, as every span reader keeps them: see _links)
            links = _hex_links(span.get("links")) if parent_id is None and span.get("links") else None
        except BadSpan as exc:
            stage.reject(line=line, reason=f"bad span: {exc}", raw=span)
            return
        attrs = span.get("attributes")
        if attrs is not None and not isinstance(attrs, dict):
            stage.reject(line=line, reason=f"bad span: attributes is a JSON {type(attrs).__name__}, not an object",
                         raw=span, run_id=trace_id if isinstance(trace_id, str) else None,
                         step_id=span_id if isinstance(span_id, str) else None)
            return
        status = span.get("status")
        # As the OTLP reader does: the resource's service is the run's system and a step attribute, the
        # instrumentation scope a step attribute.
        service, rattrs = _resource(span)
        scope = span.get("instrumentation_scope") or span.get("instrumentation_info")
        scope = scope.get("name") if isinstance(scope, dict) else None
        # (in the OTLP reader's order: the attributes are compared as JSON text)
        extra = {"service.name": service} if service is not None else {}
        extra["otel.scope.name"] = scope if isinstance(scope, str) and scope else _SCOPE
        stage_span(
            stage, sink, runs, line=line, order=order, raw=span, trace_id=trace_id, span_id=span_id,
            parent_id=parent_id, name=span.get("name"),
            attrs=flatten(attrs) if attrs else {},
            start=span.get("start_time"), end=span.get("end_time"),
            status=status.get("status_code") if isinstance(status, dict) else status,
            message=(status.get("description") or None) if isinstance(status, dict) else None,
            events=span.get("events"), kind=None,
            extra=extra,
            run_facts={"system": service, "attributes": rattrs or None},
            links=links, span_kind=span.get("kind"))


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
        out.append({"context": {"trace_id": otlp_hex(ctx.get("trace_id"), "trace id"),
                                "span_id": otlp_hex(ctx.get("span_id"), "span id")},
                    "attributes": link.get("attributes")})
    return out


def _resource(span: dict) -> tuple[str | None, dict[str, Any]]:
    """``(service name, flat resource attributes)`` of a dumped span."""
    resource = span.get("resource")
    rattrs = resource.get("attributes") if isinstance(resource, dict) else None
    rattrs = flatten(rattrs) if isinstance(rattrs, dict) else {}
    service = rattrs.get("service.name")
    return (service if isinstance(service, str) and service else None), rattrs
