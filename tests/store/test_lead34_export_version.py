"""A Parquet export a newer workbench wrote is refused, read in place or merged, as a store file is.

On afb0fc3 the export readers never read the export's ``meta`` table: an export of a newer schema was read in
place (``wb.open(folder)``) or merged into a store (``ws.ingest(folder)``) as if it were this workbench's own."""

from __future__ import annotations

import duckdb
import pytest

import workbench as wb
from workbench.store._connection import SCHEMA_VERSION


def _export(tmp_path, version: int | None):  # noqa: ANN001, ANN202
    ws = wb.open()
    ws.ingest([{"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"}], progress=False)
    folder = ws.export(tmp_path / "exp")
    ws.close()
    if version is not None:
        (meta,) = (folder / "meta").glob("*.parquet")
        con = duckdb.connect()
        con.execute("CREATE TABLE m AS SELECT * FROM read_parquet(?)", [str(meta)])
        con.execute("UPDATE m SET value = ? WHERE key = 'schema_version'", [str(version)])
        con.execute("COPY m TO ? (FORMAT parquet)", [str(meta)])
        con.close()
    return folder


def test_an_export_of_this_version_reads_and_merges(tmp_path) -> None:  # noqa: ANN001
    folder = _export(tmp_path, None)
    assert wb.open(folder).count("steps") == 1
    other = wb.open()
    assert other.ingest(folder, progress=False).stored == 1
    assert other.count("steps") == 1


def test_a_newer_export_is_refused_in_place_and_merged(tmp_path) -> None:  # noqa: ANN001
    folder = _export(tmp_path, SCHEMA_VERSION + 1)
    with pytest.raises(
        wb.StoreError, match=rf"schema version {SCHEMA_VERSION + 1}, newer than this workbench"
    ):
        wb.open(folder)
    other = wb.open()
    with pytest.raises(wb.IngestError, match=r"newer than this workbench.*nothing was stored"):
        other.ingest(folder, progress=False)
    assert other.count("steps") == 0 and other.count("runs") == 0


def test_an_export_without_meta_reads_as_before(tmp_path) -> None:  # noqa: ANN001
    folder = _export(tmp_path, None)
    for f in (folder / "meta").glob("*.parquet"):
        f.unlink()
    assert wb.open(folder).count("steps") == 1
