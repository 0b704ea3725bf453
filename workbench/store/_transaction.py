"""One transaction: BEGIN, the work, COMMIT, and a ROLLBACK that never hides why the work failed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from ..exceptions import StoreError


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        # DuckDB ends a transaction whose COMMIT failed (or that an error invalidated) by itself:
        # "no transaction is active" here says nothing about what went wrong, so it is not raised.
        pass


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` has a transaction open (also one an error aborted), asked without touching it.

    Outside one every statement runs in a transaction of its own, so two ask two ids; inside one, the same.
    (``BEGIN`` would tell too, but a failed BEGIN aborts the transaction it failed in.)
    """
    try:
        first = con.execute("SELECT txid_current()").fetchall()[0][0]
        second = con.execute("SELECT txid_current()").fetchall()[0][0]
    except duckdb.TransactionException:  # ("Current transaction is aborted (please ROLLBACK)")
        return True
    return first == second


@contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection, what: str = "the change", own: bool = False
) -> Iterator[None]:
    """Run the body in one transaction on ``con``: committed when it returns, rolled back when it raises.

    An exception from the body propagates unchanged after the rollback. A COMMIT that fails (a full
    disk, a write conflict with another connection) raises :class:`StoreError` carrying DuckDB's own
    message, and the store is as it was before. A transaction the user has open on ``con`` (``ws.con``) is
    refused with :class:`StoreError` and left open: the BEGIN failed inside it and aborted it, the user's
    uncommitted work lost (``wb.detect`` or ``wb.attribute`` after ``ws.con.execute("BEGIN")``).
    ``own``: ``con`` is a call's own cursor (``own_connection``, which refused the user's open transaction),
    on which nothing but the call ran, in autocommit: no transaction can be open on it, and the two
    statements that ask are left out.
    """
    if not own and in_transaction(con):
        raise StoreError(
            f"{what} cannot start: the workspace's connection has a transaction open (BEGIN without "
            "COMMIT or ROLLBACK), in which it would have to run. COMMIT or ROLLBACK it first (nothing "
            "was written, the transaction is left open)"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        _rollback(con)
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(con)
        raise StoreError(
            f"{what} could not be committed, nothing was stored: {type(exc).__name__}: {exc}"
        ) from exc


def temp_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the temporary tables on ``con``."""
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}


def temp_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the temporary views on ``con``."""
    return {
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
    }


def drop_temp_tables(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Drop every temporary table and temporary view on ``con`` whose name is not in ``keep``."""
    for name in sorted(temp_views(con) - keep):
        quoted = name.replace('"', '""')  # a name DuckDB gave back, never a log value
        con.execute(f'DROP VIEW IF EXISTS temp."{quoted}"')
    for name in sorted(temp_tables(con) - keep):
        quoted = name.replace('"', '""')  # a name DuckDB gave back, never a log value
        con.execute(f'DROP TABLE IF EXISTS temp."{quoted}"')
