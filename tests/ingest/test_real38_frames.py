"""A pandas DataFrame given to ``ws.ingest``, and pandas' missing values in plain records (real38).

Before: ``ws.ingest(df)`` iterated the frame, which gives its column names, and quarantined each name as a record
("record is a JSON str, not an object"); ``ws.ingest(df.to_dict("records"))`` stored a missing ``error``,
``output``, ``agent`` or ``parent_id`` (NaN) as the text ``'nan'``, and quarantined a record whose missing token
count, start time or run field was NaN. Now a frame is its rows, a missing cell an absent key, and the store is
the one the equivalent list of dicts gives.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench as wb

_TABLES = {
    "runs": "SELECT * FROM runs",
    "steps": "SELECT * FROM steps",
    "edges": "SELECT * FROM edges",
    "labels": "SELECT * EXCLUDE (created_at) FROM labels",
    "quarantine": "SELECT * EXCLUDE (created_at) FROM quarantine",
}


def _records() -> list[dict]:
    """Native records as a user writes them by hand: each with only the fields it has."""
    return [
        {"record": "run", "run_id": "r1", "system": "shop", "task": "refund order 7", "outcome": "failure"},
        {
            "run_id": "r1",
            "step_id": "s1",
            "agent": "planner",
            "kind": "llm",
            "model": "gpt-x",
            "started_at": "2026-03-01T10:00:00.123456789+00:00",
            "ended_at": "2026-03-01T10:00:01+00:00",
            "input": "refund order 7",
            "output": "call lookup",
            "tokens_in": 120,
            "tokens_out": 14,
            "cost": 0.002,
            "confidence": 0.9,
        },
        {
            "run_id": "r1",
            "step_id": "s2",
            "parent_id": "s1",
            "agent": "planner",
            "kind": "tool",
            "tool": "lookup",
            "started_at": "2026-03-01T10:00:01+00:00",
            "status": "error",
            "error": "order 7 not found",
        },
        {
            "run_id": "r1",
            "step_id": "s3",
            "parent_id": "s1",
            "agent": "writer",
            "kind": "llm",
            "started_at": "2026-03-01T10:00:02+00:00",
            "output": "Refunded $12.50",
            "tokens_in": 30,
        },
        {"record": "label", "run_id": "r1", "agent": "planner", "step_id": "s2", "kind": "tool_error"},
        {"run_id": "r1", "kind": "llm"},  # no step id: quarantined, in both
    ]


def _store(source) -> tuple[wb.Workspace, dict[str, list[tuple]]]:
    ws = wb.open()
    ws.ingest(source, progress=False)
    return ws, {t: ws.sql(q).fetchall() for t, q in _TABLES.items()}


def _same(a: wb.Workspace, b: wb.Workspace) -> None:
    """Row for row the same, both ways (EXCEPT ALL: duplicates count)."""
    b_tables = {t: b.sql(q).df() for t, q in _TABLES.items()}
    for table, query in _TABLES.items():
        a.con.register("other_rows", b_tables[table])
        for left, right in ((query, "SELECT * FROM other_rows"), ("SELECT * FROM other_rows", query)):
            assert a.sql(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchall() == [(0,)], table
        a.con.unregister("other_rows")


def _frame() -> pd.DataFrame:
    """The records as a frame: every row has every column, a cell the record had no value for is missing
    (NaN in numbers and text, NaT in times); times as Timestamps, counts as floats (a column with a gap)."""
    df = pd.DataFrame(_records())
    for col in ("started_at", "ended_at"):
        df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    return df


def test_a_frame_is_read_as_its_rows_and_gives_the_store_of_its_records() -> None:
    df = _frame()
    assert df["tokens_in"].dtype == np.float64 and df["started_at"].dtype.kind == "M"
    assert df["error"].isna().sum() == 5
    plain, rows = _store(_records())
    framed, frame_rows = _store(df)
    report = framed.ingest(df, progress=False)  # (the same frame again adds nothing)
    assert report.added == 0
    assert len(rows["steps"]) == 3 and len(rows["quarantine"]) == 1 and len(rows["labels"]) == 1
    _same(plain, framed)
    _same(framed, plain)
    steps = {
        r[0]: r[1:]
        for r in framed.sql("SELECT step_id, error, parent_id, tokens_in, started_at FROM steps").fetchall()
    }
    assert steps["s1"][0] is None and steps["s1"][1] is None and steps["s1"][2] == 120
    assert steps["s1"][3].microsecond == 123456  # (the Timestamp's nanoseconds as ISO text, read to the µs)
    assert steps["s2"][0] == "order 7 not found"


def test_to_dict_records_gives_the_same_store_nan_is_absent_not_the_text_nan() -> None:
    recs = _frame().to_dict("records")
    assert isinstance(recs[1]["error"], float) and math.isnan(recs[1]["error"])
    plain, _ = _store(_records())
    dicts, rows = _store(recs)
    _same(plain, dicts)
    assert dicts.sql(
        "SELECT count(*) FROM steps WHERE 'nan' IN (agent, name, tool, model, error, input, output,"
        " parent_id)"
    ).fetchall() == [(0,)]
    assert rows["quarantine"] == plain.sql(_TABLES["quarantine"]).fetchall()


def test_a_float_nan_in_a_plain_record_is_a_missing_value_in_every_field() -> None:
    nan = float("nan")
    ws = wb.open()
    report = ws.ingest(
        [
            {
                "record": "run",
                "run_id": "r",
                "system": nan,
                "task": nan,
                "outcome": "failure",
                "attributes": nan,
            },
            {
                "run_id": "r",
                "step_id": "a",
                "agent": "x",
                "kind": "llm",
                "error": nan,
                "output": nan,
                "name": nan,
                "tokens_in": nan,
                "tokens_out": np.float64("nan"),
                "cost": nan,
                "confidence": np.float32("nan"),
                "started_at": nan,
                "ended_at": pd.NaT,
                "status": nan,
                "parent_id": pd.NA,
            },
            {
                "run_id": "r",
                "step_id": "b",
                "agent": "x",
                "kind": "tool",
                "tokens_in": np.int64(7),
                "cost": np.float32(0.5),
                "started_at": pd.Timestamp("2026-03-01 10:00:00"),
                "status": "error",
                "error": "boom",
            },
        ],
        progress=False,
    )
    assert (report.stored, report.quarantined) == (2, 0)
    rows = ws.sql(
        "SELECT step_id, error, output, name, tokens_in, tokens_out, cost, confidence, started_at, "
        "status, parent_id FROM steps ORDER BY step_id"
    ).fetchall()
    # (a NaN status is no status: unset, as a step giving none, cc570f08's native rule)
    assert rows[0][:8] == ("a", None, None, None, None, None, None, None) and rows[0][9:] == ("unset", None)
    assert rows[1][4] == 7 and rows[1][6] == 0.5 and str(rows[1][8]) == "2026-03-01 10:00:00"
    assert ws.sql("SELECT system, task FROM runs").fetchall() == [(None, None)]


def test_a_nan_inside_attributes_is_still_refused_by_name() -> None:
    ws = wb.open()
    report = ws.ingest([{"run_id": "r", "step_id": "a", "attributes": {"x": float("nan")}}], progress=False)
    assert report.quarantined == 1
    assert "attributes" in ws.sql("SELECT reason FROM quarantine").fetchall()[0][0]


def test_named_index_levels_are_fields() -> None:
    df = pd.DataFrame(_records()[1:4]).set_index(["run_id", "step_id"])
    ws = wb.open()
    report = ws.ingest(df, progress=False)
    assert (report.stored, report.quarantined) == (3, 0)
    plain, _ = _store(_records()[1:4])
    _same(plain, ws)


def test_an_unnamed_index_is_not_a_field() -> None:
    df = pd.DataFrame(_records()[1:4], index=[10, 11, 12])
    ws = wb.open()
    assert ws.ingest(df, progress=False).stored == 3
    assert ws.sql("SELECT DISTINCT line FROM steps ORDER BY line").fetchall() == [(1,), (2,), (3,)]


@pytest.mark.parametrize(
    "columns, named",
    [
        (["run_id", 0], "0"),
        ([("run_id", ""), ("step_id", "")], "('run_id', '')"),
    ],
)
def test_a_column_not_named_by_text_is_a_type_error_naming_it(columns, named) -> None:
    df = pd.DataFrame(
        [["r", "s"]], columns=pd.MultiIndex.from_tuples(columns) if isinstance(columns[0], tuple) else columns
    )
    ws = wb.open()
    with pytest.raises(TypeError, match=r"column " + named.replace("(", r"\(").replace(")", r"\)")):
        ws.ingest(df, progress=False)
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(0,)]


def test_two_columns_of_one_name_are_a_type_error() -> None:
    df = pd.DataFrame([["r", "s", "t"]], columns=["run_id", "step_id", "step_id"])
    with pytest.raises(TypeError, match="two columns named 'step_id'"):
        wb.open().ingest(df, progress=False)


def test_an_empty_frame_reads_nothing() -> None:
    report = wb.open().ingest(pd.DataFrame(columns=["run_id", "step_id"]), progress=False)
    assert (report.read, report.stored, report.quarantined) == (0, 0, 0)


def test_a_pandas_another_thread_is_importing_is_not_asked_for_its_classes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``workbench investigate`` imports pandas in a background thread while it ingests: pandas is then in
    sys.modules before its names are, and asking it for DataFrame raised "partially initialized module 'pandas'
    has no attribute 'DataFrame'" in the CLI (the ingest's check of what it was given)."""
    import types

    half = types.ModuleType("pandas")  # (a module whose __init__ has not reached its classes yet)
    monkeypatch.setitem(sys.modules, "pandas", half)
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"}) + "\n")
    ws = wb.open()
    assert ws.ingest(path, progress=False).stored == 1
    report = ws.ingest(
        [{"run_id": "q", "step_id": "s", "agent": "a", "kind": "llm", "latency_ms": 2.0}], progress=False
    )
    assert (report.read, report.stored) == (1, 1)
