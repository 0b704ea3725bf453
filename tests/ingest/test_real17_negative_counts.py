"""A token count or cost below zero is not stored as one (real17): the record is quarantined, naming the field
and the value, as any number out of range (README, "Bad records are quarantined"); the other records of the
run are stored. Before, ``gen_ai.usage.input_tokens = -5`` (OTLP), ``"input_tokens": -5`` in MLflow's
``mlflow.chat.tokenUsage`` and a native ``tokens_in: -5`` were stored as counts (a run's token total went down)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "7083c34d691c14ba120753d3a7ac5dae"


def _otlp_span(sid: str, parent: str | None, attrs: dict) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": "chat gpt-4o-mini",
        "kind": "SPAN_KIND_CLIENT",
        "startTimeUnixNano": "1796172506760000000",
        "endTimeUnixNano": "1796172506770000000",
        "attributes": [
            {
                "key": k,
                "value": {"intValue": str(v)}
                if isinstance(v, int)
                else {"doubleValue": v}
                if isinstance(v, float)
                else {"stringValue": v},
            }
            for k, v in attrs.items()
        ],
        "status": {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _chat(**usage: object) -> dict:
    return {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", **usage}


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_negative_otlp_counts_and_costs_are_quarantined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    spans = [
        _otlp_span(
            "0000000000000001", None, {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "writer"}
        ),
        _otlp_span(
            "0000000000000002",
            "0000000000000001",
            _chat(**{"gen_ai.usage.input_tokens": -5, "gen_ai.usage.output_tokens": 12}),
        ),
        _otlp_span(
            "0000000000000003",
            "0000000000000001",
            _chat(**{"gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": -1}),
        ),
        _otlp_span("0000000000000004", "0000000000000001", _chat(**{"llm.cost.total": -0.25})),
        _otlp_span(
            "0000000000000005",
            "0000000000000001",
            _chat(**{"gen_ai.usage.input_tokens": 0, "gen_ai.usage.output_tokens": 7, "llm.cost.total": 0.0}),
        ),
    ]
    path = tmp_path / "neg.otlp.jsonl"
    path.write_text(
        json.dumps({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": spans}]}]})
        + "\n"
    )
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (5, 2, 3)
    reasons = sorted(r for (r,) in ws.sql("SELECT reason FROM quarantine").fetchall())
    assert reasons == [
        "cost must be 0 or more (got -0.25)",
        "tokens_in must be 0 or more (got -5)",
        "tokens_out must be 0 or more (got -1)",
    ]
    assert ws.sql(
        "SELECT right(step_id, 1), tokens_in, tokens_out, cost FROM steps ORDER BY 1"
    ).fetchall() == [("1", None, None, None), ("5", 0, 7, 0.0)]


def test_negative_mlflow_token_usage_is_quarantined(tmp_path: Path) -> None:
    raw = bytes.fromhex(TRACE)

    def span(sid: int, parent: int | None, kind: str, attrs: dict) -> dict:
        return {
            "trace_id": base64.b64encode(raw).decode(),
            "span_id": base64.b64encode(sid.to_bytes(8, "big")).decode(),
            "parent_span_id": base64.b64encode(parent.to_bytes(8, "big")).decode() if parent else None,
            "name": kind.lower(),
            "start_time_unix_nano": 1796172506760000000 + sid,
            "end_time_unix_nano": 1796172506770000000 + sid,
            "events": [],
            "status": {"code": "STATUS_CODE_OK", "message": ""},
            "attributes": {
                "mlflow.traceRequestId": json.dumps("tr-" + TRACE),
                "mlflow.spanType": json.dumps(kind),
                **attrs,
            },
            "links": [],
        }

    usage = {
        "mlflow.chat.tokenUsage": json.dumps({"input_tokens": -5, "output_tokens": 12, "total_tokens": 7})
    }
    doc = {
        "info": {
            "trace_id": "tr-" + TRACE,
            "request_time": "2026-12-02T00:48:26.760Z",
            "state": "OK",
            "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {}},
        },
        "data": {
            "spans": [
                span(1, None, "AGENT", {"mlflow.spanInputs": json.dumps({"q": "quote"})}),
                span(2, 1, "CHAT_MODEL", usage),
            ]
        },
    }
    path = tmp_path / "neg.trace.json"
    path.write_text(json.dumps(doc))
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (2, 1, 1)
    assert ws.sql("SELECT reason FROM quarantine").fetchall() == [("tokens_in must be 0 or more (got -5)",)]


def test_negative_native_counts_are_quarantined(tmp_path: Path) -> None:
    rows = [
        {"record": "step", "run_id": "r1", "step_id": "s1", "kind": "llm", "tokens_in": -5, "tokens_out": 3},
        {"record": "step", "run_id": "r1", "step_id": "s2", "kind": "llm", "cost": -0.5},
        {"record": "step", "run_id": "r1", "step_id": "s3", "kind": "llm", "tokens_in": 4, "cost": 0.01},
    ]
    path = tmp_path / "neg.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 1, 2)
    assert sorted(ws.sql("SELECT line, reason FROM quarantine").fetchall()) == [
        (1, "tokens_in must be 0 or more (got -5)"),
        (2, "cost must be 0 or more (got -0.5)"),
    ]
