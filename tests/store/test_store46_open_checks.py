"""``wb.open`` of a path that names no store (attack45's notes, not tests before store46): each refused with the
path and what it is, nothing made or written.

- a SQLite database (``app.db``): DuckDB opened it through its sqlite_scanner extension, which it went to download
  from the network on the spot (seconds, then "Failed to download extension", never saying the file is SQLite);
- a path ending in a slash (``wb.open("runs/")``, meaning a folder): a store *file* named ``runs`` was made.
(Another program's DuckDB database: tests/test_attack45_foreign_store.py.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import workbench as wb


def test_a_sqlite_database_is_refused_as_one(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE runs (id INTEGER)")
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(wb.StoreError, match="is a SQLite database") as caught:
            wb.open(path, read_only=read_only)
        assert str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_a_path_ending_in_a_slash_makes_no_store_file(tmp_path: Path) -> None:
    folder = f"{tmp_path / 'runs'}/"
    with pytest.raises(wb.StoreError, match="names a folder") as caught:
        wb.open(folder)
    assert repr(folder) in str(caught.value)
    assert not (tmp_path / "runs").exists()
