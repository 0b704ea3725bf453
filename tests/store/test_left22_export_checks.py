"""An export merged into a store keeps what the log ingest keeps: ids within the ingest's field limit, run
and finding attributes that are JSON objects, and a label or finding copied by hand stored once. Before, an
id of any length was stored; a finding whose attributes were a JSON list was stored and then broke
``drift_delay`` (TypeError: list indices must be integers) for every agent; a run's were stored as given;
and a label or finding row given twice was stored twice (an edge was already quarantined)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from test_attack20_export_outcomes import _export, _forge, _rows

import workbench as wb
from workbench.ingest._fields import MAX_FIELD_BYTES


def _merged(folder: Path) -> tuple[wb.Workspace, wb.IngestReport]:
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    assert rep.read == rep.stored + rep.quarantined
    return ws, rep


def test_the_ingest_refuses_an_id_past_its_field_limit(tmp_path: Path) -> None:
    # the limit the merge now applies is the log ingest's own: a log's step of such an id is quarantined
    logs = tmp_path / "long.jsonl"
    logs.write_text(
        '{"record": "step", "run_id": "r", "step_id": "'
        + "x" * (MAX_FIELD_BYTES + 1)
        + '", "kind": "tool"}\n'
    )
    ws = wb.open()
    rep = ws.ingest(logs, format="native", progress=False)
    assert rep.quarantined == 1 and f"field 'step_id' is {MAX_FIELD_BYTES + 1} bytes (limit" in rep.errors[0]


@pytest.mark.parametrize("column", ["step_id", "run_id"])
def test_a_step_id_past_the_ingests_limit_is_quarantined(tmp_path: Path, column: str) -> None:
    folder = _export(tmp_path)
    long = f"repeat('x', {MAX_FIELD_BYTES + 1})"
    f = _forge(
        folder,
        "steps",
        f"* REPLACE (CASE WHEN run_id = 'r1' AND step_id = 's2' THEN {long} ELSE {column} END AS {column})",
    )
    row = _rows(f, "length(step_id) > 100 OR length(run_id) > 100")[0]
    ws, rep = _merged(folder)
    assert (rep.stored, rep.quarantined) == (5, 2)  # (the export's own broken line, and this step)
    assert [e for e in rep.errors if "bytes (limit" in e] == [
        f"{f}:{row}: step {'x' * 512 if column == 'step_id' else 's2'} of run "
        f"{'r1' if column == 'step_id' else 'x' * 512}: field {column} is {MAX_FIELD_BYTES + 1} bytes "
        f"(limit {MAX_FIELD_BYTES})"
    ]
    assert ws.sql("SELECT max(length(run_id)), max(length(step_id)) FROM steps").fetchall() == [(2, 2)]
    # its quarantine row keeps the ids as the ingest's does: cut to 512 characters
    assert ws.sql(f"SELECT length({column}) FROM quarantine WHERE source = 'export'").fetchall() == [(512,)]


def test_a_run_id_past_the_limit_costs_its_run_row(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    f = _forge(
        folder,
        "runs",
        f"* REPLACE (CASE WHEN run_id = 'r2' THEN repeat('y', {MAX_FIELD_BYTES + 1}) "
        "ELSE run_id END AS run_id)",
    )
    row = _rows(f, "length(run_id) > 100")[0]
    ws, rep = _merged(folder)
    assert (
        f"{f}:{row}: run: field run_id is {MAX_FIELD_BYTES + 1} bytes (limit {MAX_FIELD_BYTES})" in rep.errors
    )
    assert ws.sql("SELECT max(length(run_id)) FROM runs").fetchall() == [(2,)]


@pytest.mark.parametrize("value, kind", [("'[1, 2]'", "array"), ("'7'", "ubigint"), ("'\"x\"'", "varchar")])
def test_run_attributes_that_are_no_object_are_quarantined(tmp_path: Path, value: str, kind: str) -> None:
    folder = _export(tmp_path)
    f = _forge(
        folder,
        "runs",
        f"* REPLACE (CASE WHEN run_id = 'r2' THEN {value} ELSE attributes::VARCHAR END AS attributes)",
    )
    row = _rows(f, "run_id = 'r2'")[0]
    ws, rep = _merged(folder)
    assert f"{f}:{row}: run: field attributes must be a JSON object (got {kind})" in rep.errors
    # the run row costs only itself: its steps kept, its row rebuilt from them
    assert ws.sql("SELECT run_id, attributes FROM runs ORDER BY 1").fetchall() == [("r1", None), ("r2", None)]
    assert ws.count("steps") == 6


_DRIFT: list[Path] = []  # the export before its forgery, built once per process (copied per test)


def _drift_export(tmp_path: Path, attributes: str) -> Path:
    """An export with a drift label of the planner and a drift finding whose attributes are ``attributes``."""
    if not _DRIFT:
        built = Path(tempfile.mkdtemp(prefix="wb-export22-"))
        atexit.register(shutil.rmtree, built, ignore_errors=True)
        _DRIFT.append(_build_drift_export(built))
    folder = Path(shutil.copytree(_DRIFT[0], tmp_path / "export"))
    _forge(folder, "findings", f"* REPLACE ({attributes} AS attributes)")
    return folder


def _build_drift_export(tmp_path: Path) -> Path:
    logs = tmp_path / "runs.jsonl"
    logs.write_text(
        '{"record": "run", "run_id": "r1", "system": "shop"}\n'
        '{"record": "step", "run_id": "r1", "step_id": "s1", "agent": "planner", "kind": "agent", '
        '"started_at": "2026-01-05T10:00:00Z", "ended_at": "2026-01-05T10:00:09Z"}\n'
    )
    ws = wb.open(tmp_path / "a.duckdb")
    ws.ingest(logs, progress=False)
    ws.label("r1", agent="planner", kind="drift", source="ground_truth")
    ws.con.execute(
        "INSERT INTO findings VALUES ('r1', NULL, 'planner', 'drift', 'warning', 'latency drift', "
        '\'{"since": "2026-01-05 10:00:00"}\')'
    )
    folder = ws.export(tmp_path / "export")
    ws.close()
    return folder


def test_finding_attributes_that_are_no_object_are_quarantined_and_drift_delay_reads_the_rest(
    tmp_path: Path,
) -> None:
    good, _ = _merged(_drift_export(tmp_path / "good", "attributes::VARCHAR"))
    assert wb.drift_delay(good)["found"].tolist() == [True]
    ws, rep = _merged(_drift_export(tmp_path / "bad", "'[1, 2]'"))
    # stored, this row made drift_delay raise TypeError (list indices must be integers or slices, not str)
    assert (
        rep.quarantined == 1
        and "finding: field attributes must be a JSON object (got array)" in rep.errors[0]
    )
    assert ws.count("findings") == 0
    assert wb.drift_delay(ws)["found"].tolist() == [False]


def test_a_label_or_finding_copied_by_hand_is_stored_once(tmp_path: Path) -> None:
    folder = _drift_export(tmp_path, "attributes::VARCHAR")
    for table in ("labels", "findings"):
        f = sorted((folder / table).rglob("*.parquet"))[0]
        duckdb.execute(
            f"COPY (SELECT * FROM read_parquet('{f}') UNION ALL SELECT * FROM read_parquet('{f}')) "
            f"TO '{f}.new' (FORMAT parquet)"
        )
        Path(f"{f}.new").replace(f)
    ws, rep = _merged(folder)
    assert ws.count("labels") == 1 and ws.count("findings") == 1
    twice = sorted(e.split(": ", 1)[1] for e in rep.errors)
    assert twice == [
        "finding: drift finding of run r1 given twice in the export (the first is kept)",
        "label: label of run r1 given twice in the export (the first is kept)",
    ]
    # merged again: nothing more
    again = ws.ingest(folder, progress=False)
    assert ws.count("labels") == 1 and ws.count("findings") == 1 and again.added == 0
