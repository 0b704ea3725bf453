"""The detectors' macros live in an in-memory database attached to the workspace's DuckDB instance under the name
``workbench_detect_macros`` (``detect/_macros.py``), "never part of the store's file". DuckDB names a file's database
after the file's stem, so a store kept in ``workbench_detect_macros.duckdb`` (any folder) *is* the database of that
name: ``ATTACH IF NOT EXISTS ':memory:' AS workbench_detect_macros`` attaches nothing, and ``_ensure`` writes the 34
``CREATE OR REPLACE MACRO`` statements and the ``made_macros()`` stamp into the user's store file, where they persist
(and a snapshot or copy carries them).

Worse, the crafted-file check (``store/_connection.py`` ``_check_catalog``: a file whose macros are named like
DuckDB's functions is refused, "a crafted file reads local files so") leaves out every macro of a database of that
name (``database_name <> 'workbench_detect_macros'``): a crafted store saved as ``workbench_detect_macros.duckdb``
with ``CREATE MACRO lower(a) AS (SELECT content FROM read_text('...'))`` opens, and every query of the store calling
``lower`` reads that file. And the check's own type query calls ``lower(type_name)``: a file defining ``lower``
with another number of arguments (``lower(a, b)``) breaks it, and ``wb.open`` raises DuckDB's bare
``BinderException``, no ``StoreError`` naming the file or the macro (not opened: the error is the defect, LOW).
attack48's (strict xfail, mended by mend48: now a plain test)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from _attack47_runs import loop_run

import workbench as wb


def test_a_store_named_like_the_macros_catalogue_gets_no_macros(tmp_path: Path) -> None:
    path = tmp_path / "workbench_detect_macros.duckdb"
    ws = wb.open(path)
    ws.ingest(loop_run("r1"), progress=False)
    assert len(wb.detect(ws, detectors=["loop"], progress=False)) == 1
    ws.close()
    con = duckdb.connect(str(path), read_only=True)
    try:
        macros = con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro') "
            "AND NOT internal AND database_name = current_database() ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert macros == []


_CRAFTED = [
    pytest.param(
        "workbench_detect_macros.duckdb",
        "lower(a) AS 'crafted'",  # (a crafted file's: read_text of any local file, as well)
        id="named_like_the_catalogue",
    ),
    pytest.param(
        "store.duckdb",
        "lower(a, b) AS 'crafted'",
        id="breaking_the_check",
    ),
]


@pytest.mark.parametrize(("name", "macro"), _CRAFTED)
def test_a_crafted_store_is_refused_naming_its_macro(name: str, macro: str, tmp_path: Path) -> None:
    path = tmp_path / name
    wb.open(path).close()
    con = duckdb.connect(str(path))
    con.execute(f"CREATE MACRO {macro}")
    con.close()
    with pytest.raises(wb.StoreError, match="lower"):
        ws = wb.open(path)
        try:
            assert ws.sql("SELECT lower('ABC')").fetchall() == [("abc",)]
        finally:
            ws.close()
