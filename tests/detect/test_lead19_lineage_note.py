"""``investigate`` says where the log-only culprit and the silent_failure finding part: the finding has
traced the wrong answer's value to the agent that first stated it (here writer), the model may name
another (the analyst of a handled tool failure, as v8/v9 did on real Semantic Kernel and OpenAI traces).
The store is the SK group chat shape of test_silent13 (real12's OTLP JSON) with a reported success."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_silent13_replaced_numbers import STOCK, _write

import workbench as wb
from workbench._lineage_note import lineage_disagreements, lineage_note
from workbench.detect import detect


def _store(tmp_path: Path) -> tuple[wb.Workspace, str]:
    """The run, detected, in a store of its own (test_attack15_lineage_note and the widgets' ux15 build theirs)."""
    path = tmp_path / "sk.otlp.jsonl"
    _write(
        path,
        "WID-7: 120 units at LIS, 80 at OPO; restock in 14 days.",
        STOCK,
        root_status={"code": "STATUS_CODE_OK"},
        fail_first=True,
    )
    ws = wb.open()
    assert ws.ingest(path).quarantined == 0
    found = detect(ws)
    silent = found[found.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("writer", "critical")]
    return ws, ws.sql("SELECT run_id FROM runs").fetchall()[0][0]


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> tuple[wb.Workspace, str]:
    """The run, detected, once for the module: each test writes its verdicts into a copy of its own
    (``Workspace.copy()``; a store and a detect each before, suite54)."""
    return _store(tmp_path_factory.mktemp("lead19"))


@pytest.fixture()
def store(detected: tuple[wb.Workspace, str]) -> tuple[wb.Workspace, str]:
    ws, run = detected
    return ws.copy(), run


def _verdict(ws, run: str, method: str, target: str, uncertain: bool, at: str) -> None:  # noqa: ANN001
    ws.con.execute(
        "INSERT INTO attributions (run_id, method, unit, target, value, params, created_at) "
        "VALUES (?, ?, 'verdict', ?, 0.5, ?, ?::TIMESTAMP)",
        [run, method, target, json.dumps({"uncertain": uncertain}), at],
    )


def test_a_log_only_culprit_other_than_the_first_stater_is_pointed_out(
    store: tuple[wb.Workspace, str],
) -> None:
    ws, run = store
    _verdict(ws, run, "blame_model", "analyst", True, "2026-01-01 00:00:00")
    [(r, culprit, uncertain, agent, step, detail)] = lineage_disagreements(ws)
    assert (r, culprit, uncertain, agent) == (run, "analyst", True, "writer")
    assert step and "first stated by writer" in detail
    note = lineage_note(ws)
    assert "model names analyst (uncertain)" in note and "traces the wrong answer to writer" in note
    assert step in note


def test_no_note_when_they_agree_or_a_replay_decided(store: tuple[wb.Workspace, str]) -> None:
    ws, run = store
    assert lineage_note(ws) == ""  # no verdict yet
    _verdict(ws, run, "blame_model", "writer", False, "2026-01-01 00:00:00")
    assert lineage_note(ws) == ""  # the model agrees with the finding
    _verdict(ws, run, "blame_model", "analyst", False, "2026-01-02 00:00:00")
    assert "model names analyst, but" in lineage_note(ws)  # its latest verdict is what the table shows
    _verdict(ws, run, "shapley", "analyst", False, "2026-01-01 00:00:00")
    assert lineage_note(ws) == ""  # a replay verdict outranks the model and is evidence
