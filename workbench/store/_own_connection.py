"""The connection an ingest, an export's merge or a detect runs on: a cursor of the workspace's connection, its own.

A call makes temporary tables, views and macros, sets variables and a search path (``stage_steps``, ``tree``,
``down``, ``affected``, ``same_json``, ``wb_chunk``, ``export_no_run`` ...). Made on ``ws.con`` they replaced or
dropped a user's own of the same names; refused by name instead, a user with a temporary view ``tree`` of their
own could not ingest at all. A cursor is another DuckDB connection to the same database, with a temporary
schema, variables and session settings of its own that go when it closes: the call never sees the user's and
the user never sees the call's (``wb.detect`` dropped every temporary table and view of the user's whose
name began ``det_`` when it cleaned up its own). Global settings (``memory_limit``) and attached databases are
the instance's, shared as before.

The cursor commits on its own. A transaction the user has open on ``ws.con`` would not see what the call
stores until it ends (and its own writes could conflict with the call's), so the call refuses to start while
one is open, and leaves it open: run on ``ws.con``, the call's ``BEGIN`` failed inside it and aborted it
('Current transaction is aborted'), the user's uncommitted work lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb

from ..exceptions import IngestError, WorkbenchError
from ._connection import _configure
from ._transaction import in_transaction

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def own_cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of ``con``, configured as the workspace's connection is (a cursor's python_enable_replacements
    is on again: no local variable read as a table), closed after: for a read whose working tables and
    registered frames must neither replace nor drop a user's of the same names on ``ws.con``."""
    cur = con.cursor()
    try:
        _configure(cur)
        yield cur
    finally:
        cur.close()


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[tuple]:
    """The rows of ``sql`` read on a cursor of ``con`` (:func:`own_cursor`): the store's tables, never a user's
    temporary table or view of the same name on ``ws.con`` (a ``CREATE TEMP VIEW runs AS ...`` of theirs made
    the views, counts and tables of the workbench show that view's rows, or fail on a bind error)."""
    with own_cursor(con) as cur:
        return cur.execute(sql, params).fetchall()


def fetch_df(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> pd.DataFrame:
    """:func:`fetch` as a DataFrame."""
    with own_cursor(con) as cur:
        return cur.execute(sql, params).df()


@contextmanager
def own_connection(
    con: duckdb.DuckDBPyConnection, what: str, error: type[WorkbenchError] = IngestError
) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`own_cursor` for ``what`` (the ingest, the export's merge, the detectors' findings), which writes;
    ``error`` when ``con`` has a transaction open."""
    if in_transaction(con):
        raise error(
            f"{what} cannot start: the workspace's connection has a transaction open (BEGIN without "
            f"COMMIT or ROLLBACK): it commits on a connection of its own, which that transaction would "
            f"not see. COMMIT or ROLLBACK it first (nothing was read or stored, the transaction is left "
            f"open)"
        )
    with own_cursor(con) as cur:
        yield cur
