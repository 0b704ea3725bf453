"""``ws.snapshot(path)`` replaces ``path`` atomically, whatever it is: given the log a user means to keep (a slip of
tab completion: ``ws.snapshot("traces.jsonl")``), it writes the store over it, and the log is gone (the store keeps
the log's steps, not the file: its other lines, the quarantined ones, the bytes as written). The method is there to
replace a reader's earlier snapshot; ``store/_snapshot.py::snapshot_to_file`` never looks at what it replaces.
attack45's strict xfail, fixed by route45: a file that is no DuckDB database is refused, naming it, and left as it
was."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from _attack44_logs import run_records, write_log

import workbench as wb


def test_a_snapshot_does_not_replace_a_file_that_is_no_store(tmp_path: Path) -> None:
    log = write_log(tmp_path / "traces.jsonl", run_records(["planner", "pricer"]))
    before = log.read_bytes()
    ws = wb.open()  # (empty: what it holds does not matter here)
    try:
        ws.snapshot(log)
    except wb.WorkbenchError as exc:  # refused, naming the file: the log stays
        assert str(log) in str(exc)
    assert log.read_bytes() == before, "the log was replaced by a DuckDB file"


def test_a_snapshot_replaces_a_store_refuses_another_database_and_replaces_a_log_when_told(
    tmp_path: Path,
) -> None:
    """route45: an earlier snapshot is replaced as before; another program's DuckDB database is refused as a log
    is; ``replace=True`` replaces either."""
    ws = wb.open()  # (empty: what it holds does not matter here)
    snap = tmp_path / "snap.duckdb"
    ws.snapshot(snap)
    assert ws.snapshot(snap) == snap  # (a store: replaced)
    other = tmp_path / "inventory.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE runs (id INTEGER, note VARCHAR)")
    con.close()
    before = other.read_bytes()
    with pytest.raises(wb.StoreError, match="replace=True") as info:
        ws.snapshot(other)
    assert str(other) in str(info.value) and other.read_bytes() == before
    log = write_log(tmp_path / "run.jsonl", run_records(["planner"]))
    ws.snapshot(log, replace=True)
    assert log.read_bytes()[8:12] == b"DUCK"  # (a DuckDB file's magic bytes)
