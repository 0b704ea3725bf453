"""bench/ingest_mapping.py's plan-once forms (issue 11: "plan once per file shape"): the statement prepared once
and run on a fixed input table maps a block to the same rows as the statement the reader runs, block after
block, so the bench compares the same work planned two ways. On a block of three generated traces, not timed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import ingest as bench_ingest  # noqa: E402
import ingest_mapping  # noqa: E402

from workbench.ingest._otlp_sql import _MACROS, _spans_sql  # noqa: E402

_COLS = (
    "line, run_id, step_id, parent_id, agent, kind, name, tool, input, output, attributes, fast, order_hint"
)


def _block(traces: tuple[int, ...]) -> pa.Table:
    lines = [json.dumps(bench_ingest._trace(t), separators=(",", ":")) + "\n" for t in traces]
    return pa.table(
        {"line": pa.array(range(1, len(lines) + 1), pa.int64()), "json": pa.array(lines, pa.string())}
    )


def test_the_prepared_statement_maps_each_block_as_the_reader_does() -> None:
    con = duckdb.connect()
    con.execute(_MACROS)
    sql = _spans_sql()
    once = ingest_mapping.plan_once(con, sql)
    block = _block((1, 2))
    con.register("_wb_otlp_in", block)
    con.execute(sql)
    con.unregister("_wb_otlp_in")
    want = con.execute(f"SELECT {_COLS} FROM _wb_otlp_spans ORDER BY order_hint").fetchall()
    assert len(want) == 2 * bench_ingest.SPANS_PER_TRACE
    once["prepared"](block)
    assert con.execute(f"SELECT {_COLS} FROM _wb_plan_out ORDER BY order_hint").fetchall() == want
    # another block through the same prepared statement: its own rows, not the first block's again
    once["prepared"](_block((7,)))
    assert con.execute("SELECT DISTINCT run_id FROM _wb_plan_out").fetchall() == [(f"{7:032x}",)]
    once["prepared, empty"](block)
    assert con.execute("SELECT count(*) FROM _wb_plan_out").fetchall() == [(0,)]
    con.close()


def test_a_changed_statement_stops_the_script() -> None:
    con = duckdb.connect()
    with pytest.raises(SystemExit, match="no longer"):
        ingest_mapping.plan_once(con, "SELECT 1")
    con.close()
