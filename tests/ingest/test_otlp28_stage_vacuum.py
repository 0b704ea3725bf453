"""The stage database's checkpoints do not vacuum: a large INSERT (the OTLP SQL path's, over a row group) is
written to disk compressed as it commits, and a checkpoint that merged its partial last row group with the next
INSERT's compressed every row again (~2.2 CPU s of ~30 at 1M generated OTLP spans, see ``_stage_db``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.ingest._stage_db import CHECKPOINT_ROWS, StageDB

_ROWS = 130_000  # (the OTLP SQL path's INSERTs: just over DuckDB's row group of 122,880 rows)


def _row_groups(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info(?)", [table]).fetchall()[
        0
    ][0]


def test_stage_checkpoints_keep_large_inserts_as_written_and_the_vacuum_setting(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    con.execute("SET max_vacuum_tasks = 7")  # (a user's own setting, kept)
    con.execute("CREATE TEMP TABLE stage_steps (run_id VARCHAR, step_id VARCHAR, n BIGINT)")
    stage = StageDB(con)
    stage.open()
    stage.take_steps()
    table = f"{stage.alias}.main.stage_steps"
    assert _ROWS >= CHECKPOINT_ROWS  # (each INSERT is checkpointed)
    for k in range(2):
        con.execute(
            "INSERT INTO stage_steps SELECT 'r' || (i // 20), 's' || i, i FROM range(?, ?) t(i)",
            [k * _ROWS, (k + 1) * _ROWS],
        )
        stage.appended(_ROWS)
    # each INSERT's full row group and its partial tail, as written (vacuumed: the tails merged into 3)
    assert _row_groups(con, table) == 4
    assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()[0][0] == 7
    assert con.execute("SELECT count(*), count(DISTINCT step_id), sum(n) FROM stage_steps").fetchall()[0] == (
        2 * _ROWS,
        2 * _ROWS,
        sum(range(2 * _ROWS)),
    )
    stage.close()
    con.close()
