"""``wb.open(path)`` on a DuckDB file that is no workbench store: someone's own database (``analytics.duckdb``) with a
table of theirs named ``runs``. The store's open (``store/_connection.py``: no ``meta`` table reads as schema
version 0, then ``ensure_schema``) takes it for an empty store of an old version: it creates the workbench's
tables inside the user's file, stamps ``meta`` with the current schema version, and keeps their ``runs``, which
``ws.runs()`` and every ingest then fail on with a bare DuckDB BinderException. A careless path is one keystroke
away. attack45's strict xfail: refuse, naming the file and what it holds, and write nothing (a store of the
workbench's own before ``meta`` existed holds ``runs (run_id, ...)`` and ``steps``: those stay migrated)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import workbench as wb


@pytest.mark.xfail(
    strict=True,
    reason="attack45: store/_connection.py opens a DuckDB file holding tables of its own and no meta table as a "
    "store of schema version 0 (a 'runs' table without run_id, no 'steps') and migrates it: the workbench's tables and a meta row are written into the "
    "user's database, whose own 'runs' table then breaks ws.runs() and ingest with a BinderException",
)
def test_a_duckdb_file_of_someone_elses_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "analytics.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE runs (id INTEGER, note VARCHAR)")
        con.execute("INSERT INTO runs VALUES (1, 'nightly job')")
    try:
        wb.open(path).close()
    except wb.StoreError as exc:
        assert str(path) in str(exc)
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == {"runs"}, f"the workbench wrote into someone else's database: {sorted(tables)}"
