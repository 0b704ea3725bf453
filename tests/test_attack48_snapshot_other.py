"""``ws.snapshot(path, replace=True)`` refuses the store's own file ("a snapshot there would replace the open store,
and what it stores afterwards would be lost"), by any spelling (a symlink, ``..``). Another workspace's file open
for writing in the same process is replaced all the same: that workspace goes on writing into the unlinked file,
its runs stored before and after are lost without a word, the file holds the snapshot's. (A writer in another
process holds the file by DuckDB's lock, which a rename does not see either.) attack48's (strict xfail, mended by mend48: now a plain test)."""

from __future__ import annotations

from pathlib import Path

from _attack47_runs import loop_run

import workbench as wb


def test_a_snapshot_does_not_replace_a_store_another_workspace_writes(tmp_path: Path) -> None:
    source = wb.open()
    source.ingest(loop_run("r1"), progress=False)
    target = tmp_path / "live.duckdb"
    live = wb.open(target)
    live.ingest(loop_run("r9"), progress=False)
    try:
        source.snapshot(target, replace=True)
    except wb.StoreError:
        return  # refused, as the store's own file is
    live.ingest(loop_run("r10"), progress=False)
    live.close()
    again = wb.open(target, read_only=True)
    assert sorted(again.sql("SELECT run_id FROM runs").fetchall()) == [("r10",), ("r9",)]
