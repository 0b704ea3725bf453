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


def test_a_step_id_or_run_id_past_the_ingests_limit_is_quarantined(tmp_path: Path) -> None:
    # Both forgeries in one merge, each on a step of its own (they were two cases, a merge each): r1's s2 given a
    # step id past the limit, r2's s2 a run id past it; each costs only its own row.
    folder = _export(tmp_path)
    long = f"repeat('x', {MAX_FIELD_BYTES + 1})"
    f = _forge(
        folder,
        "steps",
        f"* REPLACE (CASE WHEN run_id = 'r1' AND step_id = 's2' THEN {long} ELSE step_id END AS step_id, "
        f"CASE WHEN run_id = 'r2' AND step_id = 's2' THEN {long} ELSE run_id END AS run_id)",
    )
    rows = {column: _rows(f, f"length({column}) > 100")[0] for column in ("step_id", "run_id")}
    ws, rep = _merged(folder)
    assert (rep.stored, rep.quarantined) == (4, 3)  # (the export's own broken line, and these two steps)
    limit = f"{MAX_FIELD_BYTES + 1} bytes (limit {MAX_FIELD_BYTES})"
    assert sorted(e for e in rep.errors if "bytes (limit" in e) == sorted(
        [
            f"{f}:{rows['step_id']}: step {'x' * 512} of run r1: field step_id is {limit}",
            f"{f}:{rows['run_id']}: step s2 of run {'x' * 512}: field run_id is {limit}",
        ]
    ), rep.errors
    assert ws.sql("SELECT max(length(run_id)), max(length(step_id)) FROM steps").fetchall() == [(2, 2)]
    # their quarantine rows keep the ids as the ingest's does: cut to 512 characters
    assert sorted(
        ws.sql("SELECT length(step_id), length(run_id) FROM quarantine WHERE source = 'export'").fetchall()
    ) == [(2, 512), (512, 2)]


# A run row forged (r1's, r2's): (the column, the value it is given, the reason's words). Each merge forges both
# rows, each in its own way (they were four cases, a merge each); a refused run row costs only itself.
RUN_ROWS = {
    "attributes array, attributes number": (
        ("attributes", "'[1, 2]'", "run: field attributes must be a JSON object (got array)"),
        ("attributes", "'7'", "run: field attributes must be a JSON object (got ubigint)"),
    ),
    "attributes text, long run id": (
        ("attributes", "'\"x\"'", "run: field attributes must be a JSON object (got varchar)"),
        (
            "run_id",
            f"repeat('y', {MAX_FIELD_BYTES + 1})",
            f"run: field run_id is {MAX_FIELD_BYTES + 1} bytes (limit {MAX_FIELD_BYTES})",
        ),
    ),
}


@pytest.mark.parametrize("pair", list(RUN_ROWS))
def test_run_rows_of_attributes_that_are_no_object_or_an_id_past_the_limit_cost_only_themselves(
    tmp_path: Path, pair: str
) -> None:
    folder = _export(tmp_path)
    forged = dict(zip(("r1", "r2"), RUN_ROWS[pair], strict=True))
    kept = {"attributes": "attributes::VARCHAR", "run_id": "run_id"}
    by_column: dict[str, list[str]] = {}
    for run, (column, value, _) in forged.items():
        by_column.setdefault(column, []).append(f"WHEN run_id = '{run}' THEN {value}")
    replace = [f"CASE {' '.join(whens)} ELSE {kept[c]} END AS {c}" for c, whens in by_column.items()]
    f = _forge(folder, "runs", f"* REPLACE ({', '.join(replace)})")
    ws, rep = _merged(folder)
    for run, (column, _, reason) in forged.items():
        (row,) = _rows(f, "length(run_id) > 100" if column == "run_id" else f"run_id = '{run}'")
        assert f"{f}:{row}: {reason}" in rep.errors, (pair, run, rep.errors)
    runs = ws.sql("SELECT run_id, attributes FROM runs ORDER BY 1").fetchall()
    assert max(len(run) for run, _ in runs) == 2, runs  # (no run id past the limit stored)
    # a run row of attributes that are no object costs only itself: its steps kept, its row rebuilt from them
    rebuilt = [(run, None) for run, (column, _, _) in forged.items() if column == "attributes"]
    assert [r for r in runs if r[0] in dict(rebuilt)] == rebuilt, runs
    for run, _ in rebuilt:
        assert ws.sql("SELECT count(*) FROM steps WHERE run_id = ?", [run]).fetchall() == [(3,)], run


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
    # (the export of a finding whose attributes are an object, merged, drift_delay finding its drift: the test below,
    # on its merge of that export)
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
    # the finding kept, its attributes an object: drift_delay reads its drift (the good case of the test above)
    assert wb.drift_delay(ws)["found"].tolist() == [True]
    twice = sorted(e.split(": ", 1)[1] for e in rep.errors)
    assert twice == [
        "finding: drift finding of run r1 given twice in the export (the first is kept)",
        "label: label of run r1 given twice in the export (the first is kept)",
    ]
    # merged again: nothing more
    again = ws.ingest(folder, progress=False)
    assert ws.count("labels") == 1 and ws.count("findings") == 1 and again.added == 0
