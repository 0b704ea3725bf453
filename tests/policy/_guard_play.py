"""What the live-guard tests share: a ``GuardSpanProcessor`` on an OpenTelemetry SDK provider beside an exporter
that keeps every span, and the same spans read back as the store reads them (a Collector's OTLP JSON file,
ingested, every run labelled failed: the backtest reads only runs of known outcome), so a test compares what
the processor decided live with what ``wb.backtest`` says of the spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import workbench as wb
from workbench.capture import otlp_json


def provider_with(*guards: SpanProcessor) -> tuple[TracerProvider, InMemorySpanExporter]:
    """A provider with ``guards`` first, then an exporter keeping every finished span (in the order they end).
    Several guards on one provider each hear every span as alone (a processor only reads spans)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    for guard in guards:
        provider.add_span_processor(guard)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return provider, memory


def store_of(memory: InMemorySpanExporter, tmp_path: Path) -> tuple[wb.Workspace, Any]:
    """The spans written to ``tmp_path/spans.otlp.jsonl`` and ingested into a new store, every run labelled a
    failure; the store and the ingest's report."""
    path = tmp_path / "spans.otlp.jsonl"
    path.write_text(json.dumps(otlp_json(memory.get_finished_spans())) + "\n", encoding="utf-8")
    ws = wb.open()
    ingested = ws.ingest(path, progress=False)
    # (in one write: each ws.label is an ingest call of its own; the labels table is the same)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "".join(json.dumps({"run_id": r, "outcome": "failure"}) + "\n" for r in ws.runs()["run_id"]),
        encoding="utf-8",
    )
    ws.label_file(labels)
    return ws, ingested


def not_allowed(report: Any) -> list[tuple[str, str, str, str]]:
    """(run, step, action, rule) of every step a backtest's ``steps`` table does not allow, in its order."""
    return [
        (r, s, a, rule)
        for r, s, _seq, _phase, a, rule in report.steps.itertuples(index=False, name=None)
        if a != "allow"
    ]
