"""Odd pandas DataFrames given to ``ws.ingest`` (real38's frames): the store of the same rows as plain dicts
(``df.to_dict("records")``), or a clear error naming the column.

Before: every frame was made into a list of dicts before the first row was staged (1,000,000 rows, an 83 MB
frame: peak RSS 1,757 MB, as much as handing over ``df.to_dict("records")``; row by row ~0.2 GB less at 300,000
rows). Now a frame of more than a few rows is read row by row. What held (no change): pandas' dtypes (Categorical,
nullable Int64 and boolean, pyarrow text, tz-aware times in any zone, an object column of Timestamps of mixed
offsets with None), MultiIndex columns, a 0-row frame.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.ingest._driver import SMALL_STAGE_RECORDS
from workbench.ingest._sources import ingest_source

_TABLES = ("runs", "steps", "edges", "quarantine")


def _frame(n: int) -> pd.DataFrame:
    """``n`` steps of ``n // 10`` runs in pandas' own dtypes, with gaps, and a run record."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "run_id": [f"r{i // 10}" for i in range(n)],
            "step_id": [f"s{i}" for i in range(n)],
            "agent": pd.Categorical(rng.choice(["planner", "writer", "coder"], n)),
            "kind": pd.array(["llm"] * n, dtype="string"),
            "started_at": pd.Timestamp("2026-03-01 10:00", tz="Europe/Paris")
            + pd.to_timedelta(np.arange(n), unit="ms"),
            "tokens_in": pd.array(rng.integers(1, 100, n), dtype="Int64"),
            "confidence": rng.random(n),
            "output": [f"out {i}" for i in range(n)],
        }
    )
    df.loc[::7, "tokens_in"] = pd.NA
    df.loc[::5, "confidence"] = np.nan
    df.loc[::11, "started_at"] = pd.NaT
    df.loc[3, "step_id"] = None  # (no step id: quarantined in both)
    run = pd.DataFrame([{"record": "run", "run_id": "r0", "outcome": "failure"}])
    return pd.concat([run, df], ignore_index=True)


def _same(frame: pd.DataFrame) -> wb.Workspace:
    framed, plain = wb.open(), wb.open()
    a, b = framed.ingest(frame, progress=False), plain.ingest(frame.to_dict("records"), progress=False)
    assert (a.read, a.stored, a.quarantined) == (b.read, b.stored, b.quarantined)
    for table in _TABLES:
        query = (
            f"SELECT * EXCLUDE (created_at) FROM {table}"
            if table == "quarantine"
            else f"SELECT * FROM {table}"
        )
        framed.con.register("other_rows", plain.sql(query).df())
        for left, right in ((query, "SELECT * FROM other_rows"), ("SELECT * FROM other_rows", query)):
            assert framed.sql(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchall() == [(0,)], table
        framed.con.unregister("other_rows")
    return framed


@pytest.mark.parametrize("n", [40, 2 * SMALL_STAGE_RECORDS])
def test_a_frame_small_or_large_gives_the_store_of_its_rows(n: int) -> None:
    frame = _frame(n)
    ws = _same(frame)
    assert ws.count("steps") == n - 1
    # (Paris time read as UTC; a missing time none)
    assert ws.sql("SELECT started_at FROM steps WHERE step_id = 's1'").fetchall()[0][0].hour == 9
    untimed = int((frame["step_id"].notna() & frame["started_at"].isna()).sum())
    assert untimed > 0 and ws.sql("SELECT count(*) FROM steps WHERE started_at IS NULL").fetchall() == [
        (untimed,)
    ]


def test_a_large_frame_is_read_row_by_row() -> None:
    small, large = _frame(SMALL_STAGE_RECORDS - 2), _frame(SMALL_STAGE_RECORDS + 1)
    assert isinstance(ingest_source(small), list)  # (the small call's own stage table reads a list)
    rows = ingest_source(large)
    assert isinstance(rows, Iterator) and not isinstance(rows, list)
    assert next(rows) == {"record": "run", "run_id": "r0", "outcome": "failure"}


def test_a_bad_column_name_is_said_before_any_row_is_read() -> None:
    df = _frame(2 * SMALL_STAGE_RECORDS)
    df.columns = pd.MultiIndex.from_tuples([(c, "x") for c in df.columns])
    with pytest.raises(TypeError, match=r"column \('record', 'x'\) is named by a tuple"):
        wb.open().ingest(df, progress=False)


def test_times_of_mixed_offsets_in_one_column_and_an_empty_frame() -> None:
    df = pd.DataFrame(
        {
            "run_id": "r1",
            "step_id": ["a", "b", "c"],
            "kind": "llm",
            "started_at": [
                pd.Timestamp("2026-03-01T15:00:00+05:00"),
                pd.Timestamp("2026-03-01T10:00:01+00:00"),
                None,
            ],
        }
    )
    ws = _same(df)
    assert [
        t.isoformat() if t else None
        for (t,) in ws.sql("SELECT started_at FROM steps ORDER BY step_id").fetchall()
    ] == ["2026-03-01T10:00:00", "2026-03-01T10:00:01", None]
    report = wb.open().ingest(df.iloc[0:0], progress=False)
    assert (report.read, report.stored) == (0, 0)
