"""MLflow's own trace JSON (``mlflow.get_trace(id).to_json()``), in the shape mlflow-tracing 3.17.2 wrote it
for real14's quote scenario (real16, /work/wt/_notes/real16_out/mlflow/mlflow_quote.trace.json): base64 ids,
attribute values JSON text. Before: "not in any known format"."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import workbench as wb

TRACE = bytes.fromhex("7083c34d691c14ba120753d3a7ac5dae")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _span(
    sid: int,
    parent: int | None,
    name: str,
    kind: str,
    inputs: object,
    outputs: object,
    error: str | None = None,
) -> dict:
    attrs = {
        "mlflow.traceRequestId": json.dumps("tr-" + TRACE.hex()),
        "mlflow.spanType": json.dumps(kind),
        "mlflow.spanInputs": json.dumps(inputs),
    }
    if outputs is not None:
        attrs["mlflow.spanOutputs"] = json.dumps(outputs)
    events = (
        []
        if error is None
        else [
            {
                "name": "exception",
                "time_unix_nano": 1796172506770000000 + sid,
                "attributes": {"exception.type": "TimeoutError", "exception.message": error},
            }
        ]
    )
    return {
        "trace_id": _b64(TRACE),
        "span_id": _b64(sid.to_bytes(8, "big")),
        "parent_span_id": _b64(parent.to_bytes(8, "big")) if parent else None,
        "name": name,
        "start_time_unix_nano": 1796172506760000000 + sid * 1000,
        "end_time_unix_nano": 1796172506760000500 + sid * 1000,
        "events": events,
        "status": {
            "code": "STATUS_CODE_ERROR" if error else "STATUS_CODE_OK",
            "message": f"TimeoutError: {error}" if error else "",
        },
        "attributes": attrs,
        "links": [],
    }


def trace() -> dict:
    spans = [
        _span(
            1, None, "quote_workflow", "CHAIN", {"request": "Quote a widget"}, "The widget costs 14.20 USD."
        ),
        _span(
            2, 1, "researcher", "AGENT", {"user": "What does a widget cost?"}, "The widget costs 41.20 USD."
        ),
        _span(3, 2, "get_price", "TOOL", {"item": "widget"}, None, error="price service timed out"),
        _span(4, 2, "get_price", "TOOL", {"item": "widget"}, "41.20"),
        _span(5, 1, "writer", "AGENT", {"user": "Notes: 41.20 USD"}, "The widget costs 14.20 USD."),
        _span(
            6,
            5,
            "Completions",
            "CHAT_MODEL",
            {"messages": [{"role": "user", "content": "Notes: 41.20 USD"}]},
            {
                "id": "chatcmpl-3",
                "object": "chat.completion",
                "created": 1764600003,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "The widget costs 14.20 USD."}}
                ],
            },
        ),
    ]
    return {
        "info": {
            "trace_id": "tr-" + TRACE.hex(),
            "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {}},
            "request_time": "2026-12-02T00:48:26.760Z",
            "state": "OK",
            "trace_metadata": {"mlflow.trace_schema.version": "3"},
        },
        "data": {"spans": spans},
    }


def _steps(ws: wb.Workspace) -> dict:
    return {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT step_id, run_id, parent_id, kind, agent, tool, status, input, output FROM steps"
        ).fetchall()
    }


def test_trace_to_json_is_read(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(trace(), indent=2))  # to_json(pretty=True)
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (6, 6, 0)
    s = _steps(ws)
    assert set(s) == {i.to_bytes(8, "big").hex() for i in range(1, 7)}  # base64 ids read as OTLP's hex
    assert {v[0] for v in s.values()} == {TRACE.hex()}
    tool_fail, tool_ok = s[(3).to_bytes(8, "big").hex()], s[(4).to_bytes(8, "big").hex()]
    assert tool_fail[1:6] == ((2).to_bytes(8, "big").hex(), "tool", "researcher", "get_price", "error")
    assert tool_ok[3:] == ("researcher", "get_price", "ok", '{"item":"widget"}', "41.20")
    llm = s[(6).to_bytes(8, "big").hex()]
    assert llm[2:4] == ("llm", "writer") and "chatcmpl" not in llm[-1] and "14.20" in llm[-1]
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert list(f[f.detector == "silent_failure"].severity) == ["critical"]  # 14.20: no tool said it


def test_trace_list_and_lines_and_a_bad_span(tmp_path: Path) -> None:
    listed = tmp_path / "traces.json"
    listed.write_text(
        json.dumps([trace()])
    )  # [t.to_dict() for t in mlflow.search_traces(return_type="list")]
    lines = tmp_path / "traces.jsonl"
    bad = trace()
    bad["data"]["spans"][3]["span_id"] = None
    lines.write_text(json.dumps(trace()) + "\n" + json.dumps(bad) + "\n")
    ws = wb.open()
    assert ws.ingest(listed).stored == 6
    ws2 = wb.open()
    rep = ws2.ingest(lines)
    assert (rep.read, rep.stored, rep.quarantined) == (12, 11, 1)  # one bad span costs only itself
    q = ws2.sql("SELECT line, reason FROM quarantine").fetchall()
    assert len(q) == 1 and q[0][0] == 2 and "span id" in q[0][1]
