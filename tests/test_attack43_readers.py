"""Readers beside a writer, as the README's "Reading while another process writes" tells them to read.

* A notebook that opens the writer's snapshot again (``wb.open(snap, read_only=True)`` in a loop, the earlier handle
  still open) got the copy it first opened, however often the writer replaced the file: DuckDB hands a second
  connect of one path in a process the database it already holds (its instance cache), so the new snapshot
  was never read in that kernel.
* A writer that finds the file held by a *reader* (another kernel's ``wb.open(path, read_only=True)``) was told the
  file "is open for writing in process N", and to read a snapshot that process writes: that process writes
  nothing; it is the reader to close.
Both were in workbench/store/_connection.py's connect_file (attack43's strict xfails; store44 fixed them)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import StoreLockedError


def _log(tmp_path: Path, run: str) -> Path:
    path = tmp_path / f"{run}.jsonl"
    path.write_text(
        json.dumps(
            {
                "record": "step",
                "run_id": run,
                "step_id": "s1",
                "agent": "planner",
                "kind": "llm",
                "started_at": "2026-01-05T10:00:00Z",
                "ended_at": "2026-01-05T10:00:01Z",
            }
        )
        + "\n"
    )
    return path


def test_a_snapshot_opened_again_reads_the_new_copy(tmp_path: Path) -> None:
    writer = wb.open(tmp_path / "store.duckdb")
    snap = tmp_path / "snap.duckdb"
    writer.ingest(_log(tmp_path, "r1"), progress=False)
    writer.snapshot(snap)
    first = wb.open(snap, read_only=True)
    assert first.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]
    writer.ingest(_log(tmp_path, "r2"), progress=False)
    writer.snapshot(snap)
    again = wb.open(snap, read_only=True)
    assert first.sql("SELECT count(*) FROM runs").fetchall() == [
        (1,)
    ]  # (the copy it opened, as the README says)
    assert again.sql("SELECT count(*) FROM runs").fetchall() == [(2,)]


def test_a_writer_blocked_by_a_reader_is_told_it_is_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    wb.open(db).ingest(_log(tmp_path, "r1"), progress=False)
    ready = tmp_path / "ready"
    code = (
        "import sys, time, workbench as wb; ws = wb.open(sys.argv[1], read_only=True); "
        "open(sys.argv[2], 'w').close(); time.sleep(60)"
    )
    reader = subprocess.Popen([sys.executable, "-c", code, str(db), str(ready)])
    try:
        for _ in range(600):  # (waits for the reader to hold the file: counts polls, not seconds)
            if ready.exists() or reader.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists()
        with pytest.raises(StoreLockedError) as err:
            wb.open(db)
        text = " ".join(str(err.value).split())
        assert f"process {reader.pid}" in text
        assert "open for writing" not in text and "read-only" in text
    finally:
        reader.kill()
        reader.wait()
