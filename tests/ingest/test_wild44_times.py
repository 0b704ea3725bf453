"""Times and shapes real exporters write that read wrong before wild44.

* Native JSONL whose integer times mix units (``time.time()`` seconds beside ``Date.now()`` milliseconds, even in
  one record) or hold 0 (an unset clock): the whole file's small times were kept as nanoseconds (January 1970),
  and a 0 beside nanoseconds of today made a run 56 years long. Each value is now read in the unit its size
  tells and 0 is no time, by the SQL fast path and the Python reader alike (scaled on the stage after both).
* Langfuse observations whose times are digit text (``"1759312800000"``, a ClickHouse dump) read as nanoseconds.
* An epoch number of milliseconds read through a float product: ``...123000064`` ns for ``...123`` ms.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

from _reader_agreement import differences, store

import workbench as wb
from workbench.ingest._time_units import epoch_or_iso_ns

S = int(datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp())
LANGFUSE = Path(__file__).parent / "fixtures" / "langfuse" / "observations.json"


def _naive(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


def _step(sid: str, start: object, end: object) -> dict:
    return {"run_id": "r1", "step_id": sid, "kind": "llm", "started_at": start, "ended_at": end}


def test_native_times_in_several_units_and_zero_are_each_read_in_their_own_by_both_readers(
    tmp_path: Path,
) -> None:
    recs = [
        {"record": "run", "run_id": "r1", "started_at": 0, "ended_at": (S + 9) * 1000},  # ms, and no start
        _step("a", S, S + 2),  # seconds
        _step("b", (S + 3) * 1000, (S + 4) * 1000),  # milliseconds
        _step("c", S + 5, (S + 6) * 1000),  # one record, two units
        _step("d", 0, (S + 7) * 10**9),  # an unset start beside nanoseconds
        _step("e", (S + 8) * 10**6, S + 9),  # µs then s: "ends before it starts" unscaled
        # a run that does end before it starts, in two units: the reader compares only a pair of one unit, this
        # one is compared after scaling, and still quarantined
        {"record": "run", "run_id": "r2", "started_at": (S + 5) * 1000, "ended_at": S},
        {**_step("f", S, S + 1), "run_id": "r2"},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    fast, python = store(path, True), store(path, False)
    assert not differences(fast, python), differences(fast, python)
    assert fast["report"] == (7, 6, 1)  # (a run record stored is no step)
    (q,) = fast["quarantine"]
    assert q["line"] == 7 and q["reason"].startswith("run record ends before it starts")
    times = {r["step_id"]: (r["started_at"], r["ended_at"]) for r in fast["steps"]}
    assert times == {
        "a": (_naive(S), _naive(S + 2)),
        "b": (_naive(S + 3), _naive(S + 4)),
        "c": (_naive(S + 5), _naive(S + 6)),
        "d": (None, _naive(S + 7)),
        "e": (_naive(S + 8), _naive(S + 9)),
        "f": (_naive(S), _naive(S + 1)),
    }
    run = fast["runs"][0]
    assert (run["started_at"], run["ended_at"]) == (_naive(S), _naive(S + 9))  # (no start: its first step's)
    ws = wb.open()
    notes = ws.ingest(path, progress=False).notes
    said = "since 1970 (told by size; the format's numbers are nanoseconds)"
    assert notes == [
        f"{path}: 1 timestamp read as microseconds {said}",
        f"{path}: 5 timestamps read as milliseconds {said}",
        f"{path}: 7 timestamps read as seconds {said}",
        f"{path}: 2 timestamps of 0 read as no time (an unset clock, not 1970)",
    ]
    # the longest run is seconds long, not 56 years
    assert ws.sql("SELECT max(date_diff('second', started_at, ended_at)) FROM steps").fetchall() == [(2,)]


def test_langfuse_times_written_as_digit_text_are_read_by_size(tmp_path: Path) -> None:
    # milliseconds, seconds, seconds with a fraction: one observation each
    texts = [
        ("1759312800000", "1759312803000"),
        ("1759312800", "1759312803"),
        ("1759312800.5", "1759312803.25"),
    ]
    observations = copy.deepcopy(json.loads(LANGFUSE.read_text()))
    for obs, (start, end) in zip(observations, texts, strict=True):
        obs["startTime"], obs["endTime"] = start, end
    path = tmp_path / "observations.json"
    path.write_text(json.dumps(observations))
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 3, 0)
    got = dict(ws.con.execute("SELECT step_id, (started_at, ended_at) FROM steps").fetchall())
    assert got == {
        observations[0]["id"]: (_naive(1759312800), _naive(1759312803)),
        observations[1]["id"]: (_naive(1759312800), _naive(1759312803)),
        observations[2]["id"]: (_naive(1759312800.5), _naive(1759312803.25)),
    }


def test_epoch_numbers_are_scaled_exactly() -> None:
    assert epoch_or_iso_ns(1_733_400_000_123) == 1_733_400_000_123_000_000
    assert epoch_or_iso_ns("1733400000123456789") == 1_733_400_000_123_456_789
    assert epoch_or_iso_ns(1_733_400_000.25) == 1_733_400_000_250_000_000
    assert epoch_or_iso_ns("0") is None and epoch_or_iso_ns("2024-12-05T12:00:00Z") == 1_733_400_000 * 10**9
