"""wb.detect runs on a connection of its own (store/_own_connection): the user's temporary tables and views on
``ws.con`` are neither replaced nor dropped, whatever their names.

On 2bd4437 detect made its working tables (``det_scope``, ``det_out`` ...) on ``ws.con`` and, cleaning up, dropped
every temporary table and view there whose name began ``det_``: a user's ``det_review`` was gone after the call,
and their ``det_scope`` was replaced by the call's (then dropped)."""

from __future__ import annotations

from _runs import RunBuilder, _ws

import workbench as wb


def _runs() -> list[RunBuilder]:
    run = RunBuilder("r")
    for k in range(3):
        run.add(
            kind="tool",
            agent="executor",
            tool="place_order",
            input='{"qty": 40}',
            status="error" if k < 2 else "ok",
            error="429 Too Many Requests",
        )
    calm = RunBuilder("calm")
    calm.add(kind="tool", agent="executor", tool="place_order", input="{}")
    return [run, calm]


def test_detect_leaves_a_users_det_named_temporary_objects_alone() -> None:
    ws = _ws(*_runs())
    con = ws.con
    con.execute("CREATE TEMP TABLE det_review AS SELECT 42 AS n")
    con.execute("CREATE TEMP TABLE det_scope AS SELECT 'not a run' AS run_id")
    con.execute("CREATE TEMP VIEW det_latest AS SELECT 'my view' AS v")
    found = wb.detect(ws)
    assert con.execute("SELECT * FROM temp.det_review").fetchall() == [(42,)]
    assert con.execute("SELECT * FROM temp.det_scope").fetchall() == [("not a run",)]
    assert con.execute("SELECT * FROM temp.det_latest").fetchall() == [("my view",)]
    # the findings are the store's, stored, and none of the call's tables is left behind
    assert found[["run_id", "detector"]].values.tolist() == [["r", "retry"]]
    assert "2 time(s)" in found["detail"][0]
    assert ws.count("findings") == 1
    assert {
        n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    } == {"det_review", "det_scope"}
    # a call scoped to some runs reads its own det_scope, not the user's
    assert wb.detect(ws, run_ids=["r"], detectors=["retry"]).equals(found)
    assert ws.count("findings") == 1
