"""``ws.export(folder)`` into a folder holding an earlier export (the README's ``store_parquet/``, written again):
DuckDB's partitioned write replaces the day folders it writes and leaves the others, so the days only the
earlier store held stayed, and ``wb.open(folder)`` / ``other.ingest(folder)`` read their runs and steps as this
store's, beside its own labels and findings (those tables are one file each, replaced)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _store(tmp_path: Path, run: str, day: str) -> wb.Workspace:
    logs = tmp_path / f"{run}.jsonl"
    logs.write_text(
        json.dumps(
            {
                "record": "step",
                "run_id": run,
                "step_id": "s1",
                "agent": "planner",
                "kind": "llm",
                "started_at": f"{day}T10:00:00Z",
                "ended_at": f"{day}T10:00:01Z",
            }
        )
        + "\n"
    )
    ws = wb.open()
    ws.ingest(logs, progress=False)
    return ws


def test_export_over_an_earlier_export_holds_this_store_only(tmp_path: Path) -> None:
    folder = tmp_path / "store_parquet"
    _store(tmp_path, "old", "2026-01-05").export(folder)
    mine = folder / "runs" / "README.txt"  # (a file of the user's own there is not the export's to remove)
    mine.write_text("kept")
    new = _store(tmp_path, "new", "2026-02-07")
    new.export(folder)
    with wb.open(folder) as back:
        assert back.sql("SELECT run_id FROM runs").fetchall() == [("new",)]
        assert back.sql("SELECT DISTINCT run_id FROM steps").fetchall() == [("new",)]
    merged = wb.open()
    rep = merged.ingest(folder, progress=False)
    assert (rep.read, rep.stored) == (1, 1)
    assert merged.sql("SELECT run_id FROM runs").fetchall() == [("new",)]
    assert mine.read_text() == "kept"


def test_export_read_in_place_exported_onto_itself_keeps_its_rows(tmp_path: Path) -> None:
    folder = tmp_path / "store_parquet"
    _store(tmp_path, "r1", "2026-01-05").export(folder)
    with wb.open(folder) as back:
        back.export(folder)
        assert back.sql("SELECT run_id FROM runs").fetchall() == [("r1",)]
    with wb.open(folder) as again:
        assert again.sql("SELECT run_id, step_id FROM steps").fetchall() == [("r1", "s1")]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
