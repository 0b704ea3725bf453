"""mend48: the detectors' macros catalogue is told by identity (in memory), not by name alone. Its name has a
random part per process (workbench/_macros_catalogue.py); a store file given that very name (which a test can
know) is still no catalogue: a crafted one is refused on opening, and detect writes no macro into a plain one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from _attack47_runs import loop_run

import workbench as wb
from workbench._macros_catalogue import DATABASE


def test_a_store_file_under_the_catalogues_own_name_is_no_catalogue(tmp_path: Path) -> None:
    path = tmp_path / f"{DATABASE}.duckdb"
    ws = wb.open(path)
    ws.ingest(loop_run("r1"), progress=False)
    with pytest.raises(wb.StoreError, match="in-memory database named"):
        wb.detect(ws, detectors=["loop"], progress=False)
    ws.close()
    con = duckdb.connect(str(path))
    try:
        assert con.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE NOT internal "
            "AND function_type IN ('macro', 'table_macro')"
        ).fetchall() == [(0,)]
        con.execute("CREATE MACRO lower(a) AS 'crafted'")
    finally:
        con.close()
    with pytest.raises(wb.StoreError, match="'lower'"):
        wb.open(path).close()
