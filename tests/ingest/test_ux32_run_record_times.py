"""A native run record's ``started_at`` / ``ended_at`` are read: a run whose steps carry no time starts when its
record says; with both, the earliest start and the latest end win (a run encloses its steps); a bad time or an
end before the start quarantines the record, whichever reader read it (the SQL paths and the Python reader store
the same rows: checked as each test ends, tests/ingest/conftest.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from _reader_agreement import readers
from test_native_fast import good_lines
from test_native_file import stage_file, stage_whole_file, staged

import workbench as wb
from workbench.ingest import native

S = 1_767_225_600  # 2026-01-01T00:00:00Z in seconds


def _write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def _run_times(ws: wb.Workspace, run_id: str) -> tuple[datetime | None, datetime | None]:
    return ws.sql("SELECT started_at, ended_at FROM runs WHERE run_id = $r", params={"r": run_id}).fetchall()[
        0
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_run_record_times_are_read_and_enclose_the_steps(tmp_path: Path, fast: bool) -> None:
    recs = [
        # untimed steps: the run's times are its record's
        {
            "record": "run",
            "run_id": "untimed",
            "system": "s",
            "started_at": "2026-01-01T00:00:00Z",
            "ended_at": "2026-01-01T00:05:00.5Z",
        },
        {"record": "step", "run_id": "untimed", "step_id": "a", "agent": "planner", "kind": "llm"},
        # a record starting after its first step and ending before its last: the steps' bounds win
        {"record": "run", "run_id": "inside", "started_at": (S + 10) * 10**9, "ended_at": (S + 20) * 10**9},
        {
            "record": "step",
            "run_id": "inside",
            "step_id": "a",
            "kind": "llm",
            "started_at": (S + 5) * 10**9,
            "ended_at": (S + 25) * 10**9,
        },
        # a record wider than its steps (setup before the first step): the record's bounds win
        {
            "record": "run",
            "run_id": "wider",
            "started_at": "2026-01-01T00:00:01Z",
            "ended_at": "2026-01-01T00:01:00Z",
        },
        {
            "record": "step",
            "run_id": "wider",
            "step_id": "a",
            "kind": "llm",
            "started_at": (S + 30) * 10**9,
            "ended_at": (S + 40) * 10**9,
        },
        # only a start
        {"record": "run", "run_id": "open", "started_at": "2026-01-01T00:00:02Z"},
    ]
    path = _write(tmp_path / "runs.jsonl", recs)
    with readers(fast):
        ws = wb.open()
        report = ws.ingest(path)
    assert report.quarantined == 0, report.errors
    assert _run_times(ws, "untimed") == (datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 5, 0, 500000))
    assert _run_times(ws, "inside") == (datetime(2026, 1, 1, 0, 0, 5), datetime(2026, 1, 1, 0, 0, 25))
    assert _run_times(ws, "wider") == (datetime(2026, 1, 1, 0, 0, 1), datetime(2026, 1, 1, 0, 1))
    assert _run_times(ws, "open") == (datetime(2026, 1, 1, 0, 0, 2), datetime(2026, 1, 1, 0, 0, 2))
    # a later call adding a label (the run is rebuilt) keeps what the record declared
    _write(
        tmp_path / "label.jsonl", [{"record": "label", "run_id": "untimed", "agent": "planner", "kind": "x"}]
    )
    with readers(fast):
        ws.ingest(tmp_path / "label.jsonl")
    assert _run_times(ws, "untimed") == (datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 5, 0, 500000))


@pytest.mark.parametrize("fast", [True, False])
def test_run_record_times_in_seconds_are_scaled_with_their_file(tmp_path: Path, fast: bool) -> None:
    path = _write(
        tmp_path / "seconds.jsonl",
        [
            {"record": "run", "run_id": "r", "started_at": S, "ended_at": S + 60},
            {
                "record": "step",
                "run_id": "r",
                "step_id": "a",
                "kind": "llm",
                "started_at": S + 1,
                "ended_at": S + 2,
            },
        ],
    )
    with readers(fast):
        ws = wb.open()
        ws.ingest(path)
    assert _run_times(ws, "r") == (datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 1))


@pytest.mark.parametrize("fast", [True, False])
def test_bad_run_record_times_are_quarantined_with_the_record(tmp_path: Path, fast: bool) -> None:
    path = _write(
        tmp_path / "bad.jsonl",
        [
            {"record": "run", "run_id": "not_a_time", "task": "t1", "started_at": "yesterday"},
            {
                "record": "run",
                "run_id": "backwards",
                "task": "t2",
                "started_at": "2026-01-01T00:01:00Z",
                "ended_at": "2026-01-01T00:00:00Z",
            },
            # two units in one record: compared once the file's seconds are scaled
            {"record": "run", "run_id": "backwards2", "started_at": S + 0.5, "ended_at": S - 100},
            {"record": "step", "run_id": "backwards", "step_id": "a", "kind": "llm"},
        ],
    )
    with readers(fast):
        ws = wb.open()
        report = ws.ingest(path)
    assert report.quarantined == 3
    q = {
        r: (line, reason)
        for r, line, reason in ws.sql("SELECT run_id, line, reason FROM quarantine").fetchall()
    }
    assert q["not_a_time"][0] == 1 and "timestamp" in q["not_a_time"][1] and "yesterday" in q["not_a_time"][1]
    assert q["backwards"][0] == 2 and "ends before it starts" in q["backwards"][1]
    assert q["backwards2"][0] == 3 and "ends before it starts" in q["backwards2"][1]
    # the record is kept whole where the reader has it
    raw = dict(ws.sql("SELECT run_id, raw FROM quarantine WHERE raw IS NOT NULL").fetchall())
    assert json.loads(raw["backwards"])["task"] == "t2"
    # the run's steps are stored, its times their own (none)
    assert _run_times(ws, "backwards") == (None, None)


def test_every_reader_stages_the_same_run_times(tmp_path: Path) -> None:
    # (padded with good steps: under 2 % of its lines handed back, the whole-file read keeps the file)
    timed = [
        {
            "record": "run",
            "run_id": "t1",
            "started_at": "2026-01-01T00:00:00.25Z",
            "ended_at": (S + 9) * 10**9,
        },
        {"record": "run", "run_id": "t2", "started_at": "2026-01-01T01:00:00+01:00", "ended_at": None},
    ]
    bad = [
        {"record": "run", "run_id": "b1", "started_at": "yesterday"},
        {
            "record": "run",
            "run_id": "b2",
            "started_at": "2026-01-01T00:01:00Z",
            "ended_at": "2026-01-01T00:00:00Z",
        },
    ]
    path = _write(tmp_path / "mixed.jsonl", [*timed, *bad] + [json.loads(x) for x in good_lines()[1:]] * 30)
    whole_con, whole_stage, handed = stage_whole_file(path)
    assert handed == [
        3,
        4,
    ]  # the timed run records are read by DuckDB; the bad ones by Python, which quarantines
    whole = staged(whole_con, whole_stage)
    with mock.patch.object(native, "stage_native_file", return_value=False):
        block_con, block_stage, _ = stage_file(path, fast=True)
    python = staged(*stage_file(path, fast=False)[:2])
    assert whole == staged(block_con, block_stage) == python
    assert {r["run_id"]: (r["start_ns"], r["end_ns"]) for r in whole["runs"]} == {
        "t1": (S * 10**9 + 250_000_000, (S + 9) * 10**9),
        "t2": (S * 10**9, None),
    }
    assert [q["run_id"] for q in whole["quarantine"]] == ["b1", "b2"]
