"""The first of two duplicate steps is the first in the input, whichever reader path staged it first."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

RUN = json.dumps({"record": "run", "run_id": "r1", "outcome": "success"})
# A key given twice sends a line to the Python reader (the typed reader may read it leniently); Python
# keeps the last value, so this step is named "slow". The same step without it takes the SQL fast path.
SLOW = ('{"record":"step","run_id":"r1","step_id":"a","kind":"agent","agent":"planner",'
        '"name":"x","name":"slow","started_at":"2026-01-01T00:00:00Z"}')
FAST = ('{"record":"step","run_id":"r1","step_id":"a","kind":"agent","agent":"planner",'
        '"name":"fast","started_at":"2026-01-01T00:00:00Z"}')
CHILD = ('{"record":"step","run_id":"r1","step_id":"b","parent_id":"a","kind":"llm","name":"x",'
         '"started_at":"2026-01-01T00:00:01Z"}')


def _kept_and_rejected(ws: wb.Workspace) -> tuple[list, list]:
    kept = ws.sql("SELECT name, line FROM steps WHERE step_id = 'a'").fetchall()
    rejected = ws.sql("SELECT line, reason FROM quarantine").fetchall()
    return kept, rejected


def test_the_first_in_the_file_is_kept_when_the_python_reader_read_it(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([RUN, SLOW, FAST, CHILD]) + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    kept, rejected = _kept_and_rejected(ws)
    assert kept == [("slow", 2)]
    assert len(rejected) == 1 and rejected[0][0] == 3
    assert rejected[0][1].startswith("duplicate step id a in run r1") and rejected[0][1].endswith("line 2)")
    # the child hangs from the kept step
    assert ws.sql("SELECT agent, depth FROM steps WHERE step_id = 'b'").fetchall() == [("planner", 1)]


def test_the_first_file_read_wins_over_a_later_file(tmp_path: Path) -> None:
    first, second = tmp_path / "b_first.jsonl", tmp_path / "a_second.jsonl"  # names sort the other way
    first.write_text("\n".join([RUN, SLOW]) + "\n")
    second.write_text("\n".join([FAST, CHILD]) + "\n")
    ws = wb.open()
    report = ws.ingest([first, second])
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    kept, rejected = _kept_and_rejected(ws)
    assert kept == [("slow", 2)]
    assert rejected[0][0] == 1 and "b_first.jsonl line 2)" in rejected[0][1]
    # ingesting both again adds nothing, and quarantines nothing twice
    again = ws.ingest([first, second])
    assert again.added == 0 and ws.count("quarantine") == 1 and ws.count("steps") == 2
