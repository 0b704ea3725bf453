"""A store open for writing in this process, opened again read-only here (store44).

A read-only open is an instance of its own (``store/_read_only_open.py``). DuckDB refuses it while this process
writes the file: that is said as the lock it is, naming this process, not as DuckDB's "Unique file handle
conflict" (before: "Can't open a connection to same database file with a different configuration")."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import StoreLockedError


def test_a_read_only_open_beside_this_process_writer_says_so(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with wb.open(db):
        with pytest.raises(StoreLockedError, match="open in this process already, for writing"):
            wb.open(db, read_only=True)
    with wb.open(
        db, read_only=True
    ) as reader:  # (closed: read-only opens work again, and name the database so)
        assert reader.sql("SELECT current_database()").fetchall() == [("store",)]
        assert reader.count("runs") == 0
