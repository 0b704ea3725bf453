"""OpenTelemetry JS SDK spans dumped as JSON (``spanContext``, ``[s, ns]`` times): read as their OTLP export is.

The real file is the Vercel AI SDK 6's spans as Arize's OpenInference repository captured them
(``fixtures/wild43/vercel-ai-v6-spans.json``; README there). Before, no reader took the shape: the file was
"not in any known format".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _wild43_spans import otlp_store, recording_tracer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, Status, StatusCode

import workbench as wb

FIXTURE = Path(__file__).parent / "fixtures" / "wild43" / "vercel-ai-v6-spans.json"
COLUMNS = "run_id, step_id, parent_id, agent, kind, name, tool, model, status, error, tokens_in, tokens_out, input, output"


def test_the_vercel_ai_sdk_spans_a_js_script_saved_are_read() -> None:
    ws = wb.open()
    report = ws.ingest(FIXTURE, progress=False)
    assert (report.read, report.stored, report.quarantined) == (8, 8, 0)
    got = {
        r[0]: r[1:]
        for r in ws.sql("SELECT step_id, agent, kind, tokens_in, tokens_out, output FROM steps").fetchall()
    }
    # A call (functionId its agent) and its model request: as captured, each in a trace of its own.
    assert got["648be1dfd8e521b6"][:4] == ("test-generate-text", "agent", None, None)
    assert got["648be1dfd8e521b6"][4].startswith("Lines of code align,")
    assert got["39d6e9b3ddec9996"][1:4] == ("llm", 14, 20)
    assert json.loads(got["39d6e9b3ddec9996"][4])[0]["content"].startswith("Lines of code align,")
    assert got["6c0201026326855d"][1:4] == ("llm", 50, 9)
    assert got["bf098ec12458e605"][1:4] == ("llm", 63, 156)
    assert json.loads(got["bf098ec12458e605"][4])["name"] == "Scrambled Eggs"
    assert got["5a81ef3ffb5d8603"][1:4] == ("llm", 15, 112)  # (v6 streaming: ai.usage.inputTokens)
    assert ws.sql("SELECT count(*), count(DISTINCT run_id) FROM steps").fetchall() == [(8, 8)]
    # the dump names no instrumentation scope: none is made up (any-agent's is its own dumps')
    assert all(
        "otel.scope.name" not in json.loads(a) for (a,) in ws.sql("SELECT attributes FROM steps").fetchall()
    )
    start, end = ws.sql(
        "SELECT epoch_ns(started_at), epoch_ns(ended_at) FROM steps WHERE step_id = '648be1dfd8e521b6'"
    ).fetchall()[0]
    assert (start, end) == (1770131992_241000000, 1770131994_022541000)


def _vercel_run() -> list[ReadableSpan]:
    """A ToolLoopAgent-like call as the AI SDK traces it: the call, a model request and a failed tool call."""
    provider, tracer, exporter = recording_tracer({"service.name": "quote-desk"}, "ai", "6.0.68")
    with tracer.start_as_current_span(
        "ai.generateText",
        attributes={
            "ai.operationId": "ai.generateText",
            "ai.telemetry.functionId": "planner",
            "ai.prompt": '{"prompt":"Price 3 widgets"}',
            "ai.response.text": "It costs 41.20",
        },
    ):
        with tracer.start_as_current_span(
            "ai.generateText.doGenerate",
            kind=SpanKind.CLIENT,
            attributes={
                "ai.operationId": "ai.generateText.doGenerate",
                "ai.model.id": "gpt-4o-mini",
                "ai.response.toolCalls": '[{"toolCallId":"c1","toolName":"price","input":"{\\"n\\":3}"}]',
                "ai.usage.inputTokens": 30,
                "ai.usage.outputTokens": 7,
            },
        ) as llm:
            llm.add_event("ai.stream.firstChunk", {"ai.response.msToFirstChunk": 12.5})
        with tracer.start_as_current_span(
            "ai.toolCall",
            attributes={
                "ai.operationId": "ai.toolCall",
                "ai.toolCall.name": "price",
                "ai.toolCall.args": '{"n":3}',
            },
        ) as tool:
            tool.set_status(Status(StatusCode.ERROR, "price list unavailable"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def _hr(ns: int) -> list[int]:
    return [ns // 1_000_000_000, ns % 1_000_000_000]


def js_dump(spans: list[ReadableSpan], sdk2: bool = True) -> list[dict[str, Any]]:
    """What ``JSON.stringify`` of the JS SDK's ``ReadableSpan`` fields gives (SDK 2.x: ``parentSpanContext``)."""
    out = []
    for s in spans:
        ctx = s.get_span_context()
        span: dict[str, Any] = {
            "name": s.name,
            "kind": {SpanKind.INTERNAL: 0, SpanKind.CLIENT: 2}[s.kind],
            "spanContext": {
                "traceId": format(ctx.trace_id, "032x"),
                "spanId": format(ctx.span_id, "016x"),
                "traceFlags": 1,
            },
            "startTime": _hr(s.start_time),
            "endTime": _hr(s.end_time),
            "status": {
                "code": s.status.status_code.value,
                **({"message": s.status.description} if s.status.description else {}),
            },
            "attributes": dict(s.attributes or {}),
            "events": [
                {"name": e.name, "attributes": dict(e.attributes or {}), "time": _hr(e.timestamp)}
                for e in s.events
            ],
            "links": [],
            "resource": {"attributes": dict(s.resource.attributes)},
            "instrumentationScope": {
                "name": s.instrumentation_scope.name,
                "version": s.instrumentation_scope.version,
            },
        }
        if s.parent is not None:
            parent = format(s.parent.span_id, "016x")
            span.update(
                {"parentSpanContext": {"traceId": span["spanContext"]["traceId"], "spanId": parent}}
                if sdk2
                else {"parentSpanId": parent}
            )
        out.append(span)
    return out


def test_a_js_span_dump_is_the_run_its_otlp_export_is(tmp_path: Path) -> None:
    spans = _vercel_run()
    from_otlp = otlp_store(tmp_path, spans)
    want = from_otlp.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall()
    assert [r[3:7] for r in sorted(want, key=lambda r: r[5])] == [
        ("planner", "agent", "ai.generateText", None),
        ("planner", "llm", "ai.generateText.doGenerate", None),
        ("planner", "tool", "ai.toolCall", "price"),
    ]
    for sdk2 in (True, False):
        dump = tmp_path / f"spans-{sdk2}.json"
        dump.write_text(json.dumps(js_dump(spans, sdk2), indent=2))
        ws = wb.open()
        report = ws.ingest(dump, progress=False)
        assert (report.read, report.stored, report.quarantined) == (3, 3, 0)
        assert ws.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall() == want
        assert (
            ws.sql("SELECT run_id, system FROM runs").fetchall()
            == from_otlp.sql("SELECT run_id, system FROM runs").fetchall()
        )
        attrs = [dict(ws2.sql("SELECT step_id, attributes FROM steps").fetchall()) for ws2 in (ws, from_otlp)]
        assert {k: json.loads(v) for k, v in attrs[0].items()} == {
            k: json.loads(v) for k, v in attrs[1].items()
        }


def test_a_bad_js_span_costs_only_itself(tmp_path: Path) -> None:
    doc = js_dump(_vercel_run())
    doc[0]["spanContext"]["traceId"] = None
    doc[1]["startTime"] = "soon"
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(doc))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (3, 1, 2)
    reasons = sorted(r for (r,) in ws.sql("SELECT reason FROM quarantine").fetchall())
    (soon,) = [r for r in reasons if "'soon'" in r]
    assert any("trace id 'None'" in r for r in reasons) and soon.startswith(
        "bad span: start time 'soon' is no time"
    )


def test_spans_grouped_under_names_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "by-operation.json"
    path.write_text(json.dumps({"ai.generateText": js_dump(_vercel_run())}))
    ws = wb.open()
    report = ws.ingest(path, format="any-agent", progress=False)
    assert (report.stored, report.quarantined) == (0, 1)
    ((reason,),) = ws.sql("SELECT reason FROM quarantine").fetchall()
    assert "a span, or a list of them" in reason
