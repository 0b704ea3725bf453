"""MLflow 2 numbers the spans of a trace that share a name (``worker`` twice -> ``worker_1``, ``worker_2``), in the
order the trace lists them, and leaves each span's traced function name (``mlflow.spanFunctionName``) as it was.
The reader gives such names back (one name ``worker``). Before, it did so for any names ``X_1`` .. ``X_k`` with
no ``X``: two functions a user named ``worker_1`` and ``worker_2``, or spans listed ``worker_2`` before
``worker_1``, were read as one agent/tool ``worker``. Names written so by hand through ``start_span`` (no
function name, in order) still cannot be told from MLflow's numbering (a known limit)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

TRACE = "cbff5c44168c3b310aa37aea1cd93694"


def _span(sid: int, parent: int | None, name: str, function: str | None) -> dict:
    attrs = {
        "mlflow.spanType": json.dumps("TOOL" if parent else "CHAIN"),
        "mlflow.spanInputs": json.dumps({"job": sid}),
    }
    if function is not None:
        attrs["mlflow.spanFunctionName"] = json.dumps(function)
    return {
        "name": name,
        "context": {"span_id": f"{sid:016x}", "trace_id": TRACE},
        "parent_id": f"{parent:016x}" if parent else None,
        "start_time": 1796176559528148922 + sid * 1000,
        "end_time": 1796176559528148922 + sid * 1000 + 500,
        "status_code": "OK",
        "status_message": "",
        "attributes": attrs,
        "events": [],
    }


def _names(tmp_path: Path, spans: list[dict]) -> dict[str, str]:
    doc = {
        "info": {
            "request_id": "1e127abee65147139ceb0de023255559",
            "timestamp_ms": 1796176559528,
            "request_metadata": {"mlflow.trace_schema.version": "2"},
            "status": "OK",
        },
        "data": {"spans": [_span(1, None, "plan", "plan"), *spans]},
    }
    path = tmp_path / "mlflow2.trace.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (len(spans) + 1, len(spans) + 1, 0)
    return dict(
        ws.sql("SELECT right(step_id, 1), name FROM steps WHERE step_id <> ?", [f"{1:016x}"]).fetchall()
    )


def test_functions_named_with_a_number_keep_their_names(tmp_path: Path) -> None:
    names = _names(tmp_path, [_span(2, 1, "worker_1", "worker_1"), _span(3, 1, "worker_2", "worker_2")])
    assert names == {"2": "worker_1", "3": "worker_2"}  # old code: worker, worker


def test_numbers_out_of_the_lists_order_are_no_numbering(tmp_path: Path) -> None:
    names = _names(tmp_path, [_span(2, 1, "worker_2", None), _span(3, 1, "worker_1", None)])
    assert names == {"2": "worker_2", "3": "worker_1"}  # old code: worker, worker


def test_mlflows_numbering_is_undone(tmp_path: Path) -> None:
    # (as real17's file: get_price_1, get_price_2 of function get_price; Completions_1.. of create)
    names = _names(
        tmp_path,
        [
            _span(2, 1, "get_price_1", "get_price"),
            _span(3, 1, "Completions_1", "create"),
            _span(4, 1, "get_price_2", "get_price"),
            _span(5, 1, "Completions_2", "create"),
        ],
    )
    assert names == {"2": "get_price", "3": "Completions", "4": "get_price", "5": "Completions"}
    # without function names, in order: MLflow's numbering as far as the trace can tell (the known limit)
    names = _names(tmp_path, [_span(2, 1, "worker_1", None), _span(3, 1, "worker_2", None)])
    assert names == {"2": "worker", "3": "worker"}
