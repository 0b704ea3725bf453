"""``workbench ingest`` on a folder with many files in no known format: the report names 5, says how many more
and how to see them all (``--list-skipped``), which prints every one with why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    root.mkdir()
    (root / "a.jsonl").write_text(
        json.dumps({"run_id": "ra", "step_id": "s1", "kind": "llm", "started_at": "2026-03-01T10:00:00Z"})
        + "\n"
    )
    for i in range(12):
        (root / f"notes{i:02d}.txt").write_text(f"not a log {i}\n")
    return root


def test_the_report_says_where_to_see_every_skipped_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _folder(tmp_path)
    assert main(["ingest", str(root), "--db", str(tmp_path / "a.duckdb"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "skipped 12: " in out and "… and 7 more (--list-skipped lists all 12)" in out, out
    assert "notes11.txt" not in out
    assert main(["ingest", str(root), "--db", str(tmp_path / "b.duckdb"), "--quiet", "--list-skipped"]) == 0
    out = capsys.readouterr().out
    assert "… and 7 more (all 12 listed below)" in out, out
    listed = [
        ln for ln in out.split("skipped files (12):")[1].splitlines() if "not in any known format" in ln
    ]
    assert len(listed) == 12 and "skipped files (12):" in out, out


def test_python_report_points_at_report_skipped(tmp_path: Path) -> None:
    report = wb.open().ingest(_folder(tmp_path), progress=False)
    assert "… and 7 more (report.skipped lists all 12)" in str(report), str(report)
    assert "… and 2 more (report.skipped lists all 12)" in report._repr_html_()
