"""The run's latest outcome label wins (store45: ``refresh_runs.sql`` takes ``arg_max(outcome, (created_at,
rowid))``), but ``labels.created_at`` is ``DEFAULT current_timestamp`` stored in a ``TIMESTAMP`` column: DuckDB
casts it at the labelling process's own time zone (its ``TimeZone`` setting, from ``TZ``), so "latest" is a local
wall clock. A store labelled in Tokyo and, later, by someone in New York (or by one person across the autumn's
clock change, or on a laptop that travelled) keeps the earlier label: ben's later "success" is stored at 05:00
and ana's earlier "failure" at 19:00 the same day. attack46's finding; storeb46 stores a label's created_at in UTC
(finalize_rest.sql)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the process's time zone (DuckDB reads TZ for each new database instance); put back after."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_the_later_label_wins_whatever_the_labellers_time_zone(tmp_path: Path, zone) -> None:  # type: ignore[no-untyped-def]
    log = write_log(tmp_path / "run.jsonl", run_records(["planner", "pricer"], outcome="unknown"))
    db = tmp_path / "store.duckdb"
    zone("Asia/Tokyo")
    with wb.open(db) as ws:
        ws.ingest(log, progress=False)
        ws.label("r1", outcome="failure", by="ana")
    zone("America/New_York")
    with wb.open(db) as ws:
        ws.label("r1", outcome="success", by="ben")  # given after ana's, by the wall clock of any one place
        assert ws.sql("SELECT outcome FROM runs").fetchall() == [("success",)]
