"""The merge's second try: a merge that runs out of the ingest's memory budget runs again with more, alone."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest import _driver


def test_a_merge_out_of_memory_runs_again_without_staging_again(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps({"run_id": f"r{i // 4}", "step_id": f"s{i}", "kind": "llm",
                                          "parent_id": f"s{i - 1}" if i % 4 else None, "agent": "a"})
                              for i in range(40)) + "\n")
    limits: list[str] = []
    staged: list[int] = []
    real_timed, real_create = _driver._timed, _driver.create_stage_tables

    def timed(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
        if stmt.startswith("INSERT INTO steps"):
            limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
            if len(limits) == 1:
                raise duckdb.OutOfMemoryException("Out of Memory Error: injected by the test")
        real_timed(con, stmt)

    def create(con: duckdb.DuckDBPyConnection) -> None:
        staged.append(1)
        real_create(con)

    monkeypatch.setattr(_driver, "_timed", timed)
    monkeypatch.setattr(_driver, "create_stage_tables", create)
    with wb.open(tmp_path / "s.duckdb") as ws:
        default = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        report = ws.ingest(path)
        assert (report.read, report.stored, report.added, report.quarantined) == (40, 40, 40, 0)
        assert len(staged) == 1 and len(limits) == 2
        assert limits[0] != limits[1]  # the budget, then MERGE_RETRY_MEMORY
        assert ws.sql("SELECT count(*), count(DISTINCT step_id), max(depth) FROM steps").fetchall() == [(40, 40, 3)]
        assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(10,)]
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == default
