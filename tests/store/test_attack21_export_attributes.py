"""An export whose steps' attributes were edited by hand into JSON that is no object (``[1, 2]``, ``"x"``): the
log ingest refuses such attributes (ingest/_fields._attributes), the export merge stored them. Now the step is
quarantined at its file and row, and the rest merged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_attack20_export_outcomes import _export, _forge

import workbench as wb


@pytest.mark.parametrize("value, kind", [("'[1,2]'", "array"), ("'\"x\"'", "varchar"), ("'{}'", None)])
def test_step_attributes_no_object_quarantined(tmp_path: Path, value: str, kind: str | None) -> None:
    folder = _export(tmp_path)
    f = _forge(
        folder,
        "steps",
        f"* REPLACE (CASE WHEN step_id = 's2' THEN {value} ELSE attributes::VARCHAR END AS attributes)",
    )
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    assert rep.read == rep.stored + rep.quarantined
    if kind is None:  # (an empty object is an object)
        assert (rep.stored, rep.quarantined) == (6, 1)
        return
    assert (rep.stored, rep.quarantined) == (4, 3)
    # (the export writes its rows in no fixed order: which run's s2 sits on which row is read from the file)
    rows = duckdb.sql(
        f"SELECT file_row_number + 1, run_id FROM read_parquet('{f}', file_row_number = true) "
        "WHERE step_id = 's2' ORDER BY 1"
    ).fetchall()
    assert [run for _, run in rows] in (["r1", "r2"], ["r2", "r1"])
    assert [e for e in rep.errors if "attributes must be a JSON object" in e] == [
        f"{f}:{r}: step s2 of run {run}: field attributes must be a JSON object (got {kind})"
        for r, run in rows
    ]
    assert ws.sql("SELECT count(*) FROM steps WHERE step_id = 's2'").fetchall() == [(0,)]
