"""MLflow 2.x's trace JSON (``Trace.to_json()`` / ``to_dict()``), in the shape mlflow-skinny 2.22.5 wrote it
for real14's quote scenario (real17, /work/wt/_notes/real17_out/mlflow2/mlflow2_quote.trace.json): ``info`` with
a ``request_id`` (no ``tr-``), spans with hex ids under ``context`` (``0x``-prefixed in earlier 2.x releases),
``status_code``, and the names a trace repeats numbered (``get_price_1``, ``get_price_2``). Before: "not in any
known format"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

TRACE = "cbff5c44168c3b310aa37aea1cd93694"
REQUEST = "1e127abee65147139ceb0de023255559"
T0 = 1796176559528148922
END = {1: 99, 2: 50, 3: 4, 4: 6, 5: 90, 6: 80, 7: 8}  # (a span ends after its children)


def _span(
    sid: int,
    parent: int | None,
    name: str,
    kind: str,
    inputs: object,
    outputs: object,
    prefix: str,
    error: str | None = None,
) -> dict:
    # the traced function's name, as MLflow keeps it when it numbers a repeated span name (real17's file:
    # get_price_1 of function get_price, Completions_1 of the OpenAI client's create)
    function = {"get_price_1": "get_price", "get_price_2": "get_price", "Completions_1": "create"}.get(
        name, name
    )
    attrs = {
        "mlflow.traceRequestId": json.dumps(REQUEST),
        "mlflow.spanType": json.dumps(kind),
        "mlflow.spanFunctionName": json.dumps(function),
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
                "timestamp": 1796176560394305970 + sid,
                "attributes": {
                    "exception.type": "TimeoutError",
                    "exception.message": error,
                    "exception.escaped": "False",
                },
            }
        ]
    )
    return {
        "name": name,
        "context": {"span_id": f"{prefix}{sid:016x}", "trace_id": f"{prefix}{TRACE}"},
        "parent_id": f"{prefix}{parent:016x}" if parent else None,
        "start_time": T0 + sid * 1000,
        "end_time": T0 + END[sid] * 1000,
        "status_code": "ERROR" if error else "OK",
        "status_message": f"TimeoutError: {error}" if error else "",
        "attributes": attrs,
        "events": events,
    }


def trace(prefix: str) -> dict:
    chat = {
        "id": "chatcmpl-3",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "The widget costs 14.20 USD."}}],
    }
    spans = [
        _span(
            1,
            None,
            "quote_workflow",
            "CHAIN",
            {"request": "Quote a widget"},
            "The widget costs 14.20 USD.",
            prefix,
        ),
        _span(
            2,
            1,
            "researcher",
            "AGENT",
            {"user": "What does a widget cost?"},
            "The widget costs 41.20 USD.",
            prefix,
        ),
        _span(3, 2, "get_price_1", "TOOL", {"item": "widget"}, None, prefix, error="price service timed out"),
        _span(4, 2, "get_price_2", "TOOL", {"item": "widget"}, "41.20", prefix),
        _span(5, 1, "writer", "AGENT", {"user": "Notes: 41.20 USD"}, "The widget costs 14.20 USD.", prefix),
        _span(
            6,
            5,
            "Completions_1",
            "CHAT_MODEL",
            {"messages": [{"role": "user", "content": "Notes: 41.20 USD"}]},
            chat,
            prefix,
        ),
        _span(7, 2, "check_1", "TOOL", {"x": 1}, "ok", prefix),  # one name with a number: its own name
    ]
    return {
        "info": {
            "request_id": REQUEST,
            "experiment_id": "988382539401477480",
            "timestamp_ms": 1796176559528,
            "execution_time_ms": 1021,
            "status": "OK",
            "request_metadata": {"mlflow.trace_schema.version": "2"},
            "tags": {"mlflow.traceName": "quote_workflow"},
            "assessments": [],
        },
        "data": {"spans": spans},
    }


@pytest.mark.parametrize(("prefix", "as_list"), [("", False), ("0x", True)], ids=["2.22-document", "0x-list"])
def test_mlflow2_trace_json_is_read(tmp_path: Path, prefix: str, as_list: bool) -> None:
    path = tmp_path / "mlflow2.trace.json"
    doc = trace(prefix)
    path.write_text(json.dumps([doc] if as_list else doc, indent=2))
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 7, 0)
    steps = {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT right(step_id, 1), run_id, parent_id, kind, agent, name, tool, status, error FROM steps"
        ).fetchall()
    }
    assert {r[0] for r in steps.values()} == {TRACE}
    assert steps["3"] == (
        TRACE,
        f"{2:016x}",
        "tool",
        "researcher",
        "get_price",
        "get_price",
        "error",
        "TimeoutError: price service timed out",
    )
    assert steps["4"][3:7] == ("researcher", "get_price", "get_price", "ok")
    assert steps["6"][2:5] == ("llm", "writer", "Completions_1")  # (a name not repeated keeps its number)
    assert steps["7"][5] == "check_1"
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert list(f[f.detector == "silent_failure"].agent) == ["writer"]
