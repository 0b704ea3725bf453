"""Jaeger's trace JSON (its UI's "Download JSON", its query API's ``/api/traces``): what an OpenTelemetry-instrumented
agent sent to Jaeger reads back as. It was "not in any known format". Built on Jaeger's own model (``model.proto``
as its JSON API writes it: ``traceID``, ``spanID``, ``operationName``, ``references``, ``startTime`` and
``duration`` in microseconds, typed ``tags``, ``logs`` with ``fields``, ``processes``); the OTLP attributes of an
OpenLLMetry agent as its tags."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import workbench as wb

T = "4bf92f3577b34da6a3ce929d0e0e4736"
US = 1_767_268_800_000_000  # 2026-01-01T12:00:00Z in microseconds


def _tag(key: str, value: object) -> dict:
    kind = {bool: "bool", int: "int64", float: "float64"}.get(type(value), "string")
    return {"key": key, "type": kind, "value": value}


def _span(
    sid: str, parent: str | None, name: str, start: int, duration: int, tags: dict, logs: list | None = None
) -> dict:
    return {
        "traceID": T,
        "spanID": sid,
        "flags": 1,
        "operationName": name,
        "references": [{"refType": "CHILD_OF", "traceID": T, "spanID": parent}] if parent else [],
        "startTime": US + start,
        "duration": duration,
        "tags": [_tag(k, v) for k, v in tags.items()],
        "logs": logs or [],
        "processID": "p1",
        "warnings": None,
    }


def _trace() -> dict:
    spans = [
        _span(
            "00f067aa0ba902b7",
            None,
            "planner.workflow",
            0,
            3_000_000,
            {
                "traceloop.span.kind": "workflow",
                "traceloop.entity.name": "planner",
                "span.kind": "internal",
                "otel.scope.name": "opentelemetry.instrumentation.langchain",
            },
        ),
        _span(
            "00f067aa0ba902b8",
            "00f067aa0ba902b7",
            "openai.chat",
            100_000,
            1_200_000,
            {
                "llm.request.type": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.prompt_tokens": 31,
                "gen_ai.usage.completion_tokens": 9,
                "gen_ai.prompt.0.role": "user",
                "gen_ai.prompt.0.content": "Weather in Paris?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "Calling the weather tool.",
                "span.kind": "client",
            },
        ),
        _span(
            "00f067aa0ba902b9",
            "00f067aa0ba902b7",
            "get_weather.tool",
            1_400_000,
            500_000,
            {
                "traceloop.span.kind": "tool",
                "traceloop.entity.name": "get_weather",
                "span.kind": "internal",
                "otel.status_code": "ERROR",
                "otel.status_description": "TimeoutError: weather API",
            },
            [
                {
                    "timestamp": US + 1_900_000,
                    "fields": [_tag("event", "exception"), _tag("exception.type", "TimeoutError")],
                }
            ],
        ),
    ]
    return {
        "traceID": T,
        "spans": spans,
        "processes": {
            "p1": {"serviceName": "trip-agent", "tags": [_tag("telemetry.sdk.language", "python")]}
        },
        "warnings": None,
    }


def test_a_jaeger_download_is_read(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text(json.dumps({"data": [_trace()], "total": 0, "limit": 0, "offset": 0, "errors": None}))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (3, 3, 0)
    rows = ws.sql(
        "SELECT step_id, parent_id, kind, name, model, tokens_in, tokens_out, status, error, started_at, "
        "latency_ms FROM steps ORDER BY started_at"
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("00f067aa0ba902b7", None, "chain", "planner.workflow", None),
        ("00f067aa0ba902b8", "00f067aa0ba902b7", "llm", "openai.chat", "gpt-4o"),
        ("00f067aa0ba902b9", "00f067aa0ba902b7", "tool", "get_weather.tool", None),
    ]
    assert rows[1][5:8] == (31, 9, "unset") and rows[2][7:9] == ("error", "TimeoutError: weather API")
    assert rows[0][9] == datetime(2026, 1, 1, 12, 0, 0) and [r[10] for r in rows] == [3000.0, 1200.0, 500.0]
    assert ws.sql("SELECT run_id, system FROM runs").fetchall() == [(T, "trip-agent")]


def test_a_list_of_traces_pretty_printed_puts_a_bad_span_at_its_line(tmp_path: Path) -> None:
    trace = _trace()
    trace["spans"][2]["traceID"] = None
    path = tmp_path / "traces.json"
    path.write_text(json.dumps([trace], indent=2))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    (line,) = ws.quarantine()["line"]
    text = path.read_text().splitlines()
    assert text[line - 1].strip() == "{" and '"spanID": "00f067aa0ba902b9"' in "\n".join(
        text[line : line + 3]
    )
