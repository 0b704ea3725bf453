"""DuckDB on one thread (a setting of the whole instance), or free of the rows' order (of one session), for the length of a statement or two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection, threads: int | None = None) -> Iterator[None]:
    """DuckDB on one thread meanwhile (a setting of the whole instance: put back as it was after).

    For the copies out of the mapped table (``_native_file._copy_out``, and the OTLP reader's copy into stage_steps): an INSERT that keeps the rows' order
    (preserve_insertion_order, which the merge's row numbers rely on) costs more on two threads than on one,
    most likely because each thread's batches are written apart and then merged (a reading of the profile,
    not checked in DuckDB's source). 1M native steps, the steps' copy alternated
    in one process (load 14-22): 2.1-2.7 CPU s on one thread against 3.1-3.8 on two, the table the same row
    for row (rowid included); the other three copies 0.9-1.4 against 1.1-1.5.
    """
    if (
        threads is None
    ):  # (else the caller read it just now, with a statement of its own: _driver._small_call)
        threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    if threads <= 1:
        yield
        return
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        # (through a cursor of its own: after a failed statement in a transaction, the merge's, `con` takes no SET,
        # and the restore raised over that statement's error and left the instance on one thread)
        cur = con.cursor()
        try:
            cur.execute("SET threads = ?", [threads])
        finally:
            cur.close()


@contextmanager
def unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB free to write a statement's rows in any order meanwhile, on ``con`` alone.

    For a CREATE TABLE AS whose source cannot say where its rows belong (a materialised CTE): in order, DuckDB
    gives its pipeline one sink, so one thread; out of order, every thread. The caller orders the rows again
    where order matters (the OTLP reader's INSERT into stage_steps, by its order_hint).

    ``preserve_insertion_order`` is set for ``con``'s session only (DuckDB 2.0 lists the setting as global, but
    takes a session's value and plans by it): the user's other connections and cursors on the same instance
    never see it, and a RESET puts the session back on the instance's value, whatever happens meanwhile.
    """
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    if kept is not True:
        yield
        return
    con.execute("SET SESSION preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("RESET SESSION preserve_insertion_order")
