"""A native run with no ``run`` record (and no label) takes its outcome from its root step (``runs.outcome_source =
'root_status'``, README "The native JSONL format"): success when the root step says ``ok``. A step that gives no
status reported nothing: it is unset, as an OTLP span with none, and a run whose root step says nothing has an unknown
outcome. store50 found ``workbench investigate`` counting such a run among those that "succeeded" (the root step's
missing status read as ``ok``): a log whose system never reported how its runs ended (a logger that writes only
steps) read as all succeeded. mend51: it is counted among the runs of unknown outcome."""

from __future__ import annotations

import argparse
import json

import pytest

import workbench as wb
from workbench._investigate import _print_table

RECORDS = [
    {"record": "run", "run_id": "said", "outcome": "success"},
    {"run_id": "said", "step_id": "s1", "agent": "a", "kind": "llm", "output": "done"},
    {"run_id": "silent", "step_id": "s1", "agent": "a", "kind": "llm", "output": "done"},  # (no run record)
    {"run_id": "stated", "step_id": "s1", "agent": "a", "kind": "llm", "output": "done", "status": "ok"},
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    path = tmp_path_factory.mktemp("store50") / "steps.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws


def test_a_run_without_a_run_record_takes_its_root_steps_status(ws: wb.Workspace) -> None:
    rows = ws.sql("SELECT run_id, outcome, outcome_source FROM runs ORDER BY run_id").fetchall()
    assert rows == [
        ("said", "success", "declared"),
        ("silent", "unknown", "none"),
        ("stated", "success", "root_status"),
    ]
    assert ws.sql("SELECT run_id, status FROM steps ORDER BY run_id").fetchall() == [
        ("said", "unset"),
        ("silent", "unset"),
        ("stated", "ok"),
    ]


def test_investigate_counts_a_run_nothing_reported_as_of_unknown_outcome(
    ws: wb.Workspace, capsys: pytest.CaptureFixture
) -> None:
    _print_table(
        ws, argparse.Namespace(all=False, limit=20)
    )  # (investigate's summary and table, as the CLI's)
    out = capsys.readouterr().out
    assert "3 runs, 0 failed, 1 of unknown outcome, 2 succeeded" in out, out
    assert "the logs do not say whether this run failed" in out, out
