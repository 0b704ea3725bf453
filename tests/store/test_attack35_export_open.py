"""An export folder whose files are not what ``ws.export`` wrote is refused when opened, naming what is wrong.

On 2cae41c ``wb.open(folder)`` of an export with a Parquet file cut short (a copy interrupted, a full disk) raised
DuckDB's own ``InvalidInputException``, no ``StoreError``; a table file of other columns opened, and every later
read of it (``ws.runs()``) failed on DuckDB's binder error. Merging either (``ws.ingest(folder)``) already gave a
clear ``IngestError`` / quarantine."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import workbench as wb


def test_files_not_written_by_export_are_named_on_open(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest([{"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"}], progress=False)
    cut, other = ws.export(tmp_path / "cut"), tmp_path / "other"
    ws.close()
    shutil.copytree(cut, other)

    (steps,) = (cut / "steps").rglob("*.parquet")
    steps.write_bytes(steps.read_bytes()[:100])  # a copy cut short
    with pytest.raises(wb.StoreError, match=r"the export's steps table cannot be read \(.*data_0\.parquet"):
        wb.open(cut)

    (runs,) = (other / "runs").rglob("*.parquet")
    duckdb.execute("COPY (SELECT 'r' AS run_id, 'x' AS junk) TO ? (FORMAT parquet)", [str(runs)])
    with pytest.raises(
        wb.StoreError, match=r"runs table lacks the column\(s\) attributes, declared_outcome, "
    ):
        wb.open(other)
