"""An MLflow trace's data alone (``trace.data.to_dict()``: ``{"spans": [...], "request", "response"}``), read as
the spans of the whole trace are.

MLflow's own blog prints a Bedrock agent's trace so ("Here is the final mlflow trace", mlflow/mlflow-website
``website/blog/2024-11-07-bedrock-chat-model-part-1/index.md``): MLflow 2 spans (``context`` with ``0x`` ids,
``status_code``, attributes ``mlflow.traceRequestId`` / ``mlflow.spanType`` …) under ``spans``, no ``info``. Before,
such a file was "not in any known format". The spans here are the quote scenario's of the real16 / real17 tests,
in MLflow 3's shape and MLflow 2's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_real16_mlflow_trace_json as mlflow3
import test_real17_mlflow2_trace_json as mlflow2

import workbench as wb

COLUMNS = (
    "run_id, step_id, parent_id, agent, kind, name, tool, status, error, input, output, started_at, ended_at"
)


@pytest.mark.parametrize(
    "whole",
    [mlflow3.trace(), mlflow2.trace("0x"), mlflow2.trace("")],
    ids=["mlflow3", "mlflow2-0x", "mlflow2.22"],
)
def test_a_traces_data_alone_gives_its_steps(tmp_path: Path, whole: dict) -> None:
    full, alone = tmp_path / "trace.json", tmp_path / "trace_data.json"
    full.write_text(json.dumps(whole, indent=2))
    # (TraceData.to_dict() of MLflow 2 adds the trace's request and response beside the spans)
    alone.write_text(
        json.dumps(
            {
                **whole["data"],
                "request": '{"request": "Quote a widget"}',
                "response": '"The widget costs 14.20 USD."',
            },
            indent=2,
        )
    )
    want, got = wb.open(), wb.open()
    want.ingest(full, progress=False)
    report = got.ingest(alone, progress=False)
    n = len(whole["data"]["spans"])
    assert (report.read, report.stored, report.quarantined) == (n, n, 0)
    assert report.files[0].endswith("(mlflow-trace)")
    assert (
        got.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall()
        == want.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall()
    )
    # a bad span is quarantined at its own line of the pretty-printed file, as in the whole trace
    spans = json.loads(alone.read_text())
    spans["spans"][2] = "not a span"
    alone.write_text(json.dumps(spans, indent=2))
    again = wb.open()
    report = again.ingest(alone, progress=False)
    assert (report.stored, report.quarantined) == (n - 1, 1)
    ((line,),) = again.sql("SELECT line FROM quarantine").fetchall()
    assert alone.read_text().splitlines()[line - 1].strip() == '"not a span",'


def test_spans_without_mlflow_attributes_are_not_taken_for_mlflow(tmp_path: Path) -> None:
    data = mlflow2.trace("0x")["data"]
    for span in data["spans"]:
        span["attributes"] = {"input.value": "x"}
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(data, indent=2))
    with pytest.raises(wb.FormatError):
        wb.open().ingest(path, progress=False)
