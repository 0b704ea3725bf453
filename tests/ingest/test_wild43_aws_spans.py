"""CloudWatch ``aws/spans`` log events (Bedrock AgentCore, ADOT): read as the OTLP export of the same spans.

The shape is AWS's (its observability guide shows AgentCore's model-call and tool spans so: ``traceId``,
``spanId``, ``parentSpanId``, ``name``, ``durationNano``, ``attributes`` and ``resource.attributes`` as maps).
Before, such a file was "not in any known format". The spans here are made with the real OpenTelemetry SDK and
written both ways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _wild43_spans import otlp_store, recording_tracer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import Status, StatusCode

import workbench as wb

COLUMNS = (
    "run_id, step_id, parent_id, agent, kind, name, tool, model, status, error, tokens_in, tokens_out, "
    "input, output, started_at, ended_at, attributes"
)


def _strands_run() -> list[ReadableSpan]:
    """An agent on AgentCore as Strands traces it: the agent, a model call, a tool call that fails."""
    provider, tracer, exporter = recording_tracer(
        {"service.name": "support-agent.DEFAULT", "cloud.platform": "aws_bedrock_agentcore"},
        "strands.telemetry.tracer",
        "1.9.1",
    )
    with tracer.start_as_current_span(
        "invoke_agent support",
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "support",
            "session.id": "session-a1b2",
        },
    ):
        with tracer.start_as_current_span(
            "chat us.anthropic.claude-sonnet-4-6",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "us.anthropic.claude-sonnet-4-6",
                "gen_ai.usage.input_tokens": 1980,
                "gen_ai.usage.output_tokens": 119,
                "gen_ai.response.finish_reasons": ("tool_use",),
            },
        ) as chat:
            chat.set_status(Status(StatusCode.OK))
        with tracer.start_as_current_span(
            "execute_tool lookup_order",
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup_order",
                "gen_ai.tool.call.id": "tooluse_1",
            },
        ) as tool:
            tool.add_event(
                "exception", {"exception.type": "KeyError", "exception.message": "order 42 not found"}
            )
            tool.set_status(Status(StatusCode.ERROR, "order 42 not found"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def aws_span(s: ReadableSpan) -> dict[str, Any]:
    """A span as CloudWatch keeps it in ``aws/spans``."""
    ctx = s.get_span_context()
    status: dict[str, Any] = {"code": s.status.status_code.name}
    if s.status.description:
        status["message"] = s.status.description
    return {
        "resource": {"attributes": dict(s.resource.attributes)},
        "scope": {"name": s.instrumentation_scope.name, "version": s.instrumentation_scope.version},
        "traceId": format(ctx.trace_id, "032x"),
        "spanId": format(ctx.span_id, "016x"),
        "parentSpanId": format(s.parent.span_id, "016x") if s.parent else "",
        "flags": 256,
        "name": s.name,
        "kind": s.kind.name,
        "startTimeUnixNano": s.start_time,
        "endTimeUnixNano": s.end_time,
        "durationNano": s.end_time - s.start_time,
        "attributes": dict(s.attributes or {}),
        "events": [
            {"timeUnixNano": e.timestamp, "name": e.name, "attributes": dict(e.attributes or {})}
            for e in s.events
        ],
        "status": status,
    }


def _rows(ws: wb.Workspace) -> tuple[list[Any], list[Any]]:
    steps = [
        (*r[:-1], json.loads(r[-1]))
        for r in ws.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall()
    ]
    runs = [
        (r[0], r[1], json.loads(r[2]))
        for r in ws.sql("SELECT run_id, system, attributes FROM runs").fetchall()
    ]
    return steps, runs


def test_aws_spans_are_the_run_their_otlp_export_is(tmp_path: Path) -> None:
    spans = _strands_run()
    want = _rows(otlp_store(tmp_path, spans))
    by_name = {r[5]: r for r in want[0]}
    assert by_name["execute_tool lookup_order"][3:10] == (
        "support",
        "tool",
        "execute_tool lookup_order",
        "lookup_order",
        None,
        "error",
        "order 42 not found",
    )
    assert by_name["chat us.anthropic.claude-sonnet-4-6"][10:12] == (1980, 119)
    events = [
        {
            "logStreamName": "default",
            "timestamp": s.end_time // 1_000_000,
            "message": json.dumps(aws_span(s)),
            "ingestionTime": s.end_time // 1_000_000 + 900,
            "eventId": str(i),
        }
        for i, s in enumerate(spans)
    ]
    shapes = {
        "messages.jsonl": "\n".join(json.dumps(aws_span(s)) for s in spans) + "\n",  # aws logs tail
        "spans.json": json.dumps([aws_span(s) for s in spans], indent=2),
        "filter-log-events.json": json.dumps({"events": events, "searchedLogStreams": []}, indent=2),
        "insights.json": json.dumps(
            [{"@timestamp": "2026-12-05 01:00:00.000", "@message": e["message"]} for e in events]
        ),
    }
    for name, text in shapes.items():
        path = tmp_path / name
        path.write_text(text)
        ws = wb.open()
        report = ws.ingest(path, progress=False)
        assert (report.read, report.stored, report.quarantined) == (3, 3, 0), name
        assert report.files[0].endswith("(aws-spans)"), name
        assert _rows(ws) == want, name


def test_a_bad_event_costs_only_itself(tmp_path: Path) -> None:
    spans = [aws_span(s) for s in _strands_run()]
    spans[0]["attributes"] = ["not", "a", "map"]  # (a span's own fault: the others stand)
    events = [{"timestamp": 1, "message": json.dumps(s)} for s in spans]
    events.insert(1, {"timestamp": 2, "message": "START RequestId: 1234"})
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"events": events}))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 2, 2)
    reasons = sorted(r for (r,) in ws.sql("SELECT reason FROM quarantine").fetchall())
    assert any("not an aws/spans span" in r for r in reasons) and any(
        "attributes is a JSON array" in r for r in reasons
    )
    assert ws.sql("SELECT count(*) FROM steps WHERE status = 'error'").fetchall() == [(1,)]
