"""CloudWatch's ``aws/spans`` log group: OpenTelemetry spans as AWS keeps them, one JSON object a log event.

With CloudWatch Transaction Search on, every span sent to AWS X-Ray's OTLP endpoint (the ADOT SDK, and so every
agent on Bedrock AgentCore Runtime: Strands, LangGraph, CrewAI …) is kept as a log event of ``aws/spans``. Each
is one span with its resource and scope beside it, the OTLP fields under their OTLP names but the attribute lists
made maps: ``{"resource": {"attributes": {...}}, "scope": {"name", "version"}, "traceId", "spanId",
"parentSpanId", "flags", "name", "kind": "INTERNAL", "startTimeUnixNano", "endTimeUnixNano", "durationNano",
"attributes": {...}, "events": [{"timeUnixNano", "name", "attributes"}], "links", "status": {"code": "UNSET"}}``.
That is what a user gets out of CloudWatch: the events' messages one a line (``aws logs tail``, a Logs Insights
``fields @message`` export), a JSON list of them, or the ``aws logs filter-log-events`` / ``get-log-events``
answer, ``{"events": [{"timestamp", "message": "<the span's JSON text>"}]}`` (Logs Insights' JSON export names
the text ``@message``). Read as the OTLP reader reads the same spans, so a trace kept both ways is one run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from ._base import Adapter, Stage
from ._documents import each_document, exact_loads, iter_items
from ._step_sink import StepSink
from .anyagent import json_start, stage_dumped_span

# A span's trace id and a map of attributes (OTLP JSON has a list there), or the same as a log event's text.
_TRACE_ID = re.compile(rb'"traceId"\s*:\s*"[0-9a-fA-F]{32}"')
_ATTRIBUTE_MAP = re.compile(rb'"attributes"\s*:\s*\{')
_MESSAGE = re.compile(rb'"@?message"\s*:\s*"\{.{0,2000}?\\"traceId\\"\s*:\s*\\"[0-9a-fA-F]{32}\\"', re.S)
_TEXT_KEYS = ("message", "@message")


def _ns(value: Any) -> Any:
    """An OTLP time (nanoseconds as a number or as digits) as an int; anything else as it is."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


def _span(event: Any) -> Any:
    """The span a log event holds: the event itself, or the JSON text of its ``message`` (as it is if neither)."""
    if not isinstance(event, dict) or "traceId" in event:
        return event
    text = next((event[k] for k in _TEXT_KEYS if isinstance(event.get(k), str)), None)
    if text is None:
        return event
    try:
        return exact_loads(text.encode())
    except orjson.JSONDecodeError:
        return event


def _events(doc: Any) -> list[Any]:
    """The log events of one JSON value: a span, a list of them, or a ``{"events": [...]}`` answer."""
    if isinstance(doc, dict) and isinstance(doc.get("events"), list) and "traceId" not in doc:
        return doc["events"]
    return doc if isinstance(doc, list) else [doc]


def _dumped(span: dict[str, Any]) -> dict[str, Any]:
    """An ``aws/spans`` span in the Python SDK dump's shape that :func:`stage_dumped_span` reads."""
    start, end = _ns(span.get("startTimeUnixNano")), _ns(span.get("endTimeUnixNano"))
    duration = _ns(span.get("durationNano"))
    if end is None and type(start) is int and type(duration) is int:
        end = start + duration
    status = span.get("status")
    events = span.get("events")
    if isinstance(events, list):  # (an event's time is the span reader's to ignore, as it is in OTLP)
        events = [
            {k: v for k, v in e.items() if k != "timeUnixNano"} if isinstance(e, dict) else e for e in events
        ]
    links = span.get("links")
    if isinstance(links, list):
        links = [
            {
                "context": {"trace_id": link.get("traceId"), "span_id": link.get("spanId")},
                "attributes": link.get("attributes"),
            }
            if isinstance(link, dict)
            else link
            for link in links
        ]
    return {
        "name": span.get("name"),
        "context": {"trace_id": span.get("traceId"), "span_id": span.get("spanId")},
        "parent_id": span.get("parentSpanId") or None,
        "kind": span.get("kind"),
        "start_time": start,
        "end_time": end,
        "status": {"status_code": status.get("code"), "description": status.get("message")}
        if isinstance(status, dict)
        else status,
        "attributes": span.get("attributes"),
        "events": events,
        "links": links,
        "resource": span.get("resource"),
        "instrumentation_scope": span.get("scope"),
    }


class AwsSpans(Adapter):
    """CloudWatch ``aws/spans`` log events: one OpenTelemetry span each, attributes as maps."""

    name = "aws-spans"
    description = (
        "CloudWatch aws/spans log events: one span a line ({'traceId', 'spanId', 'parentSpanId', 'name', "
        "'attributes': {...}, 'resource': {'attributes': {...}}, 'scope', 'startTimeUnixNano', "
        "'status'}), a list of them, or a filter-log-events answer ({'events': [{'message': "
        "'<span JSON>'}]})"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = json_start(head)
        if start is None or b'"resourceSpans"' in start:
            return False
        return (
            _TRACE_ID.search(start) is not None
            and b'"spanId"' in start
            and _ATTRIBUTE_MAP.search(start) is not None
        ) or _MESSAGE.search(start) is not None

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            # (a list's items one by one, each at the line it starts on)
            for line, index, doc, raw in each_document(iter_items(path, stage, exact_loads), stage):
                for i, event in enumerate(_events(doc)):
                    span = _span(event)
                    if not isinstance(span, dict) or "traceId" not in span:
                        stage.reject(
                            line=line,
                            reason="not an aws/spans span: needs an object with traceId, "
                            "spanId and attributes, or a log event whose message is one",
                            raw=raw if raw is not None else event,
                        )
                        continue
                    with stage.guard(line, span):
                        stage_dumped_span(
                            _dumped(span),
                            line,
                            (line << 24) + ((index or 0) << 12) + i,
                            stage,
                            sink,
                            runs,
                            None,
                        )
        finally:
            sink.flush()
