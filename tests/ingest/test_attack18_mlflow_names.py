"""An MLflow 2 trace whose span name ends in a number of thousands of digits (attack18). The reader undoes
MLflow 2's numbering of repeated names (``get_price_1``, ``get_price_2``) by reading each name's number with
``int()``, which refuses more than 4,300 digits: the ValueError left the reader, and the whole ingest call
failed ("nothing was stored") for one span's name."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

TRACE = "cbff5c44168c3b310aa37aea1cd93694"
HUGE = "check_" + "1" * 5000


def _span(sid: int, parent: int | None, name: str, kind: str) -> dict:
    return {
        "name": name,
        "context": {"span_id": f"{sid:016x}", "trace_id": TRACE},
        "parent_id": f"{parent:016x}" if parent else None,
        "start_time": 1796176559528148922 + sid * 1000,
        "end_time": 1796176559528148922 + sid * 1000 + 500,
        "status_code": "OK",
        "status_message": "",
        "attributes": {
            "mlflow.spanType": json.dumps(kind),
            "mlflow.spanInputs": json.dumps({"item": "widget"}),
        },
        "events": [],
    }


def test_a_span_name_with_a_huge_number_costs_nothing(tmp_path: Path) -> None:
    doc = {
        "info": {
            "request_id": "1e127abee65147139ceb0de023255559",
            "timestamp_ms": 1796176559528,
            "request_metadata": {"mlflow.trace_schema.version": "2"},
            "status": "OK",
        },
        "data": {
            "spans": [
                _span(1, None, "researcher", "AGENT"),
                _span(2, 1, "get_price_1", "TOOL"),
                _span(3, 1, "get_price_2", "TOOL"),
                _span(4, 1, HUGE, "TOOL"),
            ]
        },
    }
    path = tmp_path / "mlflow2.trace.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 4, 0)
    names = dict(ws.sql("SELECT right(step_id, 1), name FROM steps WHERE run_id = ?", [TRACE]).fetchall())
    assert names == {
        "1": "researcher",
        "2": "get_price",
        "3": "get_price",
        "4": HUGE,
    }  # numbering still undone
