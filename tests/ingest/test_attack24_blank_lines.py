"""Blank lines in a JSONL file read by the SQL fast path (ingest/_line_table.block_table) are told apart in numpy
(attack24: one by one in Python, 20M blank lines after a line over the limit cost 11 CPU s, 6 now; 100 MB of
newlines gzip to 100 KB). A guard that every shape of blank line is still dropped and the line numbers of the
records after them kept (it passes on 8264856 too: the change is speed, measured in /work/wt/_notes/attack24.md)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def test_attack24_blank_lines_dropped_line_numbers_kept(tmp_path: Path) -> None:
    rec = {"record": "step", "run_id": "r1", "kind": "llm", "input": "x" * 200}
    lines = []
    for i in range(400):  # (over 64 KB: the SQL path reads it)
        lines.append(json.dumps({**rec, "step_id": f"s{i}"}))
        lines.append(["", "\r", " ", " \t ", "\x0c", "   \r"][i % 6])
    lines.append('{"record": "step", "run_id": "r1", "step_id": "bad", ')  # broken, after all the blank lines
    lines.append("  " + json.dumps({**rec, "step_id": "indented"}))  # starts with whitespace, not blank
    path = tmp_path / "steps.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 64 * 1024
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (402, 401, 1)
    assert rep.errors[0].split(": ", 1)[0].endswith(f"steps.jsonl:{len(lines) - 1}")
    assert ws.sql(
        "SELECT line FROM steps WHERE step_id IN ('s0', 's399', 'indented') ORDER BY line"
    ).fetchall() == [(1,), (799,), (802,)]
