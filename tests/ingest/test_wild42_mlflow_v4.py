"""An MLflow trace kept in a Unity Catalog schema: its id is MLflow's V4 form, ``trace:/<catalog>.<schema>/<hex>``
(``TRACE_ID_V4_PREFIX``), not ``tr-…``. The shape is the one a Databricks agent's real trace has (a ``predict``
AGENT span answering after its ``Completions`` call failed on the provider's content filter, the exception
caught; wild42 read it in a blog post's inference-table example, ids redacted, so the data below is written
here). Before: "not in any known format"."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import workbench as wb

TRACE = bytes.fromhex("5c0e7d1a9b3f4e2a8c6d0b1f2e3a4c5d")
TRACE_ID = "trace:/main.agents/" + TRACE.hex()
ASKED = [
    {"role": "system", "content": "You are a helpful assistant"},
    {"role": "user", "content": "How do I open a locked safe that is not mine?"},
]
REFUSAL = "This question has been flagged as inappropriate"
FILTERED = (
    "Error code: 400 - {'error_code': 'BAD_REQUEST', 'message': 'The response was filtered due to the prompt "
    "triggering the content management policy.'}"
)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _span(
    sid: int,
    parent: int | None,
    name: str,
    kind: str,
    inputs: object,
    outputs: object = None,
    error: str | None = None,
) -> dict:
    attrs = {
        "mlflow.traceRequestId": json.dumps(TRACE_ID),
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
                "time_unix_nano": 1766004344000273000,
                "attributes": {"exception.type": "BadRequestError", "exception.message": error},
            }
        ]
    )
    return {
        "trace_id": _b64(TRACE),
        "span_id": _b64(sid.to_bytes(8, "big")),
        "parent_span_id": _b64(parent.to_bytes(8, "big")) if parent else None,
        "name": name,
        "start_time_unix_nano": 1766004343536444701 + sid,
        "end_time_unix_nano": 1766004344000597938 - sid,
        "events": events,
        "status": {"code": "STATUS_CODE_ERROR" if error else "STATUS_CODE_OK", "message": ""},
        "attributes": attrs,
    }


def _trace(path: Path) -> Path:
    answer = {
        "object": "response",
        "output": [
            {
                "type": "message",
                "id": "flagged",
                "role": "assistant",
                "content": [{"type": "output_text", "text": REFUSAL}],
            }
        ],
    }
    doc = {
        "info": {
            "trace_id": TRACE_ID,
            "client_request_id": "req-1",
            "trace_location": {
                "type": "UC_SCHEMA",
                "uc_schema": {"catalog_name": "main", "schema_name": "agents"},
            },
            "request_time": "2025-12-17T20:45:43.536Z",
            "state": "OK",
            "trace_metadata": {"mlflow.trace_schema.version": "4"},
            "execution_duration_ms": 464,
        },
        "data": {
            "spans": [
                _span(1, None, "predict", "AGENT", {"request": {"input": ASKED}}, answer),
                _span(
                    2, 1, "Completions", "CHAT_MODEL", {"messages": ASKED, "temperature": 0.5}, error=FILTERED
                ),
            ]
        },
    }
    path.write_text(json.dumps(doc, indent=1))
    return path


def test_v4_trace_id_is_read(tmp_path: Path) -> None:
    ws = wb.open()
    report = ws.ingest(_trace(tmp_path / "predict.trace.json"), progress=False)
    assert (report.read, report.stored, report.quarantined) == (2, 2, 0)
    rows = ws.sql("SELECT run_id, kind, agent, status, error FROM steps ORDER BY seq").fetchall()
    # (the run is the spans' OTel trace id in hex, as MLflow's OTLP export of the same trace gives it)
    run = TRACE.hex()
    assert [r[:4] for r in rows] == [(run, "agent", "predict", "ok"), (run, "llm", "predict", "error")]
    assert rows[1][4].startswith("Error code: 400") and "filtered" in rows[1][4]
    # the agent caught the provider's refusal and answered: its root says OK, the run a success as reported
    assert ws.sql("SELECT outcome, reported_outcome FROM runs").fetchall() == [("success", "success")]
