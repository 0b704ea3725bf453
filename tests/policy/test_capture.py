"""Live capture with the real OpenTelemetry SDK: spans through the exporter and through the
Collector's OTLP JSON file give identical rows."""

from __future__ import annotations

import base64
import copy
import json
import math
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

import workbench as wb
from workbench.capture import WorkspaceSpanExporter

LOGPROBS = json.dumps(
    [
        {
            "token": "a",
            "logprob": math.log(0.5),
            "top_logprobs": [
                {"token": "a", "logprob": math.log(0.5)},
                {"token": "b", "logprob": math.log(0.5)},
            ],
        }
    ]
)


def record(tracer) -> None:
    """A failing multi-agent run in GenAI conventions, and a second, OpenInference-style run."""
    with tracer.start_as_current_span(
        "invoke_agent orchestrator",
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "orchestrator",
            "tags": ["a", "b"],
            "retries.allowed": 3,
            "ratio": 0.25,
            "debug": True,
        },
    ) as root:
        with tracer.start_as_current_span(
            "invoke_agent pricer",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
        ):
            with tracer.start_as_current_span(
                "chat gpt-4o",
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.input_tokens": 120,
                    "gen_ai.usage.output_tokens": 40,
                    "workbench.logprobs": LOGPROBS,
                },
            ) as chat:
                chat.add_event("gen_ai.choice", {"index": 0})
                chat.set_status(Status(StatusCode.OK))
            with tracer.start_as_current_span(
                "execute_tool get_price",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "get_price",
                    "gen_ai.tool.call.arguments": '{"sku": "W-1"}',
                },
            ) as tool:
                tool.record_exception(TimeoutError("price service timed out"))
                tool.set_status(Status(StatusCode.ERROR, "timeout"))
        root.set_status(Status(StatusCode.ERROR, "run failed"))
    with tracer.start_as_current_span(
        "CodeAgent.run",
        attributes={"openinference.span.kind": "AGENT", "input.value": "task", "workbench.confidence": 0.8},
    ):
        with tracer.start_as_current_span(
            "get_weather",
            attributes={
                "openinference.span.kind": "TOOL",
                "tool.name": "get_weather",
                "input.value": '{"city": "Paris"}',
                "output.value": "rainy",
            },
        ):
            pass


def collector_file(spans, path: Path) -> Path:
    """What the Collector's file exporter writes: protobuf JSON with hex ids and integer enums."""
    doc = MessageToDict(encode_spans(spans))
    kinds = {
        "SPAN_KIND_UNSPECIFIED": 0,
        "SPAN_KIND_INTERNAL": 1,
        "SPAN_KIND_SERVER": 2,
        "SPAN_KIND_CLIENT": 3,
        "SPAN_KIND_PRODUCER": 4,
        "SPAN_KIND_CONSUMER": 5,
    }
    codes = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
    doc = copy.deepcopy(doc)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    sp[key] = base64.b64decode(sp[key]).hex() if sp.get(key) else ""
                sp["kind"] = kinds[sp["kind"]]
                if "code" in sp.get("status", {}):
                    sp["status"]["code"] = codes[sp["status"]["code"]]
    path.write_text(json.dumps(doc) + "\n")
    return path


def rows(ws, table: str, drop: tuple[str, ...] = ()) -> list[tuple]:
    exclude = f" EXCLUDE ({', '.join(drop)})" if drop else ""
    return sorted(ws.sql(f"SELECT *{exclude} FROM {table}").fetchall(), key=repr)


@pytest.mark.parametrize("processor", ["batch", "simple"])
def test_capture_gives_the_rows_of_the_collector_file(tmp_path: Path, processor: str) -> None:
    live = wb.open()
    exporter = WorkspaceSpanExporter(live, spool_dir=tmp_path / "spool", keep=True)
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "procurement"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(
        BatchSpanProcessor(exporter) if processor == "batch" else SimpleSpanProcessor(exporter)
    )
    record(provider.get_tracer("workbench.tests", "1.0"))
    provider.force_flush()
    provider.shutdown()
    spans = list(memory.get_finished_spans())
    assert exporter.exported == len(spans) == 6

    collected = wb.open()
    collected.ingest(collector_file(spans, tmp_path / "collector.jsonl"), format="otlp", progress=False)
    # file names the spool file or the Collector's file; with one span per export (simple processor)
    # the line and in-file order of each span differ too.
    provenance = ("file",) if processor == "batch" else ("file", "line", "order_hint")
    for table, drop in (("steps", provenance), ("runs", ()), ("edges", ()), ("quarantine", ())):
        assert rows(live, table, drop) == rows(collected, table, drop), table
    steps = live.sql("SELECT agent, kind, status, confidence FROM steps ORDER BY seq").fetchall()
    assert ("pricer", "tool", "error", None) in steps
    assert any(c is not None and abs(c - 0.5) < 1e-9 for *_, c in steps)  # from the logprobs attribute
    assert live.sql("SELECT count(*) FROM runs WHERE outcome = 'failure'").fetchall()[0][0] == 1
    assert len(list((tmp_path / "spool").glob("*.done.jsonl"))) >= 1  # the kept OTLP trail


def test_a_batch_that_cannot_be_stored_is_kept_and_retried(tmp_path: Path) -> None:
    live = wb.open()
    exporter = WorkspaceSpanExporter(
        live, spool_dir=tmp_path, background=False
    )  # (an export stores, or says it failed)
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    record(provider.get_tracer("t"))
    spans = list(memory.get_finished_spans())
    exporter._ws.close()  # the store goes away under the exporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    assert exporter.export(spans[:3]) is SpanExportResult.FAILURE
    assert len(list(tmp_path.glob("spans-*.jsonl"))) == 1
    exporter._ws = wb.Workspace(live.con.cursor(), None, False)  # it comes back
    assert exporter.export(spans[3:]) is SpanExportResult.SUCCESS
    assert exporter.exported == 6 and live.count("steps") == 6 and not list(tmp_path.glob("spans-*"))
    with pytest.raises(ValueError, match="read-only"):
        WorkspaceSpanExporter(wb.Workspace(live.con.cursor(), None, True))
