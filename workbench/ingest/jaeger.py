"""Jaeger's trace JSON: what its UI's "Download JSON" saves and its query API (``/api/traces``) answers.

Any OpenTelemetry-instrumented agent (OpenLLMetry, OpenInference, an SDK's own GenAI spans) sending to Jaeger
can be read back from it only so: ``{"data": [{"traceID", "spans": [...], "processes": {"p1": {"serviceName",
"tags"}}}]}`` (or one trace object, or a list of them). A span is ``{"traceID", "spanID", "operationName",
"references": [{"refType": "CHILD_OF", "traceID", "spanID"}], "startTime": <µs>, "duration": <µs>, "tags":
[{"key", "type", "value"}], "logs": [{"timestamp": <µs>, "fields": [{"key": "event", "value": name}, ...]}],
"processID"}``: the OTLP attributes are its tags, the OTLP status is ``otel.status_code`` /
``otel.status_description`` (or ``error: true``), the span kind ``span.kind``, the events its logs, the links its FOLLOWS_FROM references
(the OTel-to-Jaeger mapping's). Each span
is read as the other span readers read theirs (:func:`.openinference.stage_span`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from ._base import Adapter, Stage
from ._documents import iter_placed_items, nested_item_lines
from ._otlp_shapes import json_type
from ._step_sink import StepSink
from .anyagent import json_start
from .openinference import stage_span

# A Jaeger span's own keys, near the top of the file
_SPAN = re.compile(rb'"spanID"\s*:\s*"[0-9a-fA-F]+"')
_JAEGER = re.compile(rb'"(?:operationName|references|processID)"\s*:')
# The tags a span's OTLP facts are kept in (the rest are its attributes)
_DIGITS = re.compile(r"[0-9]+(\.[0-9]+)?")
# The longest duration a step holds: its end, in nanoseconds, is an int64.
_LONGEST_MS = (2**63 - 1) / 1e6
_STATUS, _MESSAGE, _KIND = "otel.status_code", "otel.status_description", "span.kind"


def _tags(value: Any) -> dict[str, Any]:
    """A Jaeger tag list (``[{"key", "type", "value"}]``) as a map."""
    if not isinstance(value, list):
        return {}
    return {t["key"]: t.get("value") for t in value if isinstance(t, dict) and isinstance(t.get("key"), str)}


def _references(span: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """The span's parent and its links, as Jaeger's own model reads its ``references``.

    The parent is the first CHILD_OF reference (``parentSpanID`` in older exports), else the first FOLLOWS_FROM
    to the span's own trace (Jaeger's ``Span.ParentSpanID``: OpenTracing's async child); None for a root. The
    other FOLLOWS_FROM references are the span's links: the OTel-to-Jaeger mapping writes an OTLP span's parent
    as CHILD_OF and each of its links as FOLLOWS_FROM, so a trace continuing another (:mod:`._links`) is read
    as the same spans are from OTLP.
    """
    refs = span.get("references")
    refs = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    kinds = [str(r.get("refType", "")).upper() for r in refs]
    follows = [r for r, k in zip(refs, kinds, strict=True) if k == "FOLLOWS_FROM"]
    parent = next((r.get("spanID") for r, k in zip(refs, kinds, strict=True) if k == "CHILD_OF"), None)
    if parent is None:
        parent = span.get("parentSpanID") or None
    if parent is None:
        own = next((r for r in follows if r.get("traceID") == span.get("traceID")), None)
        if own is not None:
            parent = own.get("spanID")
            follows = [r for r in follows if r is not own]
    return parent, [{"trace_id": r.get("traceID"), "span_id": r.get("spanID")} for r in follows]


def _duration_ms(duration: Any) -> float | None:
    """A span's ``duration`` (µs) in milliseconds; None when it is not a number."""
    if isinstance(duration, str) and _DIGITS.fullmatch(duration.strip()):
        duration = float(duration)
    if isinstance(duration, (int, float)) and not isinstance(duration, bool) and math.isfinite(duration):
        return duration / 1000
    return None


def _events(logs: Any) -> list[dict[str, Any]] | None:
    """A span's logs as OTLP events: the field ``event`` names one, the others are its attributes."""
    if not isinstance(logs, list):
        return None
    out = []
    for log in logs:
        fields = _tags(log.get("fields")) if isinstance(log, dict) else {}
        out.append({"name": fields.pop("event", None), "attributes": fields})
    return out or None


def _traces(doc: Any) -> list[tuple[list[Any], dict[str, Any]]] | str:
    """``(spans, processes)`` of each trace a document holds; a reason when it holds none."""
    traces = doc.get("data") if isinstance(doc, dict) and "data" in doc else doc
    traces = traces if isinstance(traces, list) else [traces]
    out = []
    for trace in traces:
        if not isinstance(trace, dict) or not isinstance(trace.get("spans"), list):
            what = (
                f"a JSON {json_type(trace)}"
                if not isinstance(trace, dict)
                else f"an object with keys {', '.join(repr(k)[:40] for k in list(trace)[:6])}"
            )
            return f"not a Jaeger trace: {what}, where a trace is an object with a 'spans' list"
        processes = trace.get("processes") if isinstance(trace.get("processes"), dict) else {}
        out.append((trace["spans"], processes))
    return out


class JaegerJson(Adapter):
    """Jaeger's trace JSON (UI download or ``/api/traces``): ``{"data": [{"traceID", "spans", "processes"}]}``."""

    name = "jaeger"
    description = (
        "Jaeger trace JSON (UI 'Download JSON' or /api/traces): {'data': [{'traceID', 'spans': "
        "[{'spanID', 'operationName', 'references', 'startTime' (µs), 'duration', 'tags'}], 'processes'}]}"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = json_start(head)
        return start is not None and _SPAN.search(start) is not None and _JAEGER.search(start) is not None

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for n, i, doc, raw, error, place in iter_placed_items(path, stage):
                if error is not None:
                    stage.reject(line=n, reason=error, raw=raw)
                    continue
                traces = _traces(doc)
                if isinstance(traces, str):
                    stage.reject(line=n, reason=traces, raw=raw if raw is not None else doc)
                    continue
                # each span at its own line when the document was written over many lines: a trace's spans
                # when the item is a trace, else (under "data") at the line its trace starts on
                if isinstance(doc, dict) and "data" in doc:
                    starts = nested_item_lines(place, n, ("data",), len(traces)) or [n] * len(traces)
                    lines = [[at] * len(spans) for at, (spans, _) in zip(starts, traces, strict=True)]
                else:
                    lines = [
                        nested_item_lines(place, n, ("spans",), len(spans)) or [n] * len(spans)
                        for spans, _ in traces
                    ]
                order = (n << 24) + (i or 0) * 65536
                for (spans, processes), at in zip(traces, lines, strict=True):
                    for span, line in zip(spans, at, strict=True):
                        with stage.guard(line, span):
                            self._span(span, processes, line, order, stage, sink, runs)
                        order += 1
        finally:
            sink.flush()

    @staticmethod
    def _span(
        span: Any,
        processes: dict[str, Any],
        line: int,
        order: int,
        stage: Stage,
        sink: StepSink,
        runs: set[str],
    ) -> None:
        if not isinstance(span, dict):
            stage.reject(line=line, reason=f"span is a JSON {json_type(span)}, not an object", raw=span)
            return
        attrs = _tags(span.get("tags"))
        process = processes.get(span.get("processID")) if isinstance(span.get("processID"), str) else None
        service = process.get("serviceName") if isinstance(process, dict) else None
        if isinstance(process, dict):
            resource = _tags(process.get("tags"))
            if isinstance(process.get("serviceName"), str):
                resource.setdefault("service.name", process["serviceName"])
            for k, v in resource.items():
                attrs.setdefault(k, v)
        status = attrs.pop(_STATUS, None)
        if status is None and attrs.get("error") is True:
            status = "ERROR"
        message = attrs.pop(_MESSAGE, None)
        start, duration = span.get("startTime"), span.get("duration")
        if duration is not None and _duration_ms(duration) is None:
            # (Jaeger's model writes a uint64 of µs, a JSON number: '1e5', true or '-5' is no duration to guess,
            # and the span kept without its end would hide that its time was lost)
            shown = repr(duration) if type(duration) in (str, int, float) else f"a JSON {json_type(duration)}"
            stage.reject(
                line=line,
                reason=f"bad span: duration {shown[:80]} is not a number of microseconds",
                raw=span,
                run_id=span.get("traceID"),
                step_id=span.get("spanID"),
            )
            return
        if duration is not None and abs(_duration_ms(duration)) > _LONGEST_MS:
            # (10**30 or 1e300 µs, or -10**30, overflowed the step columns' int64 nanoseconds: the whole file failed,
            # no line said)
            stage.reject(
                line=line,
                reason=f"bad span: duration {str(duration)[:80]} µs is longer than any step the "
                "store can hold (292 years of nanoseconds, either way)",
                raw=span,
                run_id=span.get("traceID"),
                step_id=span.get("spanID"),
            )
            return
        parent, links = _references(span)
        # (a start written otherwise, digit text or with a fraction, is read by size: its duration, always µs
        # in Jaeger's model, is added to it after)
        whole = type(start) is int and type(duration) is int
        end = start + duration if whole else None
        stage_span(
            stage,
            sink,
            runs,
            line=line,
            order=order,
            raw=span,
            trace_id=span.get("traceID"),
            span_id=span.get("spanID"),
            parent_id=parent,
            name=span.get("operationName"),
            attrs=attrs,
            # (microseconds, told by size; 0 is no time)
            start=start,
            end=end,
            status=status,
            message=message or None,
            events=_events(span.get("logs")),
            duration_ms=None if whole else _duration_ms(duration),
            kind=None,
            span_kind=attrs.get(_KIND),
            links=links or None,
            run_facts={"system": service} if isinstance(service, str) and service else None,
        )
