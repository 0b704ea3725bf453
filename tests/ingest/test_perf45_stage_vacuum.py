"""A big OTLP file's INSERTs into stage_steps run without DuckDB's vacuum, and a native file's of several blocks.

The fast path's last INSERT is most often smaller than a row group: DuckDB writes it to the write-ahead log and,
the log past its threshold, commits with a checkpoint that merged every row group staged before and compressed
them again (the last INSERT of 1M SDK-written spans: 2.1 CPU s against ~0.45 for each full one). The setting is
DuckDB's whole instance's, so it is put back after each INSERT, also when one fails.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_otlp39_small_inserts import _write
from test_otlp_fast import snapshot

from workbench.ingest import _jsonio, _native_sql, _otlp_sql, _timings
from workbench.ingest._base import Stage
from workbench.ingest._stage_tables import create_stage_tables


@pytest.fixture
def vacuum_at_insert(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """``max_vacuum_tasks`` as each INSERT into stage_steps ran, and after it; a 40 KB file read as a big one."""
    monkeypatch.setattr(_jsonio, "_CHUNK", 1024)
    monkeypatch.setattr(_otlp_sql, "_SMALL_FILE_BYTES", 1024)
    monkeypatch.setattr(_otlp_sql, "_BATCH_BYTES", 4 * 1024)
    monkeypatch.setattr(_otlp_sql, "_INSERT_ROWS", 10)
    seen: list[tuple[str, int]] = []
    real = _timings.execute

    def execute(con, sql, params=None, tag="stage"):  # noqa: ANN001, ANN202
        if sql.startswith("INSERT INTO stage_steps"):
            seen.append(
                ("insert", con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()[0][0])
            )
        return real(con, sql, params, tag)

    monkeypatch.setattr(_timings, "execute", execute)
    return seen


def test_a_big_files_inserts_run_without_vacuum(tmp_path: Path, vacuum_at_insert: list) -> None:
    path = _write(tmp_path / "big.jsonl", 12)
    steps, _, rejects, read = snapshot(path, True)
    # several INSERTs (the last a short one), every one without vacuum (on 348ff06 each ran with DuckDB's 100);
    # the rows are test_otlp39's (the same file read as a small one and by the Python reader: 22 spans staged)
    assert len(vacuum_at_insert) > 1 and {v for _, v in vacuum_at_insert} == {0}
    assert (len(steps), len(rejects), read) == (22, 1, 23)


def test_without_vacuum_puts_the_setting_back_also_when_the_statement_fails() -> None:
    from workbench.ingest._stage_db import without_vacuum  # (here: the first test runs on 348ff06 as well)

    con = duckdb.connect()
    con.execute("SET max_vacuum_tasks = 7")
    with without_vacuum(con):
        assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall() == [(0,)]
    assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall() == [(7,)]
    with pytest.raises(duckdb.CatalogException, match="no_such_table"), without_vacuum(con):
        con.execute("INSERT INTO no_such_table VALUES (1)")
    assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall() == [(7,)]


def test_a_native_file_of_several_blocks_inserts_its_steps_without_vacuum(
    tmp_path: Path, vacuum_at_insert: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (the native block path: files the whole-file read leaves, such as long log-probabilities; 4 KB blocks here)
    monkeypatch.setattr(_native_sql, "_BATCH_BYTES", 4 * 1024)
    path = tmp_path / "steps.jsonl"
    path.write_text(
        "".join(
            f'{{"run_id": "r{n // 20}", "step_id": "s{n}", "kind": "llm", "output": "{"x" * 200}"}}\n'
            for n in range(120)
        ),
        encoding="utf-8",
    )
    con = duckdb.connect()
    create_stage_tables(con)
    stage = Stage(con, "native")
    _native_sql.stage_native_sql(path, stage)
    # on 348ff06 each ran with DuckDB's 100; the setting is back after
    assert len(vacuum_at_insert) > 2 and {v for _, v in vacuum_at_insert} == {0}
    assert con.execute(
        "SELECT count(*), current_setting('max_vacuum_tasks') FROM stage_steps"
    ).fetchall() == [(120, 100)]
