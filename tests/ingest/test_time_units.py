"""Native timestamps written as epoch seconds, milliseconds or microseconds are read in their unit, and said so."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import workbench as wb

WHEN = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
S = int(WHEN.timestamp())  # what int(time.time()) gives


def _steps(times: list[tuple[object, object]]) -> list[dict]:
    return [
        {"run_id": "r1", "step_id": f"s{i}", "kind": "llm", "started_at": a, "ended_at": b}
        for i, (a, b) in enumerate(times)
    ]


def _write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def _times(ws: wb.Workspace) -> list[tuple]:
    return ws.sql("SELECT started_at, ended_at, latency_ms FROM steps ORDER BY step_id").fetchall()


def _naive(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


UNITS = {"seconds": 1, "milliseconds": 1000, "microseconds": 10**6}


def test_integer_epoch_times_are_read_in_the_unit_their_size_tells(tmp_path: Path) -> None:
    # time.time() rounded, JavaScript's Date.now(), microseconds: all landed in January 1970. (A file a unit, a
    # run each, read in one call: each file's unit is told by its own sizes, test_files_are_told_apart.)
    paths = {
        unit: _write(
            tmp_path / f"{unit}.jsonl",
            [dict(r, run_id=unit) for r in _steps([(S * per_s, (S + 2) * per_s), ((S + 3) * per_s, None)])],
        )
        for unit, per_s in UNITS.items()
    }
    ws = wb.open()
    report = ws.ingest(list(paths.values()))
    assert (report.stored, report.quarantined) == (2 * len(UNITS), 0)
    for unit in UNITS:
        assert ws.sql(
            "SELECT started_at, ended_at, latency_ms FROM steps WHERE run_id = ? ORDER BY step_id", [unit]
        ).fetchall() == [(_naive(S), _naive(S + 2), 2000.0), (_naive(S + 3), None, None)], unit
        assert unit in str(report) and unit in report._repr_html_()
    assert sorted(report.notes) == sorted(
        f"{paths[unit]}: 3 timestamps read as {unit} since 1970 (told by size; the format's numbers are "
        "nanoseconds)"
        for unit in UNITS
    )  # (one a file)
    again = ws.ingest(list(paths.values()))  # the same times again: nothing new, no conflict
    assert (again.added, again.quarantined) == (0, 0)


def test_float_seconds_keep_their_fraction(tmp_path: Path) -> None:
    # time.time() as it is: seconds with a fraction (read by the Python reader, one by one); a whole
    # number written as a float is an integer, of the unit the file's integers have.
    path = _write(tmp_path / "t.jsonl", _steps([(S + 0.25, S + 0.75), (S + 1.5, float(S + 2))]))
    ws = wb.open()
    report = ws.ingest(path)
    assert report.quarantined == 0
    assert _times(ws) == [
        (_naive(S + 0.25), _naive(S + 0.75), 500.0),
        (_naive(S + 1.5), _naive(S + 2), 500.0),
    ]
    assert report.notes == [
        f"{path}: 4 timestamps read as seconds since 1970 (told by size; "
        "the format's numbers are nanoseconds)"
    ]


def test_nanoseconds_and_iso_are_unchanged(tmp_path: Path) -> None:
    ns = S * 10**9
    path = _write(tmp_path / "ns.jsonl", _steps([(ns, ns + 5), ("2026-01-01T12:00:01Z", S + 2)]))
    ws = wb.open()
    report = ws.ingest(path)
    # ISO text and nanoseconds as they are; the integer seconds beside them in their unit.
    assert _times(ws)[0][:2] == (_naive(S), _naive(S))
    assert _times(ws)[1][:2] == (_naive(S + 1), _naive(S + 2))
    assert report.notes == [
        f"{path}: 1 timestamp read as seconds since 1970 (told by size; the format's numbers are nanoseconds)"
    ]
    assert wb.open().ingest(_write(tmp_path / "only.jsonl", _steps([(ns, ns + 5)]))).notes == []


def test_small_nanoseconds_of_mixed_sizes_stay_nanoseconds_and_are_named(tmp_path: Path) -> None:
    # Synthetic times counted from 1970 (0, half a second, 1 s, 2 s as nanoseconds) are not all of one
    # other unit: kept as the format says, and the report names those that looked like seconds.
    path = _write(tmp_path / "small.jsonl", _steps([(0, 5 * 10**8), (10**9, 2 * 10**9)]))
    ws = wb.open()
    report = ws.ingest(path)
    assert _times(ws)[1][:2] == (_naive(1), _naive(2))
    assert len(report.notes) == 1 and "2 integer timestamps look like epoch 2 seconds" in report.notes[0]


def test_records_in_memory_too() -> None:
    ws = wb.open()
    report = ws.ingest(_steps([(S * 1000, S * 1000 + 1500)]))
    assert _times(ws) == [(_naive(S), _naive(S + 1.5), 1500.0)]
    assert report.notes and "milliseconds" in report.notes[0]


def test_files_are_told_apart(tmp_path: Path) -> None:
    s = _write(tmp_path / "a.jsonl", _steps([(S, S + 1)]))
    ms = _write(tmp_path / "b.jsonl", [dict(r, run_id="r2") for r in _steps([(S * 1000, S * 1000 + 1)])])
    ws = wb.open()
    report = ws.ingest([s, ms])
    assert sorted(ws.sql("SELECT run_id, latency_ms FROM steps").fetchall()) == [("r1", 1000.0), ("r2", 1.0)]
    assert [n.split(": ")[0] for n in report.notes] == [str(s), str(ms)]


def test_whole_floats_are_integers_of_their_file(tmp_path: Path) -> None:
    # 5e8 and 1.5e9 written as floats beside integer nanoseconds counted from 1970: all nanoseconds, the
    # file's sizes being mixed (not 1.5e9 seconds beside 1e9 nanoseconds).
    path = _write(tmp_path / "f.jsonl", _steps([(0, 5e8), (10**9, 1e9 + 5e8)]))
    ws = wb.open()
    report = ws.ingest(path)
    assert [t[2] for t in _times(ws)] == [500.0, 500.0]
    assert len(report.notes) == 1 and "read as nanoseconds" in report.notes[0]


def test_a_fraction_that_fits_no_unit_is_quarantined_and_decimal_text_is_read(tmp_path: Path) -> None:
    # time.perf_counter() (seconds since boot) is no epoch time: its fraction says it is no nanoseconds.
    recs = _steps([(12345.678, None), ("1767268800.25", None), (S, None)])
    path = _write(tmp_path / "p.jsonl", recs)
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    (reason,) = ws.quarantine()["reason"]
    assert reason.startswith("bad timestamp: 12345.678 has a fraction, so it is not integer nanoseconds")
    assert list(ws.quarantine()["line"]) == [1]
    assert _times(ws)[0][0] == _naive(1767268800.25)
