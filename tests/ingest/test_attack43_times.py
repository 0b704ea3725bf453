"""Times a production log or a DataFrame holds: stored as the instant they name, or quarantined with a reason in
the log's words.

* A ``datetime.date`` (a DataFrame column of days) was refused, "not a timestamp: datetime.date(2026, 3, 1)",
  while the text "2026-03-01" in a log is read as its midnight UTC: now the same.
* A time past 64 bits of nanoseconds (year 9999, a nanosecond string of 20 digits) was quarantined as "field
  'start_ns' is out of range (253402300798000000000)": a name the log never wrote and a number nobody reads as a
  date. Now "start time is out of range (… ns since 1970, 9999-12-31T23:59:58Z; the range is 1970 to 2262)",
  as a time before 1970 is told.
* Local times around a DST change, given as aware datetimes, are the UTC instants Python gives them (the hour
  repeated in November told apart by ``fold``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

import workbench as wb


def _step(run: str, start: object, end: object) -> list[dict]:
    return [
        {"record": "run", "run_id": run, "outcome": "success"},
        {
            "record": "step",
            "run_id": run,
            "step_id": "s1",
            "agent": "writer",
            "kind": "llm",
            "started_at": start,
            "ended_at": end,
        },
    ]


def _times(ws: wb.Workspace) -> dict[str, tuple]:
    return {
        run: (str(s), str(e), ms)
        for run, s, e, ms in ws.sql("SELECT run_id, started_at, ended_at, latency_ms FROM steps").fetchall()
    }


def test_a_day_is_its_midnight_utc_as_its_text_is(tmp_path: Path) -> None:
    days = _step("days", dt.date(2026, 3, 1), dt.date(2026, 3, 2))
    frame = wb.open()
    rep = frame.ingest(pd.DataFrame(days), progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (1, 1, 0)  # (a run record is no step: not counted)
    records = wb.open()
    records.ingest(days, progress=False)
    log = tmp_path / "days.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in _step("days", "2026-03-01", "2026-03-02")))
    text = wb.open()
    text.ingest(log, progress=False)
    want = {"days": ("2026-03-01 00:00:00", "2026-03-02 00:00:00", 86_400_000.0)}
    assert _times(frame) == _times(records) == _times(text) == want


def test_a_time_past_64_bits_is_out_of_range_in_a_times_words(tmp_path: Path) -> None:
    log = tmp_path / "far.jsonl"
    log.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [
                *_step("y9999", "9999-12-31T23:59:58Z", "9999-12-31T23:59:59Z"),
                *_step("digits", "99999999999999999999", "99999999999999999999"),
                *_step("ok", "2026-03-01T10:00:00Z", "2026-03-01T10:00:01Z"),
            ]
        )
    )
    ws = wb.open()
    rep = ws.ingest(log, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 1, 2)
    reasons = dict(ws.sql("SELECT line, reason FROM quarantine").fetchall())
    assert reasons == {
        2: "start time is out of range (253402300798000000000 ns since 1970, 9999-12-31T23:59:58Z; the range is "
        "1970 to 2262)",
        4: "start time is out of range (99999999999999999999 ns since 1970, 5138-11-16T09:46:39Z; the range is "
        "1970 to 2262)",
    }
    memory = wb.open()
    rep = memory.ingest(_step("dt", dt.datetime(9999, 1, 1), dt.datetime(9999, 1, 2)), progress=False)
    ((reason,),) = memory.sql("SELECT reason FROM quarantine").fetchall()
    assert (
        rep.quarantined == 1
        and reason.startswith("start time is out of range (")
        and "9999-01-01T00:00:00Z" in reason
    )


def test_local_times_around_a_dst_change_are_their_utc_instants() -> None:
    ny = ZoneInfo("America/New_York")
    ws = wb.open()
    ws.ingest(
        [
            *_step(
                "fold",
                dt.datetime(2026, 11, 1, 1, 30, tzinfo=ny),  # EDT, the first 01:30
                dt.datetime(2026, 11, 1, 1, 10, tzinfo=ny, fold=1),
            ),  # EST, the second 01:10
            *_step(
                "spring", dt.datetime(2026, 3, 8, 1, 50, tzinfo=ny), dt.datetime(2026, 3, 8, 3, 10, tzinfo=ny)
            ),
        ],
        progress=False,
    )
    assert _times(ws) == {
        "fold": ("2026-11-01 05:30:00", "2026-11-01 06:10:00", 2_400_000.0),
        "spring": ("2026-03-08 06:50:00", "2026-03-08 07:10:00", 1_200_000.0),
    }
