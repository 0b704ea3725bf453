"""store/_run_scope.py: the one way a list of run ids reaches SQL (a temp table from one bound list)."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

import workbench as wb
from workbench.store._run_scope import fill_run_scope, run_scope


def test_ids_arrive_as_values_never_as_sql() -> None:
    con = duckdb.connect()
    hostile = ["a'); DROP TABLE x; --", "b\x00c", "\u202eevil", "$runs", "", "a'); DROP TABLE x; --", 7]
    con.execute("CREATE TABLE x (v INT)")
    assert fill_run_scope(con, "_t_scope", hostile) is True
    got = sorted(r for (r,) in con.execute("SELECT run_id FROM _t_scope").fetchall())
    assert got == sorted({str(v) for v in hostile})  # each once, as given (an int read as its text)
    assert con.execute("SELECT count(*) FROM x").fetchall() == [
        (0,)
    ]  # the table the text names is still there


def test_no_runs_means_no_scope_and_an_empty_table() -> None:
    con = duckdb.connect()
    assert fill_run_scope(con, "_t_scope", None) is False
    assert fill_run_scope(con, "_t_scope", []) is True  # scoped to nothing: not the same as every run
    assert con.execute("SELECT count(*) FROM _t_scope").fetchall() == [(0,)]


def test_a_table_name_is_the_packages_own() -> None:
    with pytest.raises(ValueError, match="not a table name"):
        fill_run_scope(duckdb.connect(), "x; DROP TABLE runs", ["r"])


def test_the_block_drops_its_table_even_when_the_query_fails() -> None:
    con = duckdb.connect()
    with pytest.raises(duckdb.Error), run_scope(con, "_t_scope", ["r1"]):
        con.execute("SELECT no_such_column FROM _t_scope")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_t_scope'").fetchall() == [
        (0,)
    ]


def test_a_million_ids_in_one_bound_list() -> None:
    con = duckdb.connect()
    ids = [f"run-{i:07d}" for i in range(1_000_000)]
    with run_scope(con, "_t_scope", ids):
        assert con.execute("SELECT count(*), count(DISTINCT run_id) FROM _t_scope").fetchall() == [
            (10**6, 10**6)
        ]


def test_scoping_runs_leaves_pyarrow_unimported(tmp_path) -> None:  # noqa: ANN001
    # the scope helper sits on the ingest path (AG2 errors, agents of previous steps): no Arrow there
    code = (
        "import sys, duckdb; from workbench.store._run_scope import run_scope\n"
        "con = duckdb.connect()\n"
        "with run_scope(con, '_t_scope', ['a', 'b']):\n"
        "    assert con.execute('SELECT count(*) FROM _t_scope').fetchall() == [(2,)]\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyarrow'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "[]"


def test_scoped_callers_read_their_runs_only() -> None:
    # backtest, culprit labels and the runs check all scope through the helper: the runs given, and no more
    from workbench.attribution._heuristics import culprit_labels

    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=3, fault_rate=1.0).generate(8))
    ids = [
        r
        for (r,) in ws.con.execute(
            "SELECT DISTINCT run_id FROM labels JOIN runs USING (run_id) "
            "WHERE runs.outcome = 'failure' AND agent IS NOT NULL ORDER BY run_id"
        ).fetchall()
    ]
    assert len(ids) >= 3
    labels = culprit_labels(ws, ids[:2])
    assert set(labels["run_id"]) == set(ids[:2]) and len(set(culprit_labels(ws)["run_id"])) == len(ids)
    assert wb.backtest(wb.Policy(), ws, runs=ids[:3]).summary["runs"] == 3
    with pytest.raises(wb.InvalidParameterError, match="not in this store"):
        wb.backtest(wb.Policy(), ws, runs=[ids[0], "no-such-run"])
    assert ws.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name IN "
        "('_given_runs', '_bf_label_scope')"
    ).fetchall() == [(0,)]
