"""The whole-file native read copies its mapped records into the staging tables on one DuckDB thread (an
order-keeping INSERT on two writes every row twice: see ``_one_thread.one_thread``), and puts the thread
count back as it found it, a user's own included, when a copy fails too. What it stages is unchanged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_native_fast import good_lines
from test_native_file import stage_file, staged

from workbench.ingest import _native_file, _timings, native
from workbench.ingest._base import Stage
from workbench.ingest._stage_tables import create_stage_tables


def _write(path: Path) -> Path:
    path.write_text("\n".join(good_lines()) + "\n", encoding="utf-8")
    return path


def _staged_on(con: duckdb.DuckDBPyConnection, path: Path) -> Stage:
    stage = Stage(con, source="native")
    stage.file = str(path)
    assert _native_file.stage_native_file(path, stage, native.stage_line)
    stage.flush()
    return stage


def test_the_copies_run_on_one_thread_and_the_users_thread_count_is_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "n.jsonl")
    seen: dict[str, int] = {}
    real = _timings.execute

    def execute(con, sql, params=None, tag="stage"):  # noqa: ANN001, ANN202
        if sql.startswith("INSERT INTO stage_"):
            seen[sql.split()[2]] = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        return real(con, sql, params, tag)

    monkeypatch.setattr(_timings, "execute", execute)
    con = duckdb.connect()
    con.execute("SET threads = 3")
    create_stage_tables(con)
    stage = _staged_on(con, path)
    assert seen == {"stage_steps": 1, "stage_runs": 1, "stage_edges": 1, "stage_labels": 1}
    assert int(con.execute("SELECT current_setting('threads')").fetchall()[0][0]) == 3
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])


def test_the_thread_count_is_put_back_when_a_copy_fails(tmp_path: Path) -> None:
    path = _write(tmp_path / "n.jsonl")
    con = duckdb.connect()
    con.execute("SET threads = 3")
    create_stage_tables(con)
    con.execute("DROP TABLE stage_edges")  # (the third copy then fails)
    with pytest.raises(duckdb.CatalogException, match="stage_edges"):
        _staged_on(con, path)
    assert int(con.execute("SELECT current_setting('threads')").fetchall()[0][0]) == 3
