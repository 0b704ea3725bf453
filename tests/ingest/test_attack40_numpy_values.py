"""numpy values inside a record's dicts and lists (attributes, input, output) are written as the JSON of the Python
values they hold (attack40).

Before: the JSON writer wrote what it did not know as its text (``default=str``): ``{"n": np.int64(3)}`` was stored
as ``{"n": "3"}``, ``np.float32(0.5)`` as ``"0.5"``, ``np.bool_(True)`` as ``"True"``, an array as ``"[1 2]"``; the
same record of plain Python values stores numbers, booleans and lists, and a query on the attribute saw text. A
``DataFrame`` whose attributes column holds such dicts (a ``df["attributes"] = [{"n": row.n} ...]``) hit it on every
row. Now the two stores are the same row for row (EXCEPT ALL both ways).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import workbench as wb

T0 = 1_796_000_000_000_000_000
_TABLES = ("runs", "steps", "edges", "quarantine")


def _records(n, f, arr, b) -> list[dict]:
    return [
        {
            "run_id": "r1",
            "step_id": "s1",
            "agent": "a",
            "kind": "agent",
            "started_at": T0,
            "ended_at": T0 + 10**9,
        },
        {
            "run_id": "r1",
            "step_id": "s2",
            "parent_id": "s1",
            "agent": "a",
            "kind": "tool",
            "started_at": T0 + 1,
            "ended_at": T0 + 10**6,
            "attributes": {"n": n, "f": f, "arr": arr, "b": b, "nested": [{"k": n}]},
            "input": {"x": n, "arr": arr},
            "output": [f, b],
        },
    ]


def _same(a: wb.Workspace, b: wb.Workspace) -> None:
    for table in _TABLES:
        # (a quarantined record's raw text is the record as given: the numpy one's is not the plain one's)
        cols = "file, line, reason, source, run_id, step_id" if table == "quarantine" else "*"
        one = a.sql(f"SELECT {cols} FROM {table}").df()
        two = b.sql(f"SELECT {cols} FROM {table}").df()
        a.con.register("other_rows", two)
        for q in (
            f"SELECT {cols} FROM {table} EXCEPT ALL SELECT {cols} FROM other_rows",
            f"SELECT {cols} FROM other_rows EXCEPT ALL SELECT {cols} FROM {table}",
        ):
            assert a.sql(q).fetchall() == [], (table, q)
        a.con.unregister("other_rows")
        assert len(one) == len(two), table


def test_numpy_values_inside_dicts_store_as_the_plain_values_do() -> None:
    # (and a numpy NaN inside a dict is refused as a Python NaN is: written as text it was stored as "nan"; as the
    # float it holds it is no JSON, and the record is quarantined by the field it is in, as the same record with a
    # Python NaN. Its run, r2, read beside r1 in the same call of each store: it was a pair of stores of its own)
    numpy_ws, plain_ws = wb.open(), wb.open()
    nan = [dict(r, run_id="r2") for r in _records(1, np.float32("nan"), [], False)]
    got = numpy_ws.ingest(
        _records(np.int64(3), np.float32(0.5), np.array([1, 2]), np.bool_(True)) + nan, progress=False
    )
    want = plain_ws.ingest(
        _records(3, 0.5, [1, 2], True) + [dict(r, run_id="r2") for r in _records(1, float("nan"), [], False)],
        progress=False,
    )
    assert (got.stored, got.quarantined) == (want.stored, want.quarantined) == (2 + 1, 1)
    assert numpy_ws.sql(
        "SELECT attributes->>'$.n', input FROM steps WHERE run_id = 'r1' AND step_id = 's2'"
    ).fetchall() == [("3", '{"x":3,"arr":[1,2]}')]
    assert numpy_ws.sql(
        "SELECT json_type(attributes->'$.n'), json_type(attributes->'$.arr') FROM steps "
        "WHERE run_id = 'r1' AND step_id = 's2'"
    ).fetchall() == [("UBIGINT", "ARRAY")]
    ((run, reason),) = numpy_ws.sql("SELECT run_id, reason FROM quarantine").fetchall()
    assert run == "r2" and "cannot be written as JSON" in reason, "numpy NaN"
    _same(numpy_ws, plain_ws)


def test_numpy_times_and_nested_arrays_inside_dicts() -> None:
    when = np.datetime64("2026-12-04T10:00:00", "ns")
    ws = wb.open()
    report = ws.ingest(
        _records(
            np.int32(-2),
            np.float64(0.25),
            np.array([[1.5, 2.0], [3.0, 4.0]], dtype=np.float32),
            np.array([when]),
        ),
        progress=False,
    )
    assert report.quarantined == 0, report.errors
    ((attrs,),) = ws.sql("SELECT attributes::VARCHAR FROM steps WHERE step_id = 's2'").fetchall()
    assert attrs == (
        '{"n":-2,"f":0.25,"arr":[[1.5,2.0],[3.0,4.0]],"b":["2026-12-04T10:00:00.000000000"],'
        '"nested":[{"k":-2}]}'
    )


def test_a_frame_whose_attributes_column_holds_numpy_values() -> None:
    frame = pd.DataFrame(
        {
            "run_id": ["r1", "r1"],
            "step_id": ["s1", "s2"],
            "parent_id": [None, "s1"],
            "agent": ["a", "a"],
            "kind": ["agent", "tool"],
            "started_at": [T0, T0 + 1],
            "ended_at": [T0 + 10**9, T0 + 10**6],
        }
    )
    counts = np.array([7, 8], dtype=np.int64)
    frame["attributes"] = [{"tokens": counts[i], "ok": counts[i] > 7} for i in range(2)]
    plain = [{k: v for k, v in r.items() if v is not None} for r in frame.to_dict("records")]
    for r, i in zip(plain, range(2), strict=True):
        r["attributes"] = {"tokens": int(counts[i]), "ok": bool(counts[i] > 7)}
    numpy_ws, plain_ws = wb.open(), wb.open()
    assert numpy_ws.ingest(frame, progress=False).stored == 2
    assert plain_ws.ingest(plain, progress=False).stored == 2
    _same(numpy_ws, plain_ws)
