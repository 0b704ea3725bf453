"""The ``detected`` marks (schema 5) say a run's detectors ran since the run last changed: an ingest drops the marks
of the runs it touches (``refresh_runs.sql``'s section detected), and ``detect="auto"`` (``ensure_findings``) skips
a marked run. ``wb.detect`` computes its findings and writes its marks in one transaction on its own cursor
(``detect/_runner.py``: ``_detect`` then ``_store``), which reads the store as it was when the transaction began.
An ingest committed meanwhile by another thread (``ws._here()``'s per-thread cursors make exactly that work: a
notebook ingesting in a background thread while a cell detects) drops the run's marks, which do not exist yet, and
then ``_store`` inserts marks for the run as its snapshot saw it. The run is marked detected with the findings of
its old steps, and ``detect="auto"`` never looks at it again: here a loop of five identical tool calls that came in
mid-detect is never found (a store given both files before detecting finds it). attack47's strict xfail, made a
plain test by race47: ``wb.detect`` holds the workspace's write lock from its read to its store, so the ingest
waits for it (``TellingLock`` tells the test it waits) and then drops the marks the detect wrote."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from _attack47_runs import TellingLock, loop_run, write_meanwhile, writer

import workbench as wb
from workbench.attribution._heuristics import ensure_findings


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# ("two opens": the ingest through a second wb.open of the store's file, a notebook's open cell run again while a
# thread still works through the first workspace; both share the file's write lock, workspace.py's _write_lock)
@pytest.mark.parametrize("two_opens", [False, True], ids=["one workspace", "two opens of one file"])
def test_an_ingest_committed_while_detect_runs_leaves_the_run_undetected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, two_opens: bool
) -> None:
    records = loop_run()
    first = _write(tmp_path / "a.jsonl", records[:2])  # (the run and its planning step)
    later = _write(tmp_path / "b.jsonl", records[2:])  # (five calls of one tool, one answer: a loop)
    ws = wb.open(tmp_path / "s.duckdb" if two_opens else None)
    ws.ingest(first, progress=False)
    other = wb.open(tmp_path / "s.duckdb") if two_opens else ws
    failed: list[BaseException] = []
    moved = threading.Event()  # (the ingest ended, or waits for the detect's lock)
    monkeypatch.setattr(ws, "_writes", TellingLock(ws._writes, moved))
    if two_opens:
        monkeypatch.setattr(other, "_writes", TellingLock(other._writes, moved))

    thread = writer(lambda: other.ingest(later, progress=False), moved, failed)
    write_meanwhile(monkeypatch, thread, moved)
    wb.detect(ws, ["r1"], detectors=["loop"], progress=False)  # (one detector: the test's CPU)
    thread.join()
    assert failed == [] and ws.count("steps") == 6
    # (what every view and BlameModel.predict ask before reading findings)
    ensure_findings(ws, ["r1"], "auto")
    assert ws.sql("SELECT detector FROM findings").fetchall() == [("loop",)]
