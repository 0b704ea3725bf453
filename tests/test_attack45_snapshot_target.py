"""``ws.snapshot(path)`` replaces ``path`` atomically, whatever it is: given the log a user means to keep (a slip of
tab completion: ``ws.snapshot("traces.jsonl")``), it writes the store over it, and the log is gone (the store keeps
the log's steps, not the file: its other lines, the quarantined ones, the bytes as written). The method is there to
replace a reader's earlier snapshot; ``store/_snapshot.py::snapshot_to_file`` never looks at what it replaces.
attack45's strict xfail: a file that is no DuckDB database is refused, naming it, and left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb


@pytest.mark.xfail(
    strict=True,
    reason="attack45: store/_snapshot.py snapshot_to_file os.replace()s its target unconditionally: ws.snapshot "
    "over a JSONL log (no DuckDB file) destroys it",
)
def test_a_snapshot_does_not_replace_a_file_that_is_no_store(tmp_path: Path) -> None:
    log = write_log(tmp_path / "traces.jsonl", run_records(["planner", "pricer"]))
    before = log.read_bytes()
    ws = wb.open()  # (empty: what it holds does not matter here)
    try:
        ws.snapshot(log)
    except wb.WorkbenchError as exc:  # refused, naming the file: the log stays
        assert str(log) in str(exc)
    assert log.read_bytes() == before, "the log was replaced by a DuckDB file"
