"""A DuckDB file keeps SQL macros and views: a macro named like a DuckDB function (``lower``, ``to_json``) is
called in its place by every query on that connection, and a view named like a store table is read in its
place. A crafted store (an incident store passed around, double-clicked in JupyterLab, ``--db`` of the command
line) ran its own SQL when opened: here it read a local file into the run ids. Such a file is refused now."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.exceptions import StoreError


def _store(tmp_path: Path) -> Path:
    logs = tmp_path / "runs.jsonl"
    logs.write_text(
        json.dumps({"record": "step", "run_id": "r1", "step_id": "s1", "agent": "planner", "kind": "llm"})
        + "\n"
    )
    db = tmp_path / "incident.duckdb"
    with wb.open(db) as ws:
        ws.ingest(logs, progress=False)
    return db


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("token-123")
    return secret


@pytest.mark.parametrize("read_only", [False, True])
def test_macro_named_like_a_function_is_refused(tmp_path: Path, read_only: bool) -> None:
    db, secret = _store(tmp_path), _secret(tmp_path)
    con = duckdb.connect(str(db))
    con.execute(f"CREATE MACRO lower(x) AS (SELECT content FROM read_text('{secret}'))")
    con.close()
    with pytest.raises(StoreError, match=r"incident\.duckdb: it defines SQL macros 'lower'"):
        with wb.open(db, read_only=read_only) as ws:
            assert ws.sql("SELECT lower(run_id) FROM runs").fetchall() != [("token-123",)]


def test_macros_hiding_the_catalog_are_refused_too(tmp_path: Path) -> None:
    db = _store(tmp_path)
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE MACRO duckdb_functions() AS TABLE SELECT 'x' AS function_name, true AS internal, "
        "'macro' AS function_type"
    )
    con.execute(
        "CREATE MACRO duckdb_views() AS TABLE SELECT 'v' AS view_name, true AS internal, false AS temporary"
    )
    con.execute("CREATE MACRO to_json(x) AS 'forged'")
    con.close()
    with pytest.raises(StoreError, match="'duckdb_functions', 'duckdb_views', 'to_json'"):
        wb.open(db, read_only=True)


@pytest.mark.parametrize("read_only", [False, True])
def test_view_in_place_of_a_store_table_is_refused(tmp_path: Path, read_only: bool) -> None:
    db, secret = _store(tmp_path), _secret(tmp_path)
    con = duckdb.connect(str(db))
    cols = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'runs' ORDER BY column_index"
        ).fetchall()
    ]
    con.execute("DROP TABLE runs")
    con.execute(
        f"CREATE VIEW runs AS SELECT {', '.join('content' if c == 'run_id' else 'NULL' for c in cols)} "
        f"FROM read_text('{secret}')"
    )
    con.close()
    with pytest.raises(StoreError, match="views in place of the store's tables 'runs'"):
        with wb.open(db, read_only=read_only) as ws:
            assert ws.sql("SELECT run_id FROM runs").fetchall() != [("token-123",)]


def test_a_view_of_the_users_own_still_opens(tmp_path: Path) -> None:
    db = _store(tmp_path)
    with wb.open(db) as ws:
        ws.sql("CREATE VIEW my_failures AS SELECT run_id FROM runs WHERE outcome = 'failure'")
    with wb.open(db, read_only=True) as ws:
        assert ws.sql("SELECT run_id FROM runs").fetchall() == [("r1",)]
