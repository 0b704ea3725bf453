"""OTLP ``*UnixNano`` fields written in seconds, milliseconds or microseconds are told by size, as native times are.

Buggy exporters (hand-written ones, a JavaScript ``Date.now()``) fill the nanosecond fields in another unit;
read as nanoseconds such spans land in January 1970, silently. Both readers (the SQL fast path and the
Python one) are covered: a JSONL line goes through the SQL path, a pretty-printed document through Python.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import workbench as wb

WHEN = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
S = int(WHEN.timestamp())


def _span(n: int, start: Any, end: Any, trace: str = "ab" * 16) -> dict:
    out = {"traceId": trace, "spanId": f"{n + 1:016x}", "name": f"span {n}", "status": {}}
    if start is not None:
        out["startTimeUnixNano"] = start
    if end is not None:
        out["endTimeUnixNano"] = end
    return out


def _doc(times: list[tuple[Any, Any]], trace: str = "ab" * 16) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "lib"},
                        "spans": [_span(i, a, b, trace) for i, (a, b) in enumerate(times)],
                    }
                ],
            }
        ]
    }


def _write(path: Path, times: list[tuple[Any, Any]], pretty: bool, trace: str = "ab" * 16) -> Path:
    doc = _doc(times, trace)
    path.write_text(json.dumps(doc, indent=2) if pretty else json.dumps(doc) + "\n")
    return path


def _times(ws: wb.Workspace, run: str | None = None) -> list[tuple]:
    return ws.sql(
        "SELECT started_at, ended_at, latency_ms FROM steps WHERE run_id = coalesce(?, run_id) ORDER BY step_id",
        [run],
    ).fetchall()


def _naive(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


_UNITS = {"seconds": 1, "milliseconds": 1000, "microseconds": 10**6}


@pytest.mark.parametrize("pretty", [False, True], ids=["jsonl-sql-path", "document-python-path"])
def test_integer_times_are_read_in_the_unit_their_size_tells_and_fractional_seconds_keep_their_fraction(
    tmp_path: Path, pretty: bool
) -> None:
    # As the protobuf JSON mapping writes 64-bit integers (text) and as some exporters write them (numbers). A
    # file a unit, a trace each, in one call: each file's unit is told by its own times. (With them, a file of
    # fractional seconds, its own trace: a call of its own before.)
    paths = {
        unit: _write(
            tmp_path / f"{unit}.json",
            [(str(S * per_s), str((S + 2) * per_s)), ((S + 3) * per_s, None)],
            pretty,
            f"{per_s:032x}",
        )
        for unit, per_s in _UNITS.items()
    }
    fractions = _write(tmp_path / "f.json", [(S + 0.25, S + 0.75), ("1767268800.5", None)], pretty, "f" * 32)
    ws = wb.open()
    report = ws.ingest([*paths.values(), fractions], format="otlp")
    assert (report.stored, report.quarantined) == (6 + 2, 0)
    for unit, per_s in _UNITS.items():
        assert _times(ws, f"{per_s:032x}") == [
            (_naive(S), _naive(S + 2), 2000.0),
            (_naive(S + 3), None, None),
        ], unit
    assert _times(ws, "f" * 32) == [
        (_naive(S + 0.25), _naive(S + 0.75), 500.0),
        (_naive(1767268800.5), None, None),
    ], "fractional seconds"
    assert sorted(report.notes) == sorted(
        f"{path.resolve()}: 3 timestamps read as {unit} since 1970 (told by size; "
        "the format's numbers are nanoseconds)"
        for unit, path in [*paths.items(), ("seconds", fractions)]
    )
    again = ws.ingest([*paths.values(), fractions], format="otlp")  # idempotent: the same steps, no conflict
    assert (again.added, again.quarantined) == (0, 0)


def test_nanoseconds_are_unchanged_and_mixed_small_times_stay_nanoseconds(tmp_path: Path) -> None:
    ns = S * 10**9
    ws = wb.open()
    report = ws.ingest(_write(tmp_path / "ns.json", [(str(ns), str(ns + 5_000_000))], False), format="otlp")
    assert report.notes == [] and _times(ws) == [(_naive(S), _naive(S + 0.005), 5.0)]
    # 5 ns counted from 1970 beside a time that would fit seconds: kept as the format says, and named.
    mixed = _write(tmp_path / "mixed.json", [("5", str(S))], False)
    ws = wb.open()
    report = ws.ingest(mixed, format="otlp")
    assert _times(ws)[0][:2] == (
        datetime(1970, 1, 1),
        datetime(1970, 1, 1, 0, 0, S // 10**9, S % 10**9 // 1000),
    )
    assert len(report.notes) == 1 and "1 seconds but were read as nanoseconds" in report.notes[0]


def test_a_fraction_that_fits_no_unit_is_quarantined(tmp_path: Path) -> None:
    # performance.now()-style relative milliseconds are no epoch time.
    path = _write(tmp_path / "rel.json", [(12345.678, None), (str(S * 10**9), None)], False)
    ws = wb.open()
    report = ws.ingest(path, format="otlp")
    assert (report.read, report.stored, report.quarantined) == (2, 1, 1)
    (reason,) = ws.quarantine()["reason"]
    assert reason.startswith("bad span: startTimeUnixNano 12345.678 has a fraction")
