"""A query in one thread while an ingest runs in another, through one workspace (a notebook's cell while
``ws.ingest`` runs in a thread): each used to find ``ws.con`` busy with the other's statement and fail with DuckDB's
"connection is busy with another call". Here the query holds its connection busy (a DuckDB function of the test's
that waits) until the ingest has begun its own work or failed, so the two always overlap: no clock decides."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

import workbench as wb
from workbench.store import _own_connection

_BIGINT = duckdb.sqltype("BIGINT")


def _log(folder: Path, run: str) -> Path:
    path = folder / f"{run}.jsonl"
    rows = [
        {
            "record": "step",
            "run_id": run,
            "step_id": f"s{i}",
            "agent": "planner",
            "kind": "llm",
            "started_at": f"2026-01-05T10:00:0{i}Z",
            "ended_at": f"2026-01-05T10:00:0{i}Z",
        }
        for i in range(3)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def begun(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once an ingest has made its own cursor (past the statements it ran on the workspace's connection)."""
    event = threading.Event()
    made = _own_connection.own_cursor

    @contextmanager
    def marking(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        with made(con) as cur:
            event.set()
            yield cur

    monkeypatch.setattr(_own_connection, "own_cursor", marking)
    return event


def _waiting_on(con: duckdb.DuckDBPyConnection, name: str, event: threading.Event, first: Any = None) -> None:
    """A function ``name(x)`` on ``con`` that calls ``first()`` then returns ``x`` once ``event`` is set."""

    def wait(x: int) -> int:
        if first is not None:
            first()
        event.wait(
            timeout=120
        )  # (a bound against a hang, not a timing: set as soon as the ingest began or failed)
        return x

    con.create_function(name, wait, [_BIGINT], _BIGINT, side_effects=True)


def test_a_query_while_an_ingest_runs_in_a_thread(tmp_path: Path, begun: threading.Event) -> None:
    ws = wb.open()
    outcome: dict[str, Any] = {}

    def ingest() -> None:
        try:
            outcome["report"] = ws.ingest(_log(tmp_path, "r2"), progress=False)
        except Exception as exc:  # noqa: BLE001  (said by the assert below)
            outcome["error"] = exc
        finally:
            begun.set()

    thread = threading.Thread(target=ingest)
    _waiting_on(ws.con, "wb_test_wait", begun, first=thread.start)
    # the cell's query (on ws.con: this thread opened the workspace), running while the ingest starts, reads the
    # store as it was when it began
    assert ws.sql("SELECT wb_test_wait(count(*)) FROM runs").fetchall() == [(0,)]
    thread.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["report"].stored == 3
    assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]
    ws.close()


def test_a_query_in_a_thread_while_the_ingest_runs_here(tmp_path: Path, begun: threading.Event) -> None:
    ws = wb.open()
    querying = threading.Event()
    seen: dict[str, Any] = {}
    _waiting_on(ws.con, "wb_test_wait", begun, first=querying.set)

    def query() -> None:
        try:
            seen["rows"] = ws.sql("SELECT wb_test_wait(count(*)) FROM runs").fetchall()
        except Exception as exc:  # noqa: BLE001  (said by the assert below)
            seen["error"] = exc
        finally:
            querying.set()

    other = threading.Thread(target=query)
    other.start()
    assert querying.wait(timeout=120)
    try:
        report = ws.ingest(_log(tmp_path, "r2"), progress=False)
    finally:
        begun.set()
        other.join(timeout=120)
    assert "error" not in seen, seen.get("error")
    assert report.stored == 3
    assert seen["rows"] == [(0,)]  # (what was committed when the query began)
    assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]
    ws.close()


def test_a_threads_cursor_goes_with_the_workspace(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    ws = wb.open(db)
    counted: list[Any] = []
    other = threading.Thread(target=lambda: counted.append(ws.sql("SELECT count(*) FROM runs").fetchall()))
    other.start()
    other.join()
    assert counted == [[(0,)]]
    ws.close()
    # (a thread's cursor left open would keep the database, and its file's write lock, in this process)
    again = wb.open(db, read_only=True)
    assert again.count("runs") == 0
    again.close()
