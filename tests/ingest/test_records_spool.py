"""Records given in memory, many of them, are read through the native file reader (``_records_spool``): the store
and the report are what reading each record in Python gives, odd and bad records among them included.

(bench/records_ingest.py --check compares the same against main's records path on more systems and a DataFrame.)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _records_spool

_TABLES = ("runs", "steps", "edges", "labels", "quarantine")
_WRITTEN_AT = ("labels", "quarantine")  # (tables with the time a row was written)


def _records() -> list[object]:
    """Over SPOOL_RECORDS records: simulated runs' records with odd and bad ones put among them."""
    runs = list(wb.sim.procurement(seed=4, fault_rate=0.5).generate(45))
    recs: list[object] = [r for run in runs for r in run.to_records()]
    step = {"run_id": "odd", "agent": "a", "kind": "llm", "started_at": "2026-01-01T00:00:00Z"}
    odd = [
        None,
        {**step, "step_id": "nan", "cost": math.nan, "attributes": {"x": [1.0, 2.5]}},
        {**step, "step_id": "nested-nan", "attributes": {"x": [1.0, math.nan]}},
        {**step, "step_id": "tuple", "input": ("a", "b")},
        {**step, "step_id": "when", "started_at": dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)},
        {**step, "step_id": "big", "tokens_in": 2**70},
        {**step, "step_id": "epoch", "started_at": 1767225600.5},
        {**step, "step_id": "dup", "output": "first"},
        {**step, "step_id": "dup", "output": "second"},  # (rejected by the merge: its text kept as before)
        {"record": "bogus", "run_id": "odd"},
        {"record": "run", "run_id": "odd", "started_at": 20, "ended_at": 10},
    ]
    for i, rec in enumerate(odd):
        recs.insert(100 * i, rec)
    assert len(recs) > _records_spool.SPOOL_RECORDS
    return recs


def _store(source: object) -> tuple[wb.Workspace, wb.IngestReport]:
    ws = wb.open()
    return ws, ws.ingest(source, progress=False)


def test_many_records_read_through_a_file_store_what_the_python_reader_stores(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recs = _records()
    # the Python reader, record by record, as every call read records before
    monkeypatch.setattr(_records_spool, "SPOOL_RECORDS", 10**9)
    python_ws, python_report = _store(recs)
    monkeypatch.undo()

    took: list[bool] = []
    reader = _records_spool.stage_native_file

    def spy(*args: object) -> bool:
        took.append(reader(*args))  # type: ignore[arg-type]
        return took[-1]

    monkeypatch.setattr(_records_spool, "stage_native_file", spy)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    ws, report = _store(r for r in recs)  # (a generator: consumed once)
    assert took == [True], "the records were not read by the native file reader"
    assert not list(tmp_path.glob("wb-records-*")), "the call's records file outlived it"

    assert (report.read, report.stored, report.quarantined) == (
        python_report.read,
        python_report.stored,
        python_report.quarantined,
    )
    assert report.read == report.stored + report.quarantined
    assert report.errors == python_report.errors, (
        "the errors differ (each names <native-records> and its index)"
    )
    assert any(e.startswith("<native-records>:") for e in report.errors)
    for table in _TABLES:
        query = (
            f"SELECT * EXCLUDE (created_at) FROM {table}"
            if table in _WRITTEN_AT
            else f"SELECT * FROM {table}"
        )
        rows, want = ws.sql(query).fetchall(), python_ws.sql(query).fetchall()
        assert sorted(map(repr, rows)) == sorted(map(repr, want)), f"table {table} differs"
    # the step the merge rejected keeps the text the Python reader keeps of a record (json.dumps of it)
    raw = ws.sql("SELECT raw FROM quarantine WHERE step_id = 'dup'").fetchall()
    assert raw and json.loads(raw[0][0])["output"] == "second" and ", " in raw[0][0]
