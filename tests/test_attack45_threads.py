"""A notebook that runs ``wb.detect(ws)`` in a thread and queries ``ws`` meanwhile (store44's case for ingest,
fixed by ``store/_thread_cursors.py``): ``detect`` works on a cursor of its own, but first asks ``ws.con`` itself
whether a transaction is open (``_transaction.in_transaction``) and counts the steps (``ws.count``) there, from
the other thread: whichever of the two calls comes second failed "connection is busy" (5 of 5 tries with the
query loop below). attack45's strict xfail, a plain test since store46: detect (and attribute's writes) ask the
calling thread's connection (``ws._here()``: its cursor in any thread but the owner's). One four-step run."""

from __future__ import annotations

import threading
from pathlib import Path

from _attack44_logs import run_records, write_log

import workbench as wb


def test_detect_in_a_thread_while_the_notebook_queries(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(
        write_log(tmp_path / "run.jsonl", run_records(["planner", "pricer", "writer"], tool_at=1)),
        progress=False,
    )
    errors: list[str] = []
    done = threading.Event()

    def detect() -> None:
        try:
            wb.detect(ws)
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            errors.append(f"detect: {type(exc).__name__}: {exc}")
        finally:
            done.set()

    worker = threading.Thread(target=detect)
    worker.start()
    while not done.is_set():  # the notebook's next cell: queries while the detectors run
        try:
            ws.sql("SELECT count(*) FROM steps").fetchall()
        except Exception as exc:  # noqa: BLE001
            errors.append(f"query: {type(exc).__name__}: {exc}")
            break
    worker.join()
    assert not errors, errors
    assert ws.sql("SELECT count(*) FROM findings").fetchall()[0][0] >= 0
