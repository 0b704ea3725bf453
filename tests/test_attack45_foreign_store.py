"""``wb.open(path)`` on a DuckDB file that is no workbench store: someone's own database (``analytics.duckdb``) with a
table of theirs named ``runs``. The store's open (``store/_connection.py``: no ``meta`` table reads as schema
version 0, then ``ensure_schema``) takes it for an empty store of an old version: it creates the workbench's
tables inside the user's file, stamps ``meta`` with the current schema version, and keeps their ``runs``, which
``ws.runs()`` and every ingest then fail on with a bare DuckDB BinderException. A careless path is one keystroke
away. attack45's strict xfail, a plain test since store46 (``store/_store_file.py``): refused, naming the file and
what it holds, nothing written (a store of the workbench's own before ``meta`` existed holds ``runs (run_id, ...)``
and ``steps``: those stay migrated)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import workbench as wb


def test_a_duckdb_file_of_someone_elses_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "analytics.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE runs (id INTEGER, note VARCHAR)")
        con.execute("INSERT INTO runs VALUES (1, 'nightly job')")
    for read_only in (False, True):
        with pytest.raises(wb.StoreError, match="DuckDB database of another program") as caught:
            wb.open(path, read_only=read_only)
        assert str(path) in str(caught.value) and "'runs'" in str(caught.value)
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == {"runs"}, f"the workbench wrote into someone else's database: {sorted(tables)}"
