"""A forged or damaged row of a store's Parquet export costs only itself when the export is ingested.

The export merge (store/_export_merge.py) copied the export's rows as they were: one row with no step id (or
no run id, an edge with no end) failed the whole merge ("nothing was stored": NOT NULL constraint), a
``started_at`` that is no time failed it too (a conversion error naming no file), and a step the ingest's
own check refuses (a field past its size limit, negative tokens, a NaN cost, a confidence of 7.5, a kind of its own, a step of no run)
was stored as it was. Now each such row is quarantined at its file and row with the reason, the rest merged.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest._fields import MAX_FIELD_BYTES

# what attack19's tool steps carry (the values its forgeries change)
FIGURES = {"input": '{"item": "widget"}', "tokens_in": 5, "cost": 0.5, "confidence": 0.5}


# Each export built once per process and figures, copied into each test's folder (the tests forge its files in
# place): copying a few Parquet files is far cheaper than a file store's ingest, label and export.
_BUILT: dict[str, Path] = {}


def _export(tmp_path: Path, figures: dict = FIGURES) -> Path:
    """Two runs of three steps (r1 labelled failed; the tool steps carry ``figures``), one broken line
    quarantined, exported: a copy of its own in ``tmp_path / "export"``."""
    key = json.dumps(figures, sort_keys=True)
    if key not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix="wb-export19-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _BUILT[key] = _build_export(folder, figures)
    return Path(shutil.copytree(_BUILT[key], tmp_path / "export"))


def _build_export(tmp_path: Path, figures: dict) -> Path:
    recs = []
    for run in ("r1", "r2"):
        recs.append({"record": "run", "run_id": run, "system": "shop"})
        recs.append(
            {
                "record": "step",
                "run_id": run,
                "step_id": "s1",
                "agent": "planner",
                "kind": "agent",
                "status": "ok",  # (the run's outcome is its root step's: one giving none reported nothing)
                "started_at": "2026-01-05T10:00:00Z",
                "ended_at": "2026-01-05T10:00:09Z",
                "output": "ask",
            }
        )
        for i in (2, 3):
            recs.append(
                {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{i}",
                    "parent_id": "s1",
                    "agent": "planner",
                    "kind": "tool",
                    "tool": "get_price",
                    **figures,
                    "started_at": f"2026-01-05T10:00:0{i}Z",
                    "ended_at": f"2026-01-05T10:00:0{i}Z",
                }
            )
    logs = tmp_path / "runs.jsonl"
    logs.write_text("\n".join(json.dumps(r) for r in recs) + "\n{broken\n")
    ws = wb.open(tmp_path / "a.duckdb")
    rep = ws.ingest(logs, progress=False)
    assert (rep.stored, rep.quarantined) == (6, 1)
    ws.label("r1", outcome="failure")
    folder = ws.export(tmp_path / "export")
    ws.close()
    return folder


def _forge(folder: Path, table: str, select: str) -> Path:
    """Rewrite the export's (first) file of ``table`` through ``select`` (over ``t``); returns that file."""
    f = sorted((folder / table).rglob("*.parquet"))[0]
    con = duckdb.connect()
    con.execute(f"COPY (SELECT {select} FROM read_parquet('{f}') t) TO '{f}.new' (FORMAT parquet)")
    shutil.move(f"{f}.new", f)
    return f


STEPS = {  # one step's row forged: (column, the value it is given, the reason's words)
    "no step id": ("step_id", "NULL", "column step_id is empty"),
    "negative tokens": ("tokens_in", "-5", "tokens_in must be 0 or more (got -5)"),
    "NaN cost": ("cost", "'NaN'::DOUBLE", "cost must be a finite number"),
    "confidence 7.5": ("confidence", "7.5", "confidence must be in [0, 1] (got 7.5)"),
    "kind of its own": ("kind", "'bogus'", "kind must be one of"),
    "time as text": ("started_at", "'soon'", "column started_at holds a value that is no TIMESTAMP"),
    "output past the size limit": (
        "output",
        f"repeat('x', {MAX_FIELD_BYTES + 1})",
        f"field output is {MAX_FIELD_BYTES + 1} bytes",
    ),
    "step of no run": ("run_id", "'zz'", "the export holds no run zz"),
}
# The forgeries merged in groups, each of a group on another of the four tool steps and another column, so that one
# merge checks each costs only its own row (they were eight cases, one merge each). The text time stays alone: it
# makes the file's started_at column text for every row, which the other forgeries were checked without.
GROUPS = {
    "ids and figures": ("no step id", "negative tokens", "NaN cost", "confidence 7.5"),
    "kind, size, run": ("kind of its own", "output past the size limit", "step of no run"),
    "time as text": ("time as text",),
}
TOOL_STEPS = (("r1", "s2"), ("r1", "s3"), ("r2", "s2"), ("r2", "s3"))


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_forged_step_row_is_quarantined_alone(group: str, tmp_path: Path) -> None:
    folder = _export(tmp_path)
    forged = list(zip(GROUPS[group], TOOL_STEPS, strict=False))
    replace = []
    for name, (run, step) in forged:
        column, value, _ = STEPS[name]
        kept = f"CAST({column} AS VARCHAR)" if column == "started_at" else column
        replace.append(
            f"CASE WHEN run_id = '{run}' AND step_id = '{step}' THEN {value} ELSE {kept} END AS {column}"
        )
    f = _forge(folder, "steps", f"* REPLACE ({', '.join(replace)})")
    rows = {}
    for name, (run, step) in forged:
        where = {"step_id": "step_id IS NULL", "run_id": "run_id = 'zz'"}.get(
            STEPS[name][0], f"run_id = '{run}' AND step_id = '{step}'"
        )
        (rows[name],) = duckdb.sql(
            f"SELECT file_row_number + 1 FROM read_parquet('{f}', file_row_number = true) WHERE {where}"
        ).fetchall()[0]
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    # 6 steps and the export's quarantined line: each forged step quarantined, the other steps stored
    n = len(forged)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 6 - n, 1 + n)
    assert rep.read == rep.stored + rep.quarantined
    assert len(rep.errors) == n, rep.errors
    for name, (run, step) in forged:
        row, words = rows[name], STEPS[name][2]
        at_row = [e for e in rep.errors if e.startswith(f"{f}:{row}: ")]
        assert len(at_row) == 1 and words in at_row[0], (name, rep.errors)
        assert (
            ws.sql("SELECT count(*) FROM steps WHERE run_id = ? AND step_id = ?", [run, step]).fetchall()[0][
                0
            ]
            == 0
        ), name
        assert (
            ws.sql(
                "SELECT count(*) FROM quarantine WHERE source = 'export' AND file = ? AND line = ?",
                [str(f), row],
            ).fetchall()[0][0]
            == 1
        ), name
    assert ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] == 6 - n
    # the store's numbers stay what the ingest keeps: no negative, NaN or out-of-range value
    assert (
        ws.sql(
            "SELECT count(*) FROM steps WHERE tokens_in < 0 OR isnan(cost) OR confidence > 1 "
            "OR kind = 'bogus'"
        ).fetchall()[0][0]
        == 0
    )


NO_KEY = {
    "edges": "* REPLACE (NULL::VARCHAR AS src_step)",
    "labels": "* REPLACE (NULL::VARCHAR AS run_id)",
    "quarantine": "* REPLACE (NULL::VARCHAR AS file)",
    "runs": "* REPLACE (CASE WHEN run_id = 'r2' THEN NULL ELSE run_id END AS run_id)",
}


# The edges', the labels' and the quarantine's keys forged in one export, merged once (they were three cases, one
# merge each); the run row's alone (its run's steps go with it).
@pytest.mark.parametrize(
    "tables", [("edges", "labels", "quarantine"), ("runs",)], ids=["edges-labels-quarantine", "runs"]
)
def test_a_row_with_no_key_costs_only_itself(tables: tuple[str, ...], tmp_path: Path) -> None:
    folder = _export(tmp_path)
    rows, files = {}, {}
    for table in tables:
        rows[table] = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{folder}/{table}/**/*.parquet')"
        ).fetchall()[0][0]
        files[table] = _forge(folder, table, NO_KEY[table])
    ws = wb.open()
    rep = ws.ingest(
        folder, progress=False
    )  # (it raised "the export could not be merged, nothing was stored")
    assert rep.read == rep.stored + rep.quarantined
    assert rep.errors and all(
        any(e.startswith(f"{f}:") for f in files.values()) or "the export holds no run r2" in e
        for e in rep.errors
    ), rep.errors
    steps = ws.sql("SELECT count(*) FROM steps").fetchall()[0][0]
    if tables == ("runs",):  # the run with no id is quarantined, and its steps (they belong to no run)
        assert steps == 3 and ws.sql("SELECT list(run_id) FROM runs").fetchall()[0][0] == ["r1"]
        return
    assert steps == 6 and ws.sql("SELECT count(*) FROM runs").fetchall()[0][0] == 2
    for table in ("edges", "labels"):
        assert ws.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0] == 0, table  # (every row forged)
        assert ws.sql("SELECT count(*) FROM quarantine WHERE file = ?", [str(files[table])]).fetchall() == [
            (rows[table],)
        ], table
    # the export's quarantined lines, no file now: quarantined at their rows; every row of the quarantine an export's
    assert ws.sql(
        "SELECT count(*) FROM quarantine WHERE file = ?", [str(files["quarantine"])]
    ).fetchall() == [(rows["quarantine"],)]
    assert ws.sql("SELECT count(*), count(*) FILTER (source = 'export') FROM quarantine").fetchall()[0] == (
        (sum(rows.values()),) * 2
    )
