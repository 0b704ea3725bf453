"""A hand-edited Parquet export merged into a store (``ws.ingest(folder)``, ``store/sql/merge_export.sql``): storeb44
quarantines an export's step ending before it starts, as a log's (attack44's case), and the merge checks the
numbers a log's reader checks (latency, cost, tokens, confidence: each quarantined naming file, row and step). Two
values a log cannot give pass: a start before 1970 (a log's is "out of range ... the range is 1970 to 2262") and
a ``depth`` the ingest computes from the parent chain (a log's own is ignored; an export's -7 or 1000 was stored,
and ``max_depth`` limits read it). attack45's strict xfail, fixed by route45 (both ends of the range, a step's and a
run row's times); a negative depth quarantined since store46 (1000 still stored: the merge takes an export's depths as
its store's walk gave them). One three-step run exported once for the module."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from _attack44_logs import run_records, write_log

import workbench as wb


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("attack45_export")
    ws = wb.open()
    ws.ingest(write_log(folder / "run.jsonl", run_records(["planner", "pricer", "writer"])), progress=False)
    return ws.export(folder / "export")


# (column, value, the check no stored step may fail), forged on a step of its own: the root s0 is left as it was
FORGED = {
    "start-1960": ("started_at", "TIMESTAMP '1960-01-01'", "started_at >= TIMESTAMP '1970-01-01'"),
    # (route45: the range's other end, on the other time)
    "end-2300": ("ended_at", "TIMESTAMP '2300-01-01'", "ended_at < TIMESTAMP '2263-01-01'"),
    # (store46: a depth below the root's 0, which the ingest never computes)
    "depth-minus-7": ("depth", "-7", "depth >= 0"),
}
# Two forgeries a merge where their columns differ, each on another step (they were three cases, a merge each)
GROUPS = {"start-1960, depth-minus-7": ("start-1960", "depth-minus-7"), "end-2300": ("end-2300",)}


@pytest.mark.parametrize("group", list(GROUPS))
def test_an_export_value_a_log_cannot_give_is_not_stored(export: Path, tmp_path: Path, group: str) -> None:
    folder = shutil.copytree(export, tmp_path / "export")
    (parquet,) = sorted((folder / "steps").rglob("*.parquet"))
    edited = tmp_path / "edited.parquet"
    forged = dict(zip(GROUPS[group], ("s1", "s2"), strict=False))  # name -> its step
    replace = ", ".join(
        f"CASE WHEN step_id = '{step}' THEN {FORGED[name][1]} ELSE {FORGED[name][0]} END AS {FORGED[name][0]}"
        for name, step in forged.items()
    )
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE ({replace}) "
            "FROM read_parquet(?)) TO '" + str(edited).replace("'", "''") + "' (FORMAT parquet)",
            [str(parquet)],
        )
    shutil.move(edited, parquet)
    merged = wb.open()
    report = merged.ingest(folder, progress=False)
    assert report.read == report.stored + report.quarantined
    assert merged.sql("SELECT count(*) FROM steps WHERE step_id = 's0'").fetchall() == [(1,)]  # (not forged)
    # quarantined naming the step, or stored as a log's would be: either way no such value in the store
    for name, step in forged.items():
        check = FORGED[name][2]
        assert merged.sql(
            f"SELECT count(*) FROM steps WHERE step_id = ? AND NOT ({check})", [step]
        ).fetchall() == [(0,)], name
