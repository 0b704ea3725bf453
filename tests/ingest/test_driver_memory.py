"""The merge's second try: a merge that runs out of the ingest's memory budget runs again with more, alone."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest import _driver


def test_a_merge_out_of_memory_runs_again_without_staging_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "run_id": f"r{i // 4}",
                    "step_id": f"s{i}",
                    "kind": "llm",
                    "parent_id": f"s{i - 1}" if i % 4 else None,
                    "agent": "a",
                }
            )
            for i in range(40)
        )
        + "\n"
    )
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
        assert ws.sql("SELECT count(*), count(DISTINCT step_id), max(depth) FROM steps").fetchall() == [
            (40, 40, 3)
        ]
        assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(10,)]
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == default


def test_a_large_ingest_checkpoints_the_store_within_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ws.close() checkpointed a large call's rows under DuckDB's default limit: 5M OTLP spans went from a
    # 377 MB peak through the ingest to 960 MB in the close. A call of CHECKPOINT_STEPS or more checkpoints
    # at its end, within the merge's limit; a smaller call leaves it to DuckDB (its log stays, the file is not synced).
    from workbench.ingest import _checkpoint, _timings

    path = tmp_path / "log.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"run_id": f"r{i // 4}", "step_id": f"s{i}", "kind": "llm", "agent": "a"})
            for i in range(40)
        )
        + "\n"
    )
    limits: list[str] = []
    real = _timings.execute

    def execute(
        con: duckdb.DuckDBPyConnection, sql: str, params: object = None, tag: str = "stage"
    ) -> object:
        if sql == "CHECKPOINT":
            limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return real(con, sql, params, tag)

    monkeypatch.setattr(_timings, "execute", execute)
    budget = duckdb.connect()
    budget.execute("SET memory_limit = ?", [_driver.MERGE_MEMORY])
    shown = budget.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    for steps_needed, store in ((41, "small.duckdb"), (40, "large.duckdb")):
        monkeypatch.setattr(_checkpoint, "CHECKPOINT_STEPS", steps_needed)
        with wb.open(tmp_path / store) as ws:
            default = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            assert ws.ingest(path).added == 40
            log = tmp_path / f"{store}.wal"
            assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == default
            if steps_needed > 40:
                assert not limits and log.exists() and log.stat().st_size > 0
            else:
                assert limits == [shown] and (not log.exists() or log.stat().st_size == 0)
            assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(40,)]
