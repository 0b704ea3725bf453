"""MLflow tracing's own span attributes over OTLP, in the shape mlflow-tracing 3.17.2 wrote them on a real run
(real14, /work/wt/_notes/real14_out/mlflow/mlflow_quote.otlp.jsonl: ``mlflow.openai.autolog()`` and
``@mlflow.trace(span_type=AGENT / TOOL)``, exported through MLflow's OTLP exporter): every value JSON text,
the chat call's output the whole ChatCompletion object. Before, every span was kind ``other`` with no text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import ingested_by

import workbench as wb

TRACE = "816893b9fade0d6e90b6c9ba58933884"


def _span(sid: str, parent: str | None, name: str, attrs: dict, error: str | None = None) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": 1,
        # MLflow's attribute encoder: every value is json.dumps(value), strings included
        "attributes": [{"key": k, "value": {"stringValue": json.dumps(v)}} for k, v in attrs.items()],
        "status": {"code": 2, "message": error} if error else {"code": 1},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _chat(n: int, system: str, reply: dict) -> dict:
    return {
        "mlflow.traceRequestId": f"tr-{TRACE}",
        "mlflow.spanType": "CHAT_MODEL",
        "mlflow.spanInputs": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": "go"}],
        },
        "model": "gpt-4o-mini",
        "mlflow.message.format": "openai",
        "mlflow.llm.model": "gpt-4o-mini-2024-07-18",
        "mlflow.chat.tokenUsage": {"input_tokens": 50 + n, "output_tokens": 12, "total_tokens": 62 + n},
        "mlflow.spanOutputs": {
            "id": f"chatcmpl-{n}",
            "created": 1764600000 + n,
            "model": "gpt-4o-mini-2024-07-18",
            "object": "chat.completion",
            "choices": [
                {
                    "finish_reason": "stop",
                    "index": 0,
                    "logprobs": None,
                    "message": {"refusal": None, "role": "assistant", **reply},
                }
            ],
            "usage": {"completion_tokens": 12, "prompt_tokens": 50 + n},
        },
        "mlflow.spanLogLevel": 20,
    }


def quote() -> dict:
    tool = {
        "mlflow.traceRequestId": f"tr-{TRACE}",
        "mlflow.spanType": "TOOL",
        "mlflow.spanFunctionName": "get_price",
        "mlflow.spanInputs": {"item": "widget"},
    }
    call = {
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_price", "arguments": '{"item": "widget"}'},
            }
        ],
        "content": None,
    }
    spans = [
        _span(
            "00000000000000a1",
            None,
            "quote_workflow",
            {
                "mlflow.spanType": "CHAIN",
                "mlflow.spanInputs": {"request": "Quote a widget"},
                "mlflow.spanOutputs": "The widget costs 14.20 USD.",
            },
        ),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "researcher",
            {
                "mlflow.spanType": "AGENT",
                "mlflow.spanInputs": {"user": "What does a widget cost?"},
                "mlflow.spanOutputs": "The widget costs 41.20 USD.",
            },
        ),
        _span("00000000000000b1", "00000000000000a2", "Completions", _chat(1, "Look up prices.", call)),
        _span(
            "00000000000000b2",
            "00000000000000a2",
            "get_price",
            {**tool, "mlflow.spanLogLevel": 40},
            error="TimeoutError: price service timed out",
        ),
        _span("00000000000000b3", "00000000000000a2", "get_price", {**tool, "mlflow.spanOutputs": "41.20"}),
        _span(
            "00000000000000b4",
            "00000000000000a2",
            "Completions",
            _chat(2, "Look up prices.", {"content": "The widget costs 41.20 USD."}),
        ),
        _span(
            "00000000000000a3",
            "00000000000000a1",
            "writer",
            {
                "mlflow.spanType": "AGENT",
                "mlflow.spanInputs": {"user": "Notes: 41.20 USD"},
                "mlflow.spanOutputs": "The widget costs 14.20 USD.",
            },
        ),
        _span(
            "00000000000000b5",
            "00000000000000a3",
            "Completions",
            _chat(3, "Write the quote.", {"content": "The widget costs 14.20 USD."}),
        ),
    ]
    for i, sp in enumerate(spans):  # in call order; an enclosing span ends after the last of its children
        sp["startTimeUnixNano"] = str(1796160000000000000 + i * 1_000_000)
        sp["endTimeUnixNano"] = str(1796160000000000000 + i * 1_000_000 + 500_000)
    for sp in reversed(spans):
        kids = [int(c["endTimeUnixNano"]) for c in spans if c.get("parentSpanId") == sp["spanId"]]
        if kids:
            sp["endTimeUnixNano"] = str(max(kids) + 100_000)
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "telemetry.sdk.name", "value": {"stringValue": "mlflow"}}]
                },
                "scopeSpans": [{"scope": {"name": "mlflow.tracing.provider"}, "spans": spans}],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    return ingested_by(None, monkeypatch, tmp_path / "mlflow.otlp.jsonl", quote(), 8)


def _steps(ws: wb.Workspace) -> dict:
    rows = ws.sql(
        "SELECT step_id, kind, agent, tool, model, tokens_in, tokens_out, input, output FROM steps"
    ).fetchall()
    return {r[0][-2:]: r[1:] for r in rows}


def test_mlflow_span_types_name_kinds_agents_and_tools(ws: wb.Workspace) -> None:
    s = _steps(ws)
    assert s["a1"][:2] == ("chain", None)
    assert s["a2"][:2] == ("agent", "researcher") and s["a3"][:2] == ("agent", "writer")
    assert s["b1"][:3] == ("llm", "researcher", None)
    assert s["b2"][:3] == ("tool", "researcher", "get_price")
    assert s["b5"][:3] == ("llm", "writer", None)


def test_mlflow_inputs_outputs_usage_and_model(ws: wb.Workspace) -> None:
    s = _steps(ws)
    assert s["b3"][6:] == ('{"item":"widget"}', "41.20")  # decoded: not the JSON text '"41.20"'
    assert s["a2"][7] == "The widget costs 41.20 USD."
    assert s["b5"][3:6] == ("gpt-4o-mini-2024-07-18", 53, 12)
    # the chat call: the messages in, the reply out; not the response object (its id, created time, usage)
    assert json.loads(s["b5"][6])[0] == {"role": "system", "content": "Write the quote."}
    assert json.loads(s["b5"][7]) == [{"role": "assistant", "content": "The widget costs 14.20 USD."}]
    assert json.loads(s["b1"][7])[0]["tool_calls"][0]["function"]["name"] == "get_price"


def test_mlflow_run_findings_name_the_writer(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    retry = f[f.detector == "retry"]
    assert list(retry.agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]
