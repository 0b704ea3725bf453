"""The whole-file read numbers records by the order DuckDB writes them in: its statement must hold no join.

DuckDB plans an IN list of several constants (or ``list_contains`` of a constant list) as a MARK join, and a
join gives up the rows' order: on main, 92k of the bench's 100k native steps were staged with another
record's line number (the reader's 16 MiB buffers written out of order), and the lines the lenient scan
found marked other records, one of them lost and the lenient one stored.
"""

from __future__ import annotations

import duckdb
import pytest

from workbench.ingest import _native_file
from workbench.ingest._native_sql import _MACROS, _one_of, mapping_sql


@pytest.mark.parametrize("lenient", [False, True])
def test_the_whole_file_statement_plans_no_join(tmp_path, lenient: bool) -> None:  # noqa: ANN001
    path = tmp_path / "one.jsonl"
    path.write_text('{"record": "step", "run_id": "r", "step_id": "s"}\n', encoding="utf-8")
    con = duckdb.connect()
    con.execute(_MACROS + _native_file._FILE_MACROS)
    sql = _native_file._narrow(mapping_sql(_native_file._source(lenient=lenient), "ok", extra="null_key"))
    plan = con.execute(f"EXPLAIN CREATE TEMP TABLE t AS {sql}", {"path": str(path)}).fetchall()[0][1]
    assert "Read Json" in plan.replace("READ_JSON", "Read Json")
    assert "join" not in plan.lower()


def test_one_of_reads_as_in_null_included() -> None:
    con = duckdb.connect()
    values = ("llm", "tool", "agent", "handoff", "human", "system", "other")
    got = con.execute(
        f"SELECT k, {_one_of('k', values)} FROM (VALUES ('tool'), ('TOOL'), (NULL)) t(k) "
        "ORDER BY k NULLS LAST"
    ).fetchall()
    assert got == [("TOOL", False), ("tool", True), (None, None)]
    plan = con.execute(f"EXPLAIN SELECT {_one_of('k', values)} FROM (VALUES ('a')) t(k)").fetchall()[0][1]
    assert "join" not in plan.lower()


def test_records_written_out_of_order_send_the_file_to_the_block_path(tmp_path) -> None:  # noqa: ANN001
    # (as the MARK join wrote them: the file's second half at the first row ids; the lines sampled, one a MiB,
    # no longer name their records' runs)
    from unittest import mock

    from test_native_fast import good_lines
    from test_native_file import stage_file, staged

    lines = [line.replace('"r1"', f'"r1-{i}"') for i in range(220) for line in good_lines()]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 1 << 20  # (a sample in each MiB)
    real = _native_file._read_whole

    def shuffled(con, path, table):  # noqa: ANN001, ANN202
        lenient = real(con, path, table)
        half = len(lines) // 2
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table} ORDER BY rowid < {half}, rowid"
        )
        return lenient

    con, stage, whole = stage_file(path, fast=True)
    assert whole  # (in order: read whole)
    with mock.patch.object(_native_file, "_read_whole", shuffled):
        con, stage, whole = stage_file(path, fast=True)
    assert not whole
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])
