"""What wild43's span-dump tests share: a tracer of the real OpenTelemetry SDK that keeps its spans, and a store
of those spans read from their OTLP export (what each other shape must read the same as)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _otel_fixtures import collector_style, otlp_request
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import workbench as wb


def recording_tracer(
    resource: dict[str, Any], scope: str, version: str
) -> tuple[TracerProvider, Any, InMemorySpanExporter]:
    """``(provider, tracer, exporter)``: shut the provider down, then read the exporter's finished spans."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer(scope, version), exporter


def otlp_store(tmp_path: Path, spans: list[ReadableSpan]) -> wb.Workspace:
    """A store of ``spans`` as the Collector's file exporter writes them."""
    otlp = tmp_path / "run.otlp.json"
    otlp.write_text(json.dumps(collector_style(otlp_request(spans))))
    ws = wb.open()
    ws.ingest(otlp, progress=False)
    return ws
