"""``wb.detect`` promises "findings of the same detectors for the same runs are replaced, not duplicated", and
round 46 made it callable from any thread (``ws._here()``: a cursor per thread). Two detect calls of one store at
once (a notebook's cell and a background thread, two explorer widgets, a scheduled job beside a user) each run in
a transaction of their own (``detect/_runner.py``): each deletes the findings and ``detected`` marks its snapshot
saw and inserts its own. When one commits while the other's transaction is open:

- with detectors that write no ``meta`` row (``detectors=["loop"]``): both commit, and every finding and mark is
  stored twice (the loop of each run counted twice in every view, evaluation and export);
- with a detector reading the store's vocabulary (``silent_failure``, ``cascade``; every call with the defaults):
  the later call fails with DuckDB's bare ``ConstraintException`` ('Duplicate key "key:
  detect_vocab" violates primary key constraint'), which names no workbench call and is no ``StoreError``.

The second call is run from inside the first one's write (``_runner._store``), in a thread the first waits for
until it ends or waits for the workspace's write lock (``TellingLock``), so the overlap depends on no timing.
attack47's strict xfails, made plain tests by race47: ``wb.detect`` reads, computes and stores under the
workspace's write lock (the one its ingests take), so the second call waits for the first and replaces its
findings."""

from __future__ import annotations

import threading

import pytest
from _attack47_runs import TellingLock, loop_run, write_meanwhile, writer

import workbench as wb


@pytest.mark.parametrize("detectors", [["loop"], ["loop", "silent_failure"]], ids=["loop", "worded"])
def test_two_detect_calls_at_once_store_each_finding_once(
    detectors: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = wb.open()
    ws.ingest(loop_run("r0") + loop_run("r1"), progress=False)
    errors: list[BaseException] = []
    moved = threading.Event()  # (the other call ended, or waits for this one's lock)
    monkeypatch.setattr(ws, "_writes", TellingLock(ws._writes, moved))

    other = writer(lambda: wb.detect(ws, detectors=detectors, progress=False), moved, errors)
    write_meanwhile(monkeypatch, other, moved)
    wb.detect(ws, detectors=detectors, progress=False)
    other.join()
    # both calls stored (the later after the earlier), and the store holds each finding and mark once
    assert [repr(e) for e in errors] == []
    assert sorted(ws.sql("SELECT run_id, detector FROM findings").fetchall()) == [
        ("r0", "loop"),
        ("r1", "loop"),
    ]
    marks = ws.sql(
        "SELECT run_id, detector, count(*) FROM detected GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    assert marks == []
