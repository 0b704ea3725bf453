"""Native integer times in seconds, milliseconds or microseconds: the general rule (storeb47, ``_time_units``).

Each small time is read in the unit its size tells, unless read so it lies years from its run's other times: then
that unit is wrong for it. A file whose small times are mostly wrong so (fitting no unit, or years apart) and whose
runs hold no nanoseconds of today is a clock counted from 1970 in nanoseconds, kept as the format says; otherwise the
wrong ones alone are read as no time, their lines named. Before, two counting rules: a ``time.time()`` seconds file
with one odd small value went to 1970 whole (round 46's mend for nanosecond clocks), a nanosecond clock past its first
second with no value below it was read in seconds (steps 15 years long), a value 2096 in seconds among ``Date.now()``
milliseconds of today made its step "end before it starts" (quarantined), and a stray ``5`` beside nanoseconds of today was a
step 56 years long.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import workbench as wb

S = int(datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp())
NS = 10**9


def _naive(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


CASES = {
    # time.time() seconds, one odd small value: the seconds kept, the odd one no time (its line named)
    "seconds-one-odd": (
        [(S, S + 2), (S + 3, S + 4), (5, S + 6), (S + 7, S + 8)],
        [
            (_naive(S), _naive(S + 2)),
            (_naive(S + 3), _naive(S + 4)),
            (None, _naive(S + 6)),
            (_naive(S + 7), _naive(S + 8)),
        ],
        "1 integer timestamp fits no unit",
    ),
    # a nanosecond clock counted from 1970, past its first second and never below it: nanoseconds, not 2001-2080
    "ns-clock-from-1s": (
        [(NS, NS + NS // 2), (2 * NS, 2 * NS + NS // 2), (3 * NS, 3 * NS + NS // 2)],
        [(_naive(1), _naive(1.5)), (_naive(2), _naive(2.5)), (_naive(3), _naive(3.5))],
        "were read as nanoseconds (1970)",
    ),
    # Date.now() milliseconds and one value of another clock, 2096 in seconds: no time, its step kept
    "ms-one-far-seconds": (
        [(S * 1000, S * 1000 + 500), (4 * 10**9, S * 1000 + 1500), (S * 1000 + 2000, S * 1000 + 2500)],
        [(_naive(S), _naive(S + 0.5)), (None, _naive(S + 1.5)), (_naive(S + 2), _naive(S + 2.5))],
        "would lie years from its run's other times",
    ),
    # nanoseconds of today and a stray 5: no time, not a step from 1970
    "ns-today-one-odd": (
        [(S * NS, S * NS + NS), (5, S * NS + 2 * NS)],
        [(_naive(S), _naive(S + 1)), (None, _naive(S + 2))],
        "beside nanoseconds of today",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_unit_that_puts_a_time_years_from_its_run_is_wrong_for_it(tmp_path: Path, case: str) -> None:
    given, expected, said = CASES[case]
    path = tmp_path / f"{case}.jsonl"
    path.write_text(
        "".join(
            json.dumps({"run_id": "r1", "step_id": f"s{i}", "kind": "llm", "started_at": a, "ended_at": b})
            + "\n"
            for i, (a, b) in enumerate(given)
        )
    )
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.stored, report.quarantined) == (len(given), 0)
    assert ws.sql("SELECT started_at, ended_at FROM steps ORDER BY step_id").fetchall() == expected
    assert any(said in n for n in report.notes), report.notes
    unset = [i for i, (start, _) in enumerate(expected, 1) if start is None]
    if unset:  # (the line of the time read as no time is named)
        assert any(f"(line {unset[0]})" in n for n in report.notes), report.notes
