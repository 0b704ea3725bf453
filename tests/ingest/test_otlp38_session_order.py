"""The OTLP reader's unordered span statement (issue 11) frees the rows' order for its own cursor's session only:
a user's other connection on the same DuckDB instance keeps ``preserve_insertion_order`` as it set it, during the
ingest and after, and the session is put back on the instance's value when the statement fails too."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_otlp_fast import kv, line, span

import workbench as wb
from workbench.ingest import _otlp_sql, _timings
from workbench.ingest._jsonio import SQL_MIN_BYTES
from workbench.ingest._one_thread import unordered

_ORDER = "SELECT current_setting('preserve_insertion_order')"


def _order(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(_ORDER).fetchall()[0][0]


def test_only_the_cursor_given_runs_unordered_and_is_put_back() -> None:
    con = duckdb.connect()
    cur, other = con.cursor(), con.cursor()
    with unordered(cur):
        assert (_order(cur), _order(con), _order(other)) == (False, True, True)
    assert _order(cur) is True
    # (no session value is left behind: the cursor follows the instance's setting again)
    con.execute("SET GLOBAL preserve_insertion_order = false")
    assert _order(cur) is False


def test_the_session_is_put_back_when_the_statement_fails() -> None:
    con = duckdb.connect()
    cur = con.cursor()
    with pytest.raises(duckdb.CatalogException, match="no_such_table"), unordered(cur):
        cur.execute("SELECT * FROM no_such_table")
    assert (_order(cur), _order(con)) == (True, True)


def test_a_user_who_turned_the_order_off_keeps_it_off() -> None:
    con = duckdb.connect()
    con.execute("SET GLOBAL preserve_insertion_order = false")
    cur = con.cursor()
    con.execute("CALL enable_logging('QueryLog')")
    with unordered(cur):
        assert _order(cur) is False
    con.execute("CALL disable_logging()")
    logged = [
        m for (m,) in con.execute("SELECT message FROM duckdb_logs() WHERE type = 'QueryLog'").fetchall()
    ]
    assert not [m for m in logged if "preserve_insertion_order =" in m or m.startswith("RESET")]
    assert (_order(cur), _order(con)) == (False, False)


def test_an_ingest_leaves_the_users_connection_ordered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file over the size the Python reader takes whole, so its blocks go through the SQL span statement.
    path = tmp_path / "big.otlp.jsonl"
    traces, t = [], 0
    while sum(map(len, traces)) <= 2 * SQL_MIN_BYTES:
        t += 1
        traces.append(
            line(
                span(
                    1,
                    kv("gen_ai.operation.name", "invoke_agent"),
                    kv("gen_ai.agent.name", "planner"),
                    trace=f"{t:032x}",
                ),
                span(
                    2,
                    kv("gen_ai.operation.name", "chat"),
                    kv("gen_ai.usage.input_tokens", 7),
                    trace=f"{t:032x}",
                    parent=f"{1:016x}",
                ),
            )
        )
    path.write_text("\n".join(traces) + "\n", encoding="utf-8")
    monkeypatch.setattr(_otlp_sql, "PIPELINE", "unordered")
    seen: list[tuple[bool, bool, bool]] = []
    real = _timings.execute
    with wb.open(tmp_path / "w.duckdb") as ws:
        user = ws.con.cursor()

        def execute(con, sql, params=None, tag="stage"):  # noqa: ANN001, ANN202
            if "TEMP TABLE _wb_otlp_spans AS" in sql:
                seen.append((_order(con), _order(ws.con), _order(user)))
            return real(con, sql, params, tag)

        monkeypatch.setattr(_timings, "execute", execute)
        report = ws.ingest(path, format="otlp", progress=False)
        assert report.stored == 2 * t
        assert seen and set(seen) == {(False, True, True)}
        assert (_order(ws.con), _order(user)) == (True, True)
