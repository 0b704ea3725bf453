"""One store file opened twice in one process shares one DuckDB instance and one write lock (race47's
``_FILE_LOCKS``, keyed by ``os.path.realpath``; DuckDB's instance cache): a symlink and ``./`` spellings are held.
The same file under a second name that is no symlink (a hard link: a backup tool's snapshot folder, a dataset
folder linked to save space) is two DuckDB instances writing one file: DuckDB's own lock is per process, so neither
refuses, and what the first workspace stored is gone when both close (``r2`` below). ``wb.open`` could tell the
file by its device and inode (``os.stat``) and share, or refuse. attack48's (strict xfail, mended by mend48: now a plain test)."""

from __future__ import annotations

import os
from pathlib import Path

from _attack47_runs import loop_run

import workbench as wb


def test_one_file_by_two_names_keeps_both_workspaces_writes(tmp_path: Path) -> None:
    first, second = tmp_path / "store.duckdb", tmp_path / "linked.duckdb"
    wb.open(first).close()
    os.link(first, second)
    a = wb.open(first)
    try:
        b = wb.open(second)
    except wb.StoreError:
        a.close()
        return  # refused: the file is open already
    a.ingest(loop_run("r2"), progress=False)
    b.ingest(loop_run("r3"), progress=False)
    a.close()
    b.close()
    again = wb.open(first, read_only=True)
    assert sorted(again.sql("SELECT run_id FROM runs").fetchall()) == [("r2",), ("r3",)]
