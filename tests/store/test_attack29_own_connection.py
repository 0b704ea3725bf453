"""An ingest, a label and an export's merge run on a connection of their own (store/_own_connection): a user's
temporary objects on ``ws.con`` of any name, their variables and search path are neither in the way nor touched,
and a transaction the user has open there is refused, named, and left open with its work.

On d6e5f1f a temp view ``tree`` (or table ``affected``, names the merge uses for its own) refused the ingest;
a temp macro ``same_json`` of the user's was replaced by the merge's; and an ingest inside the user's open
transaction aborted it ('Current transaction is aborted'), its uncommitted rows lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.exceptions import IngestError

RECORDS = [
    {"run_id": "r1", "step_id": "s1", "agent": "planner", "kind": "llm", "output": "ok"},
    {"run_id": "r1", "step_id": "s2", "parent_id": "s1", "agent": "coder", "kind": "tool"},
]


def _mine(ws: wb.Workspace) -> None:
    con = ws.con
    con.execute("CREATE TEMP VIEW tree AS SELECT 'my view' AS v")
    con.execute("CREATE TEMP TABLE affected AS SELECT 42 AS n")
    con.execute("CREATE TEMP MACRO same_json(a, b) AS 'my macro'")
    con.execute("SET VARIABLE wb_chunk = 'my variable'")


def _still_mine(ws: wb.Workspace) -> None:
    con = ws.con
    assert con.execute("SELECT * FROM temp.tree").fetchall() == [("my view",)]
    assert con.execute("SELECT * FROM temp.affected").fetchall() == [(42,)]
    assert con.execute("SELECT same_json(1, 2), getvariable('wb_chunk')").fetchall() == [
        ("my macro", "my variable")
    ]


def test_an_ingest_and_a_label_run_beside_a_users_own_temporary_objects(tmp_path: Path) -> None:
    ws = wb.open(tmp_path / "store.duckdb")  # (a store on disk: the stage database and memory budget too)
    _mine(ws)
    assert ws.ingest(RECORDS, progress=False).added == 2
    ws.label("r1", outcome="failure", agent="coder")
    assert ws.ingest(RECORDS, progress=False).added == 0
    _still_mine(ws)
    assert ws.count("steps") == 2 and ws.count("labels") == 1
    assert ws.runs()["outcome"].tolist() == ["failure"]
    # the call's own objects do not outlive it on the user's connection
    assert {
        n for (n,) in ws.con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    } == {"affected"}
    assert ws.con.execute("SELECT current_setting('search_path')").fetchall() == [("",)]


def test_an_export_merge_runs_beside_a_users_own_temporary_objects(tmp_path: Path) -> None:
    src = wb.open()
    src.ingest(RECORDS, progress=False)
    src.export(tmp_path / "export")
    ws = wb.open()
    _mine(ws)
    ws.con.execute("CREATE TEMP TABLE export_known_runs AS SELECT 'mine' AS run_id")
    report = ws.ingest(tmp_path / "export", progress=False)
    assert (report.stored, report.added) == (2, 2)
    _still_mine(ws)
    assert ws.con.execute("SELECT * FROM temp.export_known_runs").fetchall() == [("mine",)]


def test_an_ingest_inside_a_users_open_transaction_is_refused_and_leaves_it_open() -> None:
    ws = wb.open()
    ws.ingest(RECORDS, progress=False)
    ws.con.execute("BEGIN TRANSACTION")
    ws.con.execute("DELETE FROM labels")
    ws.con.execute("INSERT INTO labels (run_id, outcome, source) VALUES ('r1', 'success', 'mine')")
    with pytest.raises(
        IngestError, match=r"transaction open .*COMMIT or ROLLBACK it first .*nothing was read"
    ):
        ws.ingest([{**RECORDS[0], "run_id": "r2"}], progress=False)
    with pytest.raises(IngestError, match="transaction open"):
        ws.label("r1", outcome="failure")
    # the user's transaction is as they left it, and commits
    assert ws.con.execute("SELECT run_id, outcome FROM labels").fetchall() == [("r1", "success")]
    ws.con.execute("COMMIT")
    assert ws.con.execute("SELECT run_id, outcome FROM labels").fetchall() == [("r1", "success")]
    assert ws.count("steps") == 2
    # and once it is over, the ingest runs
    assert ws.ingest([{**RECORDS[0], "run_id": "r2"}], progress=False).added == 1


def test_an_ingest_after_a_users_aborted_transaction_is_refused() -> None:
    ws = wb.open()
    ws.con.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.Error):
        ws.con.execute("SELECT 1 / 'x'")
    with pytest.raises(IngestError, match="transaction open"):
        ws.ingest(RECORDS, progress=False)
    ws.con.execute("ROLLBACK")
    assert ws.ingest(RECORDS, progress=False).added == 2


def test_detect_inside_a_users_open_transaction_is_refused_and_leaves_it_open() -> None:
    """wb.detect's BEGIN failed inside the user's transaction and aborted it (their uncommitted rows lost)."""
    ws = wb.open()
    ws.ingest(RECORDS, progress=False)
    ws.con.execute("BEGIN TRANSACTION")
    ws.con.execute("INSERT INTO labels (run_id, outcome, source) VALUES ('r1', 'failure', 'mine')")
    with pytest.raises(wb.WorkbenchError, match=r"findings cannot start: .*transaction open .*left open"):
        wb.detect(ws)
    ws.con.execute("COMMIT")
    assert ws.con.execute("SELECT run_id, outcome, source FROM labels").fetchall() == [
        ("r1", "failure", "mine")
    ]
    wb.detect(ws)  # (once it is over, detect runs)
