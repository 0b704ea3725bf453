"""A user's own temporary table, macro or variable on ``ws.con`` named as one an ingest or an export's merge
makes for itself is left as it was, and the call runs: the merge replaced a temp table ``export_known_runs``
with its run ids and kept it, dropped a temp macro ``export_no_run`` and reset a variable ``export_max_field``;
an ingest replaced a temp table ``stage_steps`` (attack28 refused such names; attack29 runs the call on a
connection of its own, store/_own_connection)."""

from __future__ import annotations

from pathlib import Path

import workbench as wb

RECORDS = [
    {"run_id": "r1", "step_id": "s1", "agent": "planner", "kind": "llm", "output": "ok"},
    {"run_id": "r1", "step_id": "s2", "parent_id": "s1", "agent": "coder", "kind": "tool"},
]


def _export(tmp_path: Path) -> Path:
    ws = wb.open()
    ws.ingest(RECORDS, progress=False)
    ws.export(tmp_path / "export")
    return tmp_path / "export"


def test_the_export_merge_leaves_a_users_own_objects_of_its_names(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    ws = wb.open()
    ws.con.execute("CREATE TEMP MACRO export_no_run(a, b) AS a || b")
    ws.con.execute("CREATE TEMP TABLE export_known_runs AS SELECT 'mine' AS run_id")
    ws.con.execute("SET VARIABLE export_max_field = 'my value'")
    assert ws.ingest(folder, progress=False).stored == 2
    assert ws.con.execute("SELECT export_no_run('a', 'b'), getvariable('export_max_field')").fetchall() == [
        ("ab", "my value")
    ]
    assert ws.con.execute("SELECT * FROM temp.export_known_runs").fetchall() == [("mine",)]
    assert ws.count("steps") == 2
    assert ws.ingest(RECORDS, progress=False).added == 0
    assert ws.ingest(folder, progress=False).added == 0


def test_an_ingest_leaves_a_users_own_table_of_its_names() -> None:
    ws = wb.open()
    ws.con.execute("CREATE TEMP TABLE stage_steps AS SELECT 'mine' AS x")
    assert ws.ingest(RECORDS, progress=False).added == 2
    assert ws.con.execute("SELECT * FROM temp.stage_steps").fetchall() == [("mine",)]
    assert ws.count("steps") == 2
