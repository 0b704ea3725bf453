"""Times the store keeps that the rest of the workbench refuses: a negative ``latency_ms`` in a native log (the hand
Guard raises on one, ux39's span guard judges it unknown, the backtest reads it as the fastest step of all), and a
step ending before it starts given by an export (a log gives it to quarantine: the driver's rule,
``tests/ingest/test_langfuse.py::test_ingest_bad_fixture_end_to_end``; the export's case fixed by storeb44 in
``store/sql/merge_export.sql``). Strict xfails naming the file at fault (attack44 fixes nothing in others' files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from _attack44_logs import run_records, write_log

import workbench as wb


def test_a_negative_latency_in_a_log_is_not_stored_as_a_time(tmp_path: Path) -> None:
    records = run_records(["planner", "pricer", "writer"], odd={"ended_at": None, "latency_ms": -5})
    log = write_log(tmp_path / "run.jsonl", records)
    ws = wb.open()
    report = ws.ingest(log, progress=False)
    assert report.read == report.stored + report.quarantined
    assert ws.sql("SELECT count(*) FROM steps WHERE latency_ms < 0").fetchall() == [(0,)]
    assert any("latency_ms" in text for text in [*report.errors, *report.notes]), (
        report.errors,
        report.notes,
    )


def test_an_export_step_ending_before_it_starts_is_quarantined_as_in_a_log(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(write_log(tmp_path / "run.jsonl", run_records(["planner", "pricer", "writer"])), progress=False)
    folder = ws.export(tmp_path / "export")
    (parquet,) = sorted((folder / "steps").rglob("*.parquet"))
    edited = tmp_path / "edited.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * REPLACE (CASE WHEN step_id = 's1' THEN started_at - INTERVAL 1 DAY ELSE ended_at END "
        "AS ended_at) FROM read_parquet(?)) TO '" + str(edited).replace("'", "''") + "' (FORMAT parquet)",
        [str(parquet)],
    )
    con.close()
    shutil.move(edited, parquet)
    merged = wb.open()
    report = merged.ingest(folder, progress=False)
    assert merged.sql("SELECT count(*) FROM steps WHERE ended_at < started_at").fetchall() == [(0,)]
    assert report.quarantined == 1 and any("ends before it starts" in e for e in report.errors), report.errors
    # (read = stored + quarantined; the error names the export's steps file and the step)
    assert report.read == report.stored + report.quarantined, report
    (error,) = [e for e in report.errors if "ends before it starts" in e]
    assert str(parquet) in error and "step s1 of run" in error, error
    assert merged.sql("SELECT count(*) FROM quarantine WHERE step_id = 's1'").fetchall() == [(1,)]
