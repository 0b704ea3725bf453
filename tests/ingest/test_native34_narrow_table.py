"""The whole-file native read's mapped table holds each value once (issue 11): DuckDB keeps a temporary table
uncompressed, so every column costs every record its width and every default its text, and at 1M steps the
table passes the staging memory limit (every copy out of it then reads it back from the spill file). No
``line`` column (a record's line is its row number), no step kind or agent flag beside the kind (the steps'
copy makes them), a step's default status and a label's default source only in those records, the record
type and ``null_key`` as small numbers; a run's, an edge's and a label's own text keys in step columns those
records leave empty, no column of their own. What is staged is what the Python reader stages."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_native_fast import good_lines, odd_lines
from test_native_file import stage_file, staged

from workbench.ingest import _native_file


def test_the_mapped_table_holds_each_value_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text("\n".join(good_lines() + odd_lines()[:12] + good_lines()[1:4]) + "\n", encoding="utf-8")
    seen: dict = {}
    real = _native_file._drop

    def drop(con: duckdb.DuckDBPyConnection, table: str) -> None:
        if table == "_wbf_rows" and not seen:
            seen["columns"] = dict(
                con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall()
            )
            # (the record type as a number here, as a word on afb0fc3: either counts)
            step, label = "rec::VARCHAR IN ('1', 'step')", "rec::VARCHAR IN ('4', 'label')"
            seen["defaults"] = con.execute(
                f"SELECT count(*) FILTER (WHERE step_status IS NOT NULL AND NOT {step}), "
                f"count(*) FILTER (WHERE input IS NOT NULL AND NOT {step} AND NOT rec::VARCHAR IN ('2', 'run')), "
                f"count(*) FILTER (WHERE {step} AND fast AND step_status IS NULL), "
                # (a label's source, default 'ground_truth', is held in the name column)
                f"count(*) FILTER (WHERE {label} AND fast AND name IS NULL) FROM {table}"
            ).fetchall()[0]
        real(con, table)

    monkeypatch.setattr(_native_file, "_drop", drop)
    con, stage, whole = stage_file(path, fast=True)
    assert whole
    columns = seen["columns"]
    assert not {"line", "step_kind", "is_agent"} & set(columns)
    # (held in step columns: see _native_file._HELD_IN)
    assert not {
        "system",
        "task",
        "outcome",
        "outcome_detail",
        "src_step",
        "dst_step",
        "label_source",
        "detail",
    } & set(columns)
    assert columns["rec"] == columns["null_key"] == "UTINYINT"
    assert seen["defaults"] == (0, 0, 0, 0)  # (defaults in their own records only, and there always)
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])
