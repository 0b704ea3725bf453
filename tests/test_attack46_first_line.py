"""One bad record costs only itself, and read = stored + quarantined with the file and line named; but a native
JSONL log whose *first* line is broken (a file cut at a byte offset, ``split -b``, ``tail -c``, a log rotated by
size mid-record, so it starts with the end of a record) is refused whole: "not in any known format", nothing read.
The sniff (``ingest/native.py``'s ``sniff``) judges the file by its first line alone (``format="native"`` reads it right). An OTLP JSONL file whose first line is cut
the same way is read (that line quarantined, the rest stored), and the native file with the cut line last is too.
attack46's strict xfail (not of round 45: main and the release before do the same)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _attack44_logs import run_records

import workbench as wb


@pytest.mark.xfail(
    strict=True,
    reason="attack46: the native sniff reads the first line only: a native JSONL log starting with the tail of a "
    "cut record is FormatError 'not in any known format', nothing read (OTLP JSONL quarantines that line)",
)
def test_a_native_log_whose_first_line_is_cut_loses_only_that_line(tmp_path: Path) -> None:
    records = run_records(["planner", "pricer"])
    path = tmp_path / "cut.jsonl"
    path.write_text(
        '00:00.5Z", "agent": "writer", "kind": "llm"}\n' + "".join(json.dumps(r) + "\n" for r in records),
        encoding="utf-8",
    )
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (len(records) + 1, len(records), 1)
    assert ws.quarantine()[["file", "line"]].values.tolist() == [[str(path), 1]]
