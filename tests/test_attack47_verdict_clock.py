"""A run's verdict is its newest among verdicts of one rank (``store/sql/verdict_rank.sql``: ``epoch_us(created_at)``,
read by investigate's table, its agreement line, the lineage note and the run list). storeb46 stored labels'
``created_at`` in UTC (attack46 A1: the later label lost to one given earlier further east), but
``attributions.created_at`` is still ``DEFAULT current_timestamp`` in a ``TIMESTAMP`` column: the attributing
process's wall clock. A run attributed in Tokyo (ablation: planner) and attributed again, later, in New York
(Shapley, after a better replay: pricer) shows the Tokyo verdict, stored at 22:00 against New York's 08:00 of the
same day. attack47's strict xfail, made a plain test by mend47 (both inserts of attributions write
``timezone('UTC', current_timestamp)``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import workbench as wb
from workbench._investigate import investigate_table

_RECORDS = [{"record": "run", "run_id": "r1", "outcome": "failure"}] + [
    {"record": "step", "run_id": "r1", "step_id": f"s{i}", "agent": agent, "kind": "llm",
     "started_at": f"2026-01-05T10:00:0{i}Z"}
    for i, agent in enumerate(["planner", "pricer"])
]  # fmt: skip


def _saved_by(agent: str):  # type: ignore[no-untyped-def]
    return lambda run_id, intervention: "success" if agent in intervention.agents else "failure"


def test_the_later_verdict_is_the_runs_whatever_the_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store.duckdb"
    try:  # (DuckDB reads the process's TZ for each new database instance)
        monkeypatch.setenv("TZ", "Asia/Tokyo")
        time.tzset()
        with wb.open(db) as ws:
            ws.ingest(_RECORDS, progress=False)
            wb.attribute(ws, "r1", _saved_by("planner"), method="ablation")
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()
        with wb.open(db) as ws:
            # (after the ablation, by the wall clock of any one place)
            wb.attribute(ws, "r1", _saved_by("pricer"))
            culprits = investigate_table(ws, None)["culprit"].tolist()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert culprits == ["pricer 100%"]
