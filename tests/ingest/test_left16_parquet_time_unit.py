"""Phoenix span dataframes saved as Parquet with times before 1973: the column's Parquet timestamp type says
its unit, so the time is read in it, not guessed from its size (1972 in nanoseconds is below 10**17, which
the epoch-number guess reads as microseconds of 2000-2100). An integer column, with no type saying its unit,
is still told by size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import workbench as wb


def _frame(start: object, end: object, trace: str = "f7d0b5397a69b710a7eb06a0fb06909c") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "name": "agent",
                "span_kind": "AGENT",
                "parent_id": None,
                "start_time": start,
                "end_time": end,
                "status_code": "OK",
                "context.span_id": "a1",
                "context.trace_id": trace,
                "attributes.openinference.span.kind": "AGENT",
            }
        ]
    )


_UNITS = ["ns", "us", "ms", "s"]


def test_parquet_timestamp_before_1973_read_in_its_type_unit(tmp_path: Path) -> None:
    # (a file a unit, a trace each, in one call: each column's unit is its own file's type)
    start = pd.Timestamp("1972-06-01 12:00:00", tz="UTC")
    paths = []
    for n, unit in enumerate(_UNITS):
        frame = _frame(start, start + pd.Timedelta(seconds=2), trace=f"{n + 1:032x}")
        frame["start_time"] = frame["start_time"].astype(f"datetime64[{unit}, UTC]")
        frame["end_time"] = frame["end_time"].astype(f"datetime64[{unit}, UTC]")
        paths.append(tmp_path / f"spans-{unit}.parquet")
        frame.to_parquet(paths[-1])
    ws = wb.open()
    assert ws.ingest(paths).stored == len(_UNITS)
    for n, unit in enumerate(_UNITS):
        started, latency = ws.sql(
            "SELECT started_at, latency_ms FROM steps WHERE run_id = ?", [f"{n + 1:032x}"]
        ).fetchall()[0]
        assert str(started) == "1972-06-01 12:00:00", unit
        assert latency == pytest.approx(2000), unit


def test_parquet_integer_epoch_column_still_told_by_size(tmp_path: Path) -> None:
    ms = int(pd.Timestamp("2026-12-01 21:22:55", tz="UTC").timestamp() * 1000)
    path = tmp_path / "spans.parquet"
    _frame(ms, ms + 1500).to_parquet(path)  # int64 epoch milliseconds (no unit in the type)
    ws = wb.open()
    assert ws.ingest(path).stored == 1
    started, latency = ws.sql("SELECT started_at, latency_ms FROM steps").fetchall()[0]
    assert str(started) == "2026-12-01 21:22:55"
    assert latency == pytest.approx(1500)
