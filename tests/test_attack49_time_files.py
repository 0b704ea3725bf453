"""The general time rule's middle time of a run (``ingest/_time_units.py`` ``time_centers``), after mend48 (attack48's
A2): it is taken per file and run, from the file's staged times and the times the store holds for the run. A run
whose records lie in two files (a rotated log: ``ws.ingest("logs/")``, ``ws.ingest([a, b])``) given in *one* call
gets the second file's middle time from that file alone, not from the first file's staged times beside it: the odd
step (``4000000000``: 2096 in seconds) is its own middle and is stored in 2096, the run 70 years long; the same two
files in two calls, or as one file, store it without a time. One call of two files must read as the two calls do.
attack49's (strict xfail, mended by mend49: the middle time takes the run's staged times in every file of the
call; the records are attack48's)."""

from __future__ import annotations

import json
from pathlib import Path

from test_attack48_time_split import _records, _times


def test_a_runs_two_files_in_one_call_read_as_in_two_calls(tmp_path: Path) -> None:
    records = _records()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in records[:5]), encoding="utf-8")
    second.write_text("".join(json.dumps(r) + "\n" for r in records[5:]), encoding="utf-8")
    two_calls = _times([first, second])
    assert dict(two_calls)["s4"] is None  # (the rule, as the whole file reads it)
    assert _times([[first, second]]) == two_calls
