"""A folder holding the same spans twice (an OTLP file and the console exporter's print of the same run,
an MLflow trace and the list it sits in), ingested into a fresh store, reported "stored 48 (24 new)":
read as half the records lost or already there. The report now says what the rest are."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def test_fresh_store_with_a_file_given_twice_says_what_the_non_new_records_are(tmp_path: Path) -> None:
    lines = [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "agent": "pricer",
            "kind": "llm",
            "status": "ok",
            "started_at": f"2026-01-01T00:00:0{i}Z",
        }
        for i in range(3)
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    for name in ("a.jsonl", "copy_of_a.jsonl"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = wb.open().ingest(tmp_path, progress=False)
    assert (report.read, report.stored, report.added) == (6, 6, 3)
    assert "stored 6 (3 new steps; 3 already stored, given twice in this call, or log records" in str(report)
    assert "(3 new steps; 3 already stored" in report._repr_html_()


def test_nothing_else_said_when_every_record_is_new(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"run_id": "r1", "step_id": "s1", "kind": "llm", "status": "ok"}\n', encoding="utf-8"
    )
    assert "stored 1 (1 new step), quarantined 0" in str(wb.open().ingest(tmp_path, progress=False))
