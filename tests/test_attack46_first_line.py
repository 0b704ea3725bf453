"""One bad record costs only itself, and read = stored + quarantined with the file and line named; but a native
JSONL log whose *first* line is broken (a file cut at a byte offset, ``split -b``, ``tail -c``, a log rotated by
size mid-record, so it starts with the end of a record) is refused whole: "not in any known format", nothing read.
The sniff (``ingest/native.py``'s ``sniff``) judges the file by its first line alone (``format="native"`` reads it right). An OTLP JSONL file whose first line is cut
the same way is read (that line quarantined, the rest stored), and the native file with the cut line last is too.
attack46's strict xfail (not of round 45: main and the release before do the same), made a test by realb46: a
broken first line that ends as a record does (``}``) is judged by the line after it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _attack44_logs import run_records

import workbench as wb


def test_a_native_log_whose_first_line_is_cut_loses_only_that_line(tmp_path: Path) -> None:
    records = run_records(["planner", "pricer"])
    whole = tmp_path / "whole.jsonl"
    whole.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    path = tmp_path / "cut.jsonl"
    path.write_text('00:00.5Z", "agent": "writer", "kind": "llm"}\n' + whole.read_text(), encoding="utf-8")
    ws, base = wb.open(), wb.open()
    report, expected = ws.ingest(path, progress=False), base.ingest(whole, progress=False)
    # (a run record is no step: read and stored count the steps)
    assert (report.read, report.stored, report.quarantined) == (expected.read + 1, expected.stored, 1)
    assert ws.quarantine()[["file", "line"]].values.tolist() == [[str(path), 1]]
    query = "SELECT run_id, step_id, agent, started_at FROM steps ORDER BY step_id"
    assert ws.sql(query).fetchall() == base.sql(query).fetchall() != []
    assert ws.sql("SELECT run_id, outcome FROM runs").fetchall() == [("r1", "failure")]


def test_a_broken_first_line_that_is_no_record_s_tail_still_refuses_the_file(tmp_path: Path) -> None:
    # (a file of another kind whose second line happens to be a native record: its first line does not end as a
    # record does)
    path = tmp_path / "notes.jsonl"
    path.write_text(
        "release notes, not a log\n" + json.dumps(run_records(["planner"])[1]) + "\n", encoding="utf-8"
    )
    with pytest.raises(wb.FormatError, match="not in any known format"):
        wb.open().ingest(path, progress=False)
