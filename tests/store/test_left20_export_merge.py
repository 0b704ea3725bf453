"""A store's export merged into a store: a step is compared by what its log said, not by where it was read;
the step kinds and statuses checked are the ingest's own lists; an edge, label, finding or attribution of a
run neither the export nor the store holds is quarantined at its file and row, not stored.

Before: the merge compared a step's whole row, so the same step read from another path (or line) was
quarantined as "differs from the stored step"; its kind and status lists were a copy of the ingest's in
merge_export.sql; and rows of other tables naming a run nobody holds were stored as they were.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest._stage_tables import STEP_KINDS, STEP_STATUSES


def _records() -> list[dict]:
    recs: list[dict] = []
    for run in ("r1", "r2"):
        recs.append({"record": "run", "run_id": run, "system": "shop"})
        recs.append(
            {
                "record": "step",
                "run_id": run,
                "step_id": "s1",
                "agent": "planner",
                "kind": "agent",
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
                    "input": '{"item": "widget"}',
                    "output": "12.50",
                    "started_at": f"2026-01-05T10:00:0{i}Z",
                    "ended_at": f"2026-01-05T10:00:0{i}Z",
                }
            )
    return recs


def _store_from(path: Path, lines: list[str]) -> wb.Workspace:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws


def test_the_same_step_read_from_another_path_adds_nothing_and_one_that_differs_is_named(
    tmp_path: Path,
) -> None:
    # (one merge: they were two tests, test_the_same_step_read_from_another_path_adds_nothing and
    # test_a_step_that_differs_names_the_columns_and_the_stored_copy, each building both stores and an export)
    recs = _records()
    here = _store_from(tmp_path / "here" / "runs.jsonl", [json.dumps(r) for r in recs])
    recs[2]["output"] = "13.75"  # r1's s2: the price said otherwise
    # the same log, copied elsewhere with a blank line first (every step's file and line differ), s2 edited
    there = _store_from(tmp_path / "there" / "copy.jsonl", ["", *(json.dumps(r) for r in recs)])
    assert (
        there.sql("SELECT min(line) FROM steps").fetchall()
        != here.sql("SELECT min(line) FROM steps").fetchall()
    )
    before = here.sql("SELECT * FROM steps ORDER BY run_id, step_id").fetchall()
    rep = here.ingest(there.export(tmp_path / "export"), progress=False)
    # old code: all 6 steps quarantined as "differs from the stored step"; now only the one whose output differs
    assert (rep.read, rep.stored, rep.quarantined, rep.added) == (6, 5, 1, 0)
    assert here.sql("SELECT count(*) FROM quarantine").fetchall()[0][0] == 1
    (reason,) = here.sql("SELECT reason FROM quarantine WHERE source = 'export'").fetchall()[0]
    assert "step s2 of run r1 differs from the stored step" in reason
    assert f"stored from {tmp_path / 'here' / 'runs.jsonl'} line 3" in reason and " in output " in reason
    assert here.sql("SELECT output FROM steps WHERE run_id = 'r1' AND step_id = 's2'").fetchall() == [
        ("12.50",)
    ]
    assert (
        here.sql("SELECT * FROM steps ORDER BY run_id, step_id").fetchall() == before
    )  # the stored rows kept


def _forge(folder: Path, table: str, select: str) -> Path:
    f = sorted((folder / table).rglob("*.parquet"))[0]
    con = duckdb.connect()
    con.execute(f"COPY (SELECT {select} FROM read_parquet('{f}') t) TO '{f}.new' (FORMAT parquet)")
    shutil.move(f"{f}.new", f)
    return f


@pytest.fixture(scope="module")
def _built_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("left20")
    ws = _store_from(tmp_path / "logs" / "runs.jsonl", [json.dumps(r) for r in _records()])
    ws.label("r1", outcome="failure", agent="planner")
    ws.sql(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) "
        "VALUES ('r1', 's2', 'planner', 'retry', 'warning', 'retried')"
    )
    ws.sql(
        "INSERT INTO attributions (run_id, method, unit, target, value) "
        "VALUES ('r1', 'heuristic', 'verdict', 'planner', 1.0)"
    )
    ws.sql("INSERT INTO edges (run_id, src_step, dst_step, kind) VALUES ('r1', 's2', 's3', 'consumes')")
    return ws.export(tmp_path / "export")


@pytest.fixture
def export(_built_export: Path, tmp_path: Path) -> Path:
    """The export built once per module, copied for each test (the tests forge its files in place)."""
    return Path(shutil.copytree(_built_export, tmp_path / "export"))


_NOBODYS = {
    "edges": "an edge",
    "labels": "a label",
    "findings": "a finding",
    "attributions": "an attribution",
}


def test_a_row_of_a_run_nobody_holds_is_quarantined(export: Path) -> None:
    # One row of each table given a run of its own nobody holds (the edge added by hand, the others' only row),
    # all four in one export merged once (they were four parametrised cases, each merging the export twice).
    forged = {}
    for table in _NOBODYS:
        run = f"zz-{table}"
        f = _forge(
            export,
            table,
            "* REPLACE (CASE WHEN "
            + ("kind = 'consumes'" if table == "edges" else "true")
            + f" THEN '{run}' ELSE run_id END AS run_id)",
        )
        line = duckdb.sql(
            f"SELECT file_row_number + 1 FROM read_parquet('{f}', file_row_number = true) WHERE run_id = ?",
            params=[run],
        ).fetchall()[0][0]
        forged[table] = (run, f, line)
    ws = wb.open()
    rep = ws.ingest(export, progress=False)
    assert rep.read == rep.stored + rep.quarantined
    for table, (run, f, line) in forged.items():
        what = _NOBODYS[table]
        # a label is kept as given and named, as an ingest keeps one (labels may come before their logs)
        if table == "labels":
            assert rep.unknown_label_runs == [run] and f"holds no step of: {run!r}" in str(rep), rep
            assert ws.sql("SELECT count(*) FROM labels WHERE run_id = ?", [run]).fetchall() == [(1,)]
            assert ws.sql("SELECT count(*) FROM quarantine WHERE run_id = ?", [run]).fetchall() == [(0,)]
            continue
        assert ws.sql(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run]).fetchall()[0][0] == 0, (
            table  # old code: stored
        )
        q = ws.sql("SELECT file, line, reason FROM quarantine WHERE run_id = ?", [run]).fetchall()
        assert len(q) == 1 and q[0][0] == str(f) and q[0][1] == line, (table, q)
        assert (
            q[0][2]
            == f"{table[:-1] if table != 'attributions' else 'attribution'}: the export holds no run {run} "
            f"({what} of no run is not stored)"
        ), table
        assert any(e.startswith(f"{f}:{line}: ") and f"holds no run {run}" in e for e in rep.errors), table
    # the run's rows of the store are kept: a row of a run the store holds is merged
    assert ws.sql("SELECT count(*) FROM runs").fetchall()[0][0] == 2


def test_a_row_of_a_run_the_store_holds_is_merged(export: Path, tmp_path: Path) -> None:
    # the export's run rows forged away: the store holding r1 and r2 (the same logs) takes their other rows
    _forge(export, "runs", "* REPLACE ('gone-' || run_id AS run_id)")
    _forge(export, "steps", "* REPLACE ('gone-' || run_id AS run_id)")
    ws = _store_from(tmp_path / "again" / "runs.jsonl", [json.dumps(r) for r in _records()])
    rep = ws.ingest(export, progress=False)
    assert rep.quarantined == 0 and rep.read == rep.stored
    for table in ("labels", "findings", "attributions"):
        assert ws.sql(f"SELECT count(*) FROM {table} WHERE run_id = 'r1'").fetchall()[0][0] == 1


def test_the_merge_checks_kinds_and_statuses_by_the_ingests_lists(export: Path, monkeypatch) -> None:
    _forge(
        export,
        "steps",
        "* REPLACE (CASE WHEN step_id = 's2' THEN 'bogus' ELSE kind END AS kind, "
        "CASE WHEN step_id = 's3' THEN 'stalled' ELSE status END AS status)",
    )
    ws = wb.open()
    rep = ws.ingest(export, progress=False)
    reasons = sorted(r for (r,) in ws.sql("SELECT reason FROM quarantine WHERE source = 'export'").fetchall())
    assert len(reasons) == 4 and rep.quarantined == 4
    assert all(f'kind must be one of {", ".join(STEP_KINDS)} (got "bogus")' in r for r in reasons[:2])
    assert all(f'status must be one of {", ".join(STEP_STATUSES)} (got "stalled")' in r for r in reasons[2:])
    # one list: a kind the ingest's list gains is one the merge takes (old code: its own copy in the SQL)
    import workbench.store._export_merge as merge

    monkeypatch.setattr(merge, "STEP_KINDS", (*STEP_KINDS, "bogus"))
    again = wb.open()
    rep = again.ingest(export, progress=False)
    assert again.sql("SELECT count(*) FROM steps WHERE kind = 'bogus'").fetchall()[0][0] == 2
