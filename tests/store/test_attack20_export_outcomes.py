"""An export edited by hand with outcomes and kinds out of their sets, merged back into a store.

The logs route refuses a label outcome other than success / failure / unknown, a run outcome of its own and an
edge kind of its own (Stage.label / run / edge); the export merge stored them as they were: a run row saying
'failed' (or NULL) was then counted as neither failed nor succeeded by ``ws.runs``, the sweep and the
backtest, and a label saying 'Failure' became the run's outcome at its next rebuild. Now such a row is
quarantined at its file and row with the reason; a refused run row costs only itself (its steps are kept and
the run rebuilt from them and its labels)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from _deep import deep
from test_attack19_export_forged import _export as _export_figures
from test_attack19_export_forged import _forge

import workbench as wb


def _export(tmp_path: Path) -> Path:
    """attack19's export, its tool steps without figures (input, tokens, cost, confidence)."""
    return _export_figures(tmp_path, figures={})


def _rows(f: Path, where: str) -> list[int]:
    return [
        r
        for (r,) in duckdb.sql(
            f"SELECT file_row_number + 1 FROM read_parquet('{f}', file_row_number = true) "
            f"WHERE {where} ORDER BY 1"
        ).fetchall()
    ]


RUNS = {  # a run row forged: (column, the value it is given, the reason's words)
    "outcome failed": (
        "outcome",
        "'failed'",
        'run: outcome must be success, failure or unknown (got "failed")',
    ),
    "outcome none": ("outcome", "NULL", "run: outcome must be success, failure or unknown (got none)"),
    "declared partial": (
        "declared_outcome",
        "'partial'",
        "declared_outcome must be success, failure or unknown if given",
    ),
    "source of its own": (
        "outcome_source",
        "'guess'",
        "outcome_source must be label, declared, root_status or none",
    ),
}
# Two forgeries a merge, r2's row and r1's, each in a column of its own (they were four cases, two merges each).
PAIRS = {
    "failed, declared": ("outcome failed", "declared partial"),
    "none, source": ("outcome none", "source of its own"),
}


@pytest.mark.parametrize("pair", list(PAIRS))
def test_a_run_row_with_an_outcome_of_its_own_costs_only_itself(pair: str, tmp_path: Path) -> None:
    folder = _export(tmp_path)
    forged = dict(zip(("r2", "r1"), PAIRS[pair], strict=True))
    f = _forge(
        folder,
        "runs",
        "* REPLACE ("
        + ", ".join(
            f"CASE WHEN run_id = '{run}' THEN {RUNS[name][1]} ELSE {RUNS[name][0]} END AS {RUNS[name][0]}"
            for run, name in forged.items()
        )
        + ")",
    )
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    # 6 steps, the export's reject, the two run rows
    assert (rep.read, rep.stored, rep.quarantined) == (9, 6, 3)
    q = {
        run: (file, line, reason)
        for file, line, reason, run in ws.sql(
            "SELECT file, line, reason, run_id FROM quarantine WHERE source = 'export'"
        ).fetchall()
    }
    assert sorted(q) == ["r1", "r2"], q
    for run, name in forged.items():
        file, line, reason = q[run]
        assert file == str(f) and line == _rows(f, f"run_id = '{run}'")[0], name
        assert RUNS[name][2] in reason, (name, reason)
    # their steps kept, their rows rebuilt from them and the label (the root steps succeeded; r1 labelled failed):
    # r2 counted as a success again
    assert ws.sql("SELECT run_id, outcome, n_steps FROM runs ORDER BY 1").fetchall() == [
        ("r1", "failure", 3),
        ("r2", "success", 3),
    ]
    assert list(ws.runs(outcome="success").run_id) == ["r2"]
    again = ws.ingest(folder, progress=False)
    assert (again.read, again.stored, again.quarantined, again.added) == (9, 6, 3, 0)
    assert ws.count("quarantine") == 3


# A word of another case and one not ASCII (its reason quotes it as JSON does); a lowercase word of no set, the same
# path as the first, only in a deep run (tests/_deep.py)
@pytest.mark.parametrize("value", ["Failure", "échec", *(["partial"] if deep() else [])])
def test_a_label_outcome_of_its_own_is_quarantined(value: str, tmp_path: Path) -> None:
    folder = _export(tmp_path)
    f = _forge(folder, "labels", f"* REPLACE ('{value}' AS outcome)")
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (8, 6, 2)
    assert ws.count("labels") == 0
    reason, file = ws.sql("SELECT reason, file FROM quarantine WHERE source = 'export'").fetchall()[0]
    assert file == str(f)
    assert (
        reason
        == f"label: outcome must be success, failure or unknown if given (got {json.dumps(value, ensure_ascii=False)})"
    )
    ws.label("r1", agent="planner")  # the run rebuilt: no label's word 'Failure' becomes its outcome
    assert ws.sql("SELECT outcome FROM runs WHERE run_id = 'r1'").fetchall()[0][0] in (
        "success",
        "failure",
        "unknown",
    )


def test_an_edge_kind_of_its_own_is_quarantined(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    f = _forge(folder, "edges", "* REPLACE (CASE WHEN dst_step = 's2' THEN 'bogus' ELSE kind END AS kind)")
    n = len(_rows(f, "true"))
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (9, 6, 3)  # the two s2 edges (r1, r2)
    assert ws.count("edges") == n - 2
    assert {r for (r,) in ws.sql("SELECT reason FROM quarantine WHERE source = 'export'").fetchall()} == {
        'edge: kind must be parent, handoff or consumes (got "bogus")'
    }


def test_a_column_renamed_or_dropped_by_hand_is_said(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    for f in sorted((folder / "steps").rglob("*.parquet")):
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT * RENAME (output AS out) FROM read_parquet('{f}')) TO '{f}.new' (FORMAT parquet)"
        )
        shutil.move(f"{f}.new", f)
    _forge(folder, "labels", "* EXCLUDE (detail)")
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 6, 1)  # merged, the outputs lost: said, not silent
    assert ws.sql("SELECT count(output) FROM steps").fetchall() == [(0,)]
    assert rep.notes[:2] == [
        "the export's steps lack the column 'output': left empty in the rows merged",
        "the export's steps hold a column the store has not, not read: 'out' (renamed by "
        "hand? the store's columns are " + ", ".join(ws.sql("FROM steps").columns) + ")",
    ]
    assert rep.notes[2:] == ["the export's labels lack the column 'detail': left empty in the rows merged"]
    assert "note: the export's steps lack the column 'output'" in str(rep)


def test_an_export_as_written_says_nothing_of_its_columns(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    again = wb.open(folder).export(tmp_path / "again")  # an export of the export read in place, too
    for f in (folder, again):
        rep = wb.open().ingest(f, progress=False)
        assert (rep.read, rep.stored, rep.quarantined, rep.notes) == (7, 6, 1, [])


def test_an_edge_row_duplicated_by_hand_is_stored_once(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    f = sorted((folder / "edges").rglob("*.parquet"))[0]
    n = len(_rows(f, "true"))
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{f}') UNION ALL SELECT * FROM read_parquet('{f}')) "
        f"TO '{f}.new' (FORMAT parquet)"
    )
    shutil.move(f"{f}.new", f)
    ws = wb.open()
    for _ in range(2):  # and merged again: nothing more
        rep = ws.ingest(folder, progress=False)
        assert (rep.read, rep.stored, rep.quarantined) == (7 + n, 6, 1 + n)
        assert ws.sql(
            "SELECT count(*), count(DISTINCT (run_id, src_step, dst_step, kind)) FROM edges"
        ).fetchall() == [(n, n)]
    lines = sorted(
        line for (line,) in ws.sql("SELECT line FROM quarantine WHERE source = 'export'").fetchall()
    )
    assert lines == list(range(n + 1, 2 * n + 1))
    assert "given twice in the export (the first is kept)" in rep.errors[0]
