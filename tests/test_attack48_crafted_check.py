"""The crafted-file check (``store/_connection.py`` ``_check_catalog``) refuses a file whose macros are named like
DuckDB's functions with a ``StoreError`` naming them. Its own type query calls ``lower(type_name)``: a file defining
``lower`` with another number of arguments (``CREATE MACRO lower(a, b)``) breaks that query, and ``wb.open`` raises
DuckDB's bare ``BinderException`` ("Macro lower() does not support the supplied arguments"), no ``StoreError``,
naming neither the file nor the macro (a ``except wb.WorkbenchError`` misses it). Not opened, so nothing runs; the
error is the defect. attack48's strict xfail (LOW)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import workbench as wb


@pytest.mark.xfail(
    strict=True,
    reason="store/_connection.py _check_catalog: its type query calls lower(), which a crafted lower(a, b) macro "
    "breaks: a bare BinderException instead of the StoreError naming the macro",
)
def test_a_crafted_macro_breaking_the_check_is_still_named(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    wb.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("CREATE MACRO lower(a, b) AS 'crafted'")
    con.close()
    with pytest.raises(wb.StoreError, match="lower"):
        wb.open(path).close()
