"""The store's ``detected`` marks (fixed46, schema 5): ``detect="auto"`` tells a run the detectors found nothing in from
a run never detected, and a run an ingest call touched since is detected again.

Before, "auto" took a run without findings for one never detected and ran every detector on it again at each frame,
prediction and explorer build; and a run with findings for one detected, even once a later call had extended it.
Counted by the calls of the detectors, not by the clock.
"""

from __future__ import annotations

import importlib

import duckdb
import pytest
from _built import once

import workbench as wb

_heuristics = importlib.import_module("workbench.attribution._heuristics")
T0 = 1_767_225_600_000_000_000


def _run(run_id: str, calls: int, first: int = 0) -> list[dict]:
    """A run whose agent calls the same tool ``calls`` times with the same arguments (two or more: a loop; over 25:
    a storm), steps numbered from ``first``."""
    recs: list[dict] = [{"record": "run", "run_id": run_id, "outcome": "failure"}] if not first else []
    for i in range(first, first + calls):
        recs.append(
            {
                "record": "step",
                "run_id": run_id,
                "step_id": f"s{i}",
                "seq": i,
                "agent": "buyer",
                "kind": "tool",
                "tool": "price",
                "status": "ok",
                "started_at": T0 + i * 10**9,
                "ended_at": T0 + i * 10**9 + 10**8,
                "input": {"item": "widget"},
                "output": {"price": 12},
            }
        )
    return recs


def _detected_master() -> wb.Workspace:
    """A store of a run with findings (a loop) and a run with none, detected: built once per process
    (tests/_built.py; an ingest and every detector, ~1 CPU s), never handed out itself."""

    def build() -> wb.Workspace:
        ws = wb.open()
        ws.ingest([*_run("looped", 2), *_run("quiet", 1)], progress=False)
        wb.detect(ws, progress=False)
        return ws

    return once(("fixed46", "detected"), build)


@pytest.fixture
def detected(monkeypatch) -> tuple[wb.Workspace, list[list[str]]]:
    """A copy of the detected store of its own (the tests write to it); and the runs "auto" detects from then."""
    ws = _detected_master().copy()
    assert ws.sql("SELECT DISTINCT run_id FROM findings").fetchall() == [("looped",)]
    ran: list[list[str]] = []
    detect = _heuristics.run_detectors
    monkeypatch.setattr(
        _heuristics, "run_detectors", lambda w, runs, **k: (ran.append(sorted(runs)), detect(w, runs, **k))[1]
    )
    return ws, ran


def test_a_run_found_with_nothing_is_not_detected_again_until_a_call_touches_it(detected) -> None:
    ws, ran = detected
    model = wb.BlameModel()
    model.frame(ws, ["looped", "quiet"])
    assert ran == [], "a run the detectors found nothing in was detected again"
    # more of the run with findings: 30 more calls of the tool, a storm its stored findings do not hold
    ws.ingest(_run("looped", 30, first=2), progress=False)
    X = model.frame(ws, ["looped", "quiet"])
    assert ran == [["looped"]], (
        "the run a later call extended was not detected again (its findings were stale)"
    )
    assert ("storm",) in ws.sql("SELECT DISTINCT detector FROM findings WHERE run_id = 'looped'").fetchall()
    assert X.loc[X["run_id"] == "looped", "det_hits"].max() > 0
    # a label is a change the detectors read (reported.sql reads the outcome)
    ws.label("quiet", outcome="success")
    model.frame(ws, ["looped", "quiet"])
    assert ran == [["looped"], ["quiet"]]


def test_marks_keep_the_settings_and_auto_keeps_a_users_own(detected) -> None:
    ws, ran = detected
    wb.detect(ws, ["quiet"], detectors=["loop"], config={"loop_min_turns": 3})
    marks = dict(ws.sql("SELECT detector, count(DISTINCT settings) FROM detected GROUP BY ALL").fetchall())
    assert marks["loop"] == 2 and marks["storm"] == 1, "the run detected with other settings is told apart"
    wb.BlameModel().frame(ws, ["looped", "quiet"])
    assert ran == [], "a run the user detected with their own settings was detected again with the defaults"
    # a run marked by some detectors only is detected by the others, those only
    ws.sql("DELETE FROM detected WHERE run_id = 'quiet' AND detector IN ('storm', 'retry')")
    seen: list[list[str]] = []
    detect = _heuristics.run_detectors
    _heuristics.run_detectors = lambda w, runs, **k: (seen.append(k["detectors"]), detect(w, runs, **k))[1]
    try:
        wb.BlameModel().frame(ws, ["looped", "quiet"])
    finally:
        _heuristics.run_detectors = detect
    assert seen == [["retry", "storm"]]


def test_a_store_of_schema_4_is_migrated_and_read_only_read_as_it_is(tmp_path) -> None:
    db = _detected_master().snapshot(tmp_path / "s.duckdb")  # (the store as an ingest and detect wrote it)
    with duckdb.connect(
        str(db)
    ) as con:  # as the release before wrote it: no detected table, schema version 4
        con.execute("DROP TABLE detected; UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with wb.open(db, read_only=True) as old:
        assert old.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("4",)]
        assert not wb.BlameModel().frame(old, ["looped", "quiet"]).empty
        copy = old.snapshot(tmp_path / "copy.duckdb")
    with wb.open(db) as ws:
        assert ws.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("5",)]
        # the runs with findings taken as detected, as "auto" took them; settings unknown
        assert ws.sql("SELECT DISTINCT run_id, settings FROM detected").fetchall() == [("looped", None)]
        assert ws.sql("SELECT count(*) FROM detected").fetchall() == [(9,)]
        ws.snapshot(tmp_path / "copy5.duckdb")
    for path in (copy, tmp_path / "copy5.duckdb"):
        with wb.open(path, read_only=True) as snap:
            assert snap.sql("SELECT DISTINCT run_id FROM detected").fetchall() == [("looped",)], path


def test_drift_reads_no_agent_rows_of_a_store_of_too_few_runs(monkeypatch) -> None:
    drift = importlib.import_module("workbench.detect._drift")
    monkeypatch.setattr(drift, "_AGENT_RUNS", "SELECT no_such_column FROM runs")
    ws = wb.open()
    ws.ingest(_run("quiet", 1), progress=False)
    assert wb.detect(ws, detectors=["drift"], progress=False).empty
    assert (
        '"pairs_tested": 0' in ws.sql("SELECT value FROM meta WHERE key = 'drift_checked'").fetchall()[0][0]
    )
