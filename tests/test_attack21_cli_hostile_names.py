"""``workbench ingest --list-skipped`` on files whose names hold a line break or a terminal escape: each file
is one line, and nothing from a name reaches the terminal as a control (a name "a\\nread 999 records" printed a
line of its own, under the report's, that the report never said)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main

NAMES = ["a\nread 999 records: stored 999", "b\x1b]0;pwned\x07.txt", "c\r.txt"]


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    root.mkdir()
    (root / "ok.jsonl").write_text(json.dumps({"run_id": "ra", "step_id": "s1", "kind": "llm"}) + "\n")
    for name in NAMES:
        (root / name).write_text("not a log\n")
    return root


def test_each_skipped_file_is_one_clean_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _folder(tmp_path)
    assert main(["ingest", str(root), "--db", str(tmp_path / "a.duckdb"), "--quiet", "--list-skipped"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    # the forged line is nowhere a line of its own: not in the report, not in the list
    assert not any(ln.startswith("read 999") for ln in lines), out
    listed = out.split("skipped files (3):")[1].splitlines()[1:]
    assert len(listed) == 3 and all(ln.endswith("not in any known format") for ln in listed), out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out


def test_python_report_text_names_each_skipped_file_on_its_line(tmp_path: Path) -> None:
    text = str(wb.open().ingest(_folder(tmp_path), progress=False))
    assert not any(ln.startswith("read 999") for ln in text.splitlines()), text
