"""A native run with no ``run`` record (and no label) takes its outcome from its root step: "success" when the
root step is ok, ``runs.outcome_source = 'root_status'`` (the format's convention, README "The native JSONL format").
``workbench investigate`` counts such a run among the runs that "succeeded" and says nothing of it: a log whose
system never reported how its runs ended (a logger that writes only steps) reads as all succeeded. store50's strict
xfail for walk50's CLI texts (not changed here): the summary should say how many successes no run reported."""

from __future__ import annotations

import argparse
import json
import re

import pytest

import workbench as wb
from workbench._investigate import _print_table

RECORDS = [
    {"record": "run", "run_id": "said", "outcome": "success"},
    {"run_id": "said", "step_id": "s1", "agent": "a", "kind": "llm", "output": "done"},
    {"run_id": "silent", "step_id": "s1", "agent": "a", "kind": "llm", "output": "done"},  # (no run record)
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    path = tmp_path_factory.mktemp("store50") / "steps.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws


def test_a_run_without_a_run_record_is_a_success_by_its_root_step(ws: wb.Workspace) -> None:
    rows = ws.sql("SELECT run_id, outcome, outcome_source FROM runs ORDER BY run_id").fetchall()
    assert rows == [("said", "success", "declared"), ("silent", "success", "root_status")]


@pytest.mark.xfail(
    strict=True,
    reason="investigate's summary counts a run no record reported among those that succeeded, unsaid "
    "(walk50's workbench/_investigate.py / cli.py texts; store50 does not change them)",
)
def test_investigate_says_which_successes_no_run_reported(
    ws: wb.Workspace, capsys: pytest.CaptureFixture
) -> None:
    _print_table(
        ws, argparse.Namespace(all=False, limit=20)
    )  # (investigate's summary and table, as the CLI's)
    out = capsys.readouterr().out
    assert "2 succeeded" in out
    assert re.search(r"no run record|not reported|reported nothing|unreported", out), out
