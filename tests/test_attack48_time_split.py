"""The general time rule (round 47, ``ingest/_time_units.py``): a native time that, read in the unit its size tells,
lies more than 366 days from its run's middle time is no time. ``4000000000`` among a run's nanoseconds of today is
2096 in seconds: the whole file stores that step without a time. The middle time is taken from the staged file
alone (``time_centers``: per file and run), never from the times the store already holds for the run: the same
records ingested in two calls (a log rotated, a file appended to and ingested again, "split = whole") leave the
odd step as the second call's only time, its own middle, and store it in 2096: the run lasts 70 years.
attack48's (strict xfail, mended by mend48: now a plain test)."""

from __future__ import annotations

import workbench as wb

_TODAY_S = 1_767_268_800  # 2026-01-01T12:00:00Z


def _records() -> list[dict]:
    step = {"record": "step", "run_id": "r1", "agent": "a", "kind": "llm", "output": "x"}
    return (
        [{"record": "run", "run_id": "r1", "outcome": "failure"}]
        + [{**step, "step_id": f"s{i}", "started_at": (_TODAY_S + i) * 10**9} for i in range(4)]
        + [{**step, "step_id": "s4", "started_at": 4_000_000_000}]  # 2096 in seconds: no time of this run
    )


def _times(parts: list[list[dict]]) -> list[tuple]:
    ws = wb.open()
    for part in parts:
        ws.ingest(part, progress=False)
    return ws.sql(
        "SELECT step_id, started_at FROM steps UNION ALL SELECT 'run', ended_at FROM runs ORDER BY 1"
    ).fetchall()


def test_a_far_time_is_no_time_whether_its_run_came_whole_or_split() -> None:
    records = _records()
    whole = _times([records])
    assert dict(whole)["s4"] is None  # (the rule, on the whole file)
    assert _times([records[:5], records[5:]]) == whole
