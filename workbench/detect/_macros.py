"""The detectors' SQL macros, made once per DuckDB instance rather than on every call's connections.

``macros.sql`` (and the macros of ``gave_up.sql``) were made as temporary macros on each worker's connection, at
every ``wb.detect``: 40 ``CREATE MACRO`` statements, parsed and bound each time, ~25-40 CPU ms of a 5-run
store's ~360 (fixed46's and fixed47's notes). They are made instead, once, in an in-memory database attached to
the workspace's DuckDB instance (:data:`DATABASE`): an attached database is the instance's, seen by every cursor
of it (a worker's connection, another thread's), and goes with it when the workspace closes. It is never part of
the store's file, so a snapshot, a copy, an export or a migration of the store neither carries nor needs it, and
opening the store again in a fresh instance makes them again on its first detect.

A connection finds them through its search path (:func:`search_path`: the macros' database first, as a temporary
macro came before a store's own of the same name, then the store's). A macro's body names the macros it calls
without a database; DuckDB resolves those names with the calling connection's search path, which holds them.

A change of the macros' text (another version of the package in the same process is impossible, but a test may
edit them) is told by :data:`_VERSION`, kept beside them: they are made again when it differs.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache

import duckdb

from ..store._connection import sql_statements

#: The attached in-memory database holding the macros (one per DuckDB instance).
DATABASE = "workbench_detect_macros"
_TEMP = "CREATE OR REPLACE TEMP MACRO "
# (two threads of one process making them at once: DuckDB refuses the second one's CREATE as a write-write conflict)
_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def macro_statements() -> tuple[str, ...]:
    """The macros' CREATE statements: ``macros.sql``'s, then ``gave_up.sql``'s (which call some of them), made
    persistent in the database they are run on."""
    stmts = [
        *sql_statements("macros", __package__),
        *(s for s in sql_statements("gave_up", __package__) if s.startswith(_TEMP)),
    ]
    return tuple("CREATE OR REPLACE MACRO " + s[len(_TEMP) :] if s.startswith(_TEMP) else s for s in stmts)


@lru_cache(maxsize=None)
def _version() -> str:
    return hashlib.sha256("\n;\n".join(macro_statements()).encode()).hexdigest()[:16]


def ensure_macros(con: duckdb.DuckDBPyConnection) -> str:
    """Make the macros in ``con``'s DuckDB instance unless they are there already; the search path a connection of
    that instance uses them with (:func:`search_path`). ``con`` must have no transaction open (the macros are
    made on a cursor of their own, which commits)."""
    store = con.execute("SELECT current_database()").fetchall()[0][0]
    if _made(con) != _version():
        with _LOCK:
            if _made(con) != _version():
                _make(con)
    return search_path(store)


def search_path(store: str) -> str:
    """The search path finding the macros first, then the store's tables (``store``: its database's name)."""
    return f"{_quoted(DATABASE)}.main,{_quoted(store)}.main"


def _made(con: duckdb.DuckDBPyConnection) -> str | None:
    """The version of the macros the instance holds (None: none made)."""
    try:
        return con.execute(f"SELECT max(version) FROM {_quoted(DATABASE)}.main.made").fetchall()[0][0]
    except duckdb.CatalogException:
        return None


def _make(con: duckdb.DuckDBPyConnection) -> None:
    maker = con.cursor()  # (USE is the cursor's own: the caller's default database stays the store)
    try:
        maker.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {_quoted(DATABASE)}")
        maker.execute(f"USE {_quoted(DATABASE)}")
        maker.execute("BEGIN")
        for stmt in macro_statements():
            maker.execute(stmt)
        maker.execute("CREATE OR REPLACE TABLE made (version VARCHAR)")
        maker.execute("INSERT INTO made VALUES (?)", [_version()])
        maker.execute("COMMIT")
    finally:
        maker.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
