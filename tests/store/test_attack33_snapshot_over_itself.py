"""``ws.snapshot`` refuses the store's own file.

On e352347 ``ws.snapshot(ws.path)`` replaced the file under the open store: DuckDB went on writing the file it had
open, now nameless, and everything the session stored after the snapshot was gone when the store was opened again
(no error, no warning)."""

from __future__ import annotations

import os

import pytest

import workbench as wb


def _step(run_id: str) -> list[dict]:
    return [{"run_id": run_id, "step_id": "s", "agent": "a", "kind": "llm"}]


def test_a_snapshot_over_the_open_store_is_refused(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    ws = wb.open(tmp_path / "store.duckdb")
    ws.ingest(_step("r1"), progress=False)
    os.symlink(tmp_path / "store.duckdb", tmp_path / "link.duckdb")
    for spelling in ("store.duckdb", tmp_path / "store.duckdb", "./link.duckdb"):
        with pytest.raises(wb.StoreError, match="this store's own file"):
            ws.snapshot(spelling)
    ws.ingest(_step("r2"), progress=False)
    ws.snapshot(tmp_path / "copy.duckdb")  # another file: written
    ws.close()
    with wb.open(tmp_path / "store.duckdb", read_only=True) as again:
        assert sorted(again.runs().run_id) == ["r1", "r2"]
    with wb.open(tmp_path / "copy.duckdb", read_only=True) as copy:
        assert sorted(copy.runs().run_id) == ["r1", "r2"]
