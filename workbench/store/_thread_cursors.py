"""The connection each thread of a workspace works on.

A DuckDB connection serves one thread at a time and refuses a second instead of waiting ("connection is busy with
another call"). A notebook that ran ``ws.ingest`` in a thread and queried ``ws.sql(...)`` in the next cell had
one of the two fail, whichever came second: the ingest's first statements on ``ws.con`` (is a transaction of the
user's open?) or its CHECKPOINT at the end, or the cell's query meanwhile. So the thread that opened the workspace
works on ``ws.con`` as before, and every other thread on a cursor of its own (another connection to the same
database, kept for that thread while it lives): a query reads what the ingest committed so far and never waits
for it, and the ingest never touches ``ws.con``. A cursor's temporary tables and settings are its thread's own.
"""

from __future__ import annotations

import threading

import duckdb

from ._connection import _configure


class ThreadCursors:
    """``ws.con`` for the thread that opened the workspace, a cursor of its own for each other thread."""

    def __init__(self) -> None:
        self._owner = threading.get_ident()
        self._lock = threading.Lock()
        self._cursors: dict[int, tuple[threading.Thread, duckdb.DuckDBPyConnection]] = {}

    def here(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """The connection of the calling thread: ``con`` (the workspace's, as it is now) or a cursor of it."""
        me = threading.get_ident()
        if me == self._owner:
            return con
        with self._lock:
            held = self._cursors.get(me)
            if held is not None and held[0] is threading.current_thread():
                return held[1]
            self._forget_ended()
            cur = con.cursor()  # (a cursor is made while ws.con runs a statement too: no wait)
            _configure(cur)
            self._cursors[me] = (threading.current_thread(), cur)
            return cur

    def _forget_ended(self) -> None:
        # (a thread that ended leaves its cursor: closed when the next thread asks, not kept for the workspace's life)
        for ident, (thread, cur) in list(self._cursors.items()):
            if not thread.is_alive():
                del self._cursors[ident]
                cur.close()

    def close(self) -> None:
        """Close every thread's cursor (a cursor left open kept the file's lock after ``ws.close()``)."""
        with self._lock:
            for _, cur in self._cursors.values():
                cur.close()
            self._cursors.clear()
