"""A workspace's DuckDB returns the memory its worker threads free: jemalloc's background threads are on.

Without them a worker's freed pages went back to the system only when that worker allocated again, and an
ingest's peak RSS grew statement by statement (bench/ingest.py measures it; no timing here). Each way a
workspace gets its connection is checked: a file, memory, read-only, and a Parquet export folder.
"""

from __future__ import annotations

from pathlib import Path

import workbench as wb


def _on(ws: wb.Workspace) -> bool:
    return ws.sql("SELECT current_setting('allocator_background_threads')").fetchall()[0][0] is True


def test_file_and_memory_workspaces_free_worker_memory(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    with wb.open(path) as ws:
        assert _on(ws)
        ws.ingest([{"record": "step", "run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm"}])
        assert _on(ws)  # (the ingest's own settings leave it on)
    with wb.open(path, read_only=True) as ws:
        assert _on(ws)
    with wb.open() as ws:
        assert _on(ws)


def test_export_folder_workspace_frees_worker_memory(tmp_path: Path) -> None:
    with wb.open(tmp_path / "store.duckdb") as ws:
        ws.ingest([{"record": "step", "run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm"}])
        ws.export(tmp_path / "export")
    with wb.open(tmp_path / "export") as ws:
        assert _on(ws)
