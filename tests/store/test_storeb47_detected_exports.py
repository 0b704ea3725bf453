"""An export carries which runs the detectors ran on (``detected``) and the stamps they left in ``meta``; a copy and a
snapshot keep those stamps; a snapshot into a folder is refused before anything is copied (storeb47).

Before: a store detected with a user's own settings, exported and merged into another store (or opened with
``wb.open(folder)`` and copied), had findings and no marks, so the first ``frame()`` / prediction / explorer build
(``detect="auto"``) took its runs for never detected and replaced their findings with the default settings' (found
at round 46's merge). An export written before holds no marks: its runs that arrive with findings are marked detected
as migration 5 marks a store's (settings NULL), the others detected when asked. Counted by the detectors' calls.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import StoreError

_heuristics = importlib.import_module("workbench.attribution._heuristics")
_snapshot = importlib.import_module("workbench.store._snapshot")
T0 = 1_767_225_600_000_000_000
RUNS = ["looped", "quiet", "stormy"]
FINDINGS = "SELECT run_id, detector, step_id, detail FROM findings ORDER BY ALL"
MARKS = "SELECT run_id, detector, settings FROM detected ORDER BY ALL"
# (the defaults find a loop in "looped" and a per-agent storm in "stormy": these settings find neither)
OWN = {"loop_min_turns": 4, "max_tool_calls_agent": 11}


# one call of the agent's tool, the same arguments each time
_CALL = {
    "record": "step",
    "agent": "buyer",
    "kind": "tool",
    "tool": "price",
    "status": "ok",
    "input": {"item": "w"},
}


def _run(run_id: str, calls: int) -> list[dict]:
    """A failed run whose agent calls the same tool ``calls`` times a second apart."""
    steps = [
        dict(
            _CALL,
            run_id=run_id,
            step_id=f"s{i}",
            seq=i,
            started_at=T0 + i * 10**9,
            ended_at=T0 + i * 10**9 + 10**8,
        )
        for i in range(calls)
    ]
    return [{"record": "run", "run_id": run_id, "outcome": "failure"}, *steps]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[wb.Workspace, Path, Path]:
    """A store detected with the user's own settings; its export; the same export as an earlier workbench wrote it
    (no detected folder)."""
    src = wb.open()
    src.ingest([*_run("looped", 3), *_run("quiet", 1), *_run("stormy", 12)], progress=False)
    wb.detect(src, config=OWN, progress=False)
    assert src.sql("SELECT DISTINCT run_id FROM findings").fetchall() == [("stormy",)]
    base = tmp_path_factory.mktemp("storeb47")
    new, old = src.export(base / "new"), base / "old"
    shutil.copytree(new, old)
    shutil.rmtree(old / "detected", ignore_errors=True)  # (an export of main d55e8cad has none)
    return src, new, old


@pytest.fixture
def ran(monkeypatch) -> list[list[str]]:
    """The runs each call of the detectors that ``detect="auto"`` makes is given."""
    calls: list[list[str]] = []
    detect = _heuristics.run_detectors
    monkeypatch.setattr(
        _heuristics,
        "run_detectors",
        lambda w, runs, **k: (calls.append(sorted(runs)), detect(w, runs, **k))[1],
    )
    return calls


def _vocab(ws: wb.Workspace) -> list[tuple]:
    return ws.sql("SELECT value FROM meta WHERE key = 'detect_vocab'").fetchall()


def test_a_merged_export_keeps_its_runs_detected_with_their_own_settings(exported, ran) -> None:
    src, new, _ = exported
    ws = wb.open()
    ws.ingest(new, progress=False)
    assert ws.sql(MARKS).fetchall() == src.sql(MARKS).fetchall()
    assert _vocab(ws) == _vocab(src), "a store that held no findings takes the export's vocabulary stamp"
    wb.BlameModel().frame(ws, RUNS)
    assert ran == [], "the merged runs were detected again with the default settings"
    assert ws.sql(FINDINGS).fetchall() == src.sql(FINDINGS).fetchall()
    # read in place and copied (the explorer's own copy of a read-only store): the same marks and stamp
    copy = wb.open(new).copy()
    assert copy.sql(MARKS).fetchall() == src.sql(MARKS).fetchall() and _vocab(copy) == _vocab(src)


def test_an_older_export_marks_the_runs_that_arrive_with_findings(exported, ran) -> None:
    src, _, old = exported
    ws = wb.open()
    ws.ingest(old, progress=False)
    assert ws.sql("SELECT DISTINCT run_id, settings FROM detected").fetchall() == [("stormy", None)]
    _heuristics.ensure_findings(ws, RUNS, "auto")  # (what frame() / predict / the explorer ask first)
    assert ran == [["looped", "quiet"]], (
        "only the runs without findings are detected (they may never have been)"
    )
    stormy = FINDINGS.replace("ORDER", "WHERE run_id = 'stormy' ORDER")
    assert ws.sql(stormy).fetchall() == src.sql(stormy).fetchall(), "the export's findings were replaced"
    assert wb.open(old).sql("SELECT DISTINCT run_id, settings FROM detected").fetchall() == [("stormy", None)]


def test_findings_of_two_vocabularies_keep_no_stamp(exported) -> None:
    _, new, _ = exported
    ws = wb.open()
    # (a finding and the stamp of a store detected with another vocabulary, as wb.detect writes them; its run's steps
    # are no matter here)
    ws.sql("INSERT INTO findings (run_id, step_id, agent, detector) VALUES ('other', 's0', 'buyer', 'loop')")
    ws.sql("INSERT INTO meta VALUES ('detect_vocab', '7:1234')")
    ws.ingest(new, progress=False)
    assert _vocab(ws) == [], "the store's stamp said the export's findings were found with its vocabulary"


def test_a_copy_and_a_snapshot_keep_the_detectors_stamps(exported, tmp_path) -> None:
    src, _, _ = exported
    meta = "SELECT key, value FROM meta ORDER BY key"
    with wb.open(src.snapshot(tmp_path / "s.duckdb"), read_only=True) as snap:
        assert snap.sql(meta).fetchall() == src.sql(meta).fetchall()


def test_a_snapshot_into_a_folder_is_refused_before_the_copy(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(_snapshot, "copy_tables", lambda *a: pytest.fail("the store was copied"))
    ws = wb.open()
    with pytest.raises(StoreError, match="it is a folder"):
        ws.snapshot(tmp_path)
    with pytest.raises(StoreError, match="names a folder"):
        ws.snapshot(f"{tmp_path / 'snaps'}/")
    assert list(tmp_path.iterdir()) == []
