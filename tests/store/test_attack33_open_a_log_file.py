"""``wb.open`` on a log file (a careless ``wb.open("traces.jsonl")`` for ``wb.open_path``) is refused.

On e352347 DuckDB opened an existing ``.jsonl`` (or ``.csv``) as a database in memory holding that file: the
workspace was writable, ingests went into memory, and everything was gone when it closed, the trace file untouched,
nothing said. ``wb.open_path(trace, db=trace)`` did the same."""

from __future__ import annotations

import json

import pytest

import workbench as wb


def test_a_log_file_is_no_store(tmp_path) -> None:  # noqa: ANN001
    trace = tmp_path / "traces.jsonl"
    trace.write_text(json.dumps({"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm"}) + "\n")
    table = tmp_path / "runs.csv"
    table.write_text("run_id,outcome\nr1,failure\n")
    for path in (trace, table):
        with pytest.raises(wb.StoreError, match="not a workbench store"):
            wb.open(path)
        with pytest.raises(wb.StoreError):  # (DuckDB's own words: no database in memory is read-only)
            wb.open(path, read_only=True)
    with pytest.raises(wb.StoreError, match="wb.open_path"):
        wb.open_path(trace, db=trace)
    with wb.open_path(trace) as ws:  # what was meant: a store beside it
        assert ws.path != trace and ws.count("steps") == 1
    with wb.open(tmp_path / "new.jsonl") as ws:  # a new file of any name is a new store
        assert ws.count("runs") == 0
