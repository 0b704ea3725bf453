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

The macros only a family file's gated statements call (gave_up.sql's, for the runs that gave up) are made when
those statements first run in the instance (:func:`ensure_file_macros`), as they were made only then before. A
change of the macros' text (a test may edit them) is told by their version, kept beside them (the macro
``made_<file>()``): they are made again when it differs.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache

import duckdb

from .._macros_catalogue import DATABASE
from ..exceptions import StoreError
from ..store._connection import sql_statements

TEMP_MACRO = "CREATE OR REPLACE TEMP MACRO "
# (two threads of one process making them at once: DuckDB refuses the second one's CREATE as a write-write conflict)
_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def macro_statements(name: str) -> tuple[str, ...]:
    """The CREATE statements of the macros of the SQL file ``name`` (``macros``: every detector's; a family file's:
    those its gated statements alone call, made when they first run, as gave_up.sql's), made persistent in the
    database they are run on."""
    return tuple(
        "CREATE OR REPLACE MACRO " + s[len(TEMP_MACRO) :]
        for s in sql_statements(name, __package__)
        if s.startswith(TEMP_MACRO)
    )


@lru_cache(maxsize=None)
def _version(name: str) -> str:
    return hashlib.sha256("\n;\n".join(macro_statements(name)).encode()).hexdigest()[:16]


def ensure_macros(con: duckdb.DuckDBPyConnection) -> str:
    """Make ``macros.sql``'s macros in ``con``'s DuckDB instance unless they are there already; the search path a
    connection of that instance uses them with (:func:`search_path`). ``con`` must have no transaction open (the
    macros are made on a cursor of their own, which commits)."""
    try:  # (one statement when they are made, as they are from the instance's second detect on)
        store, made = con.execute(
            f"SELECT current_database(), {_quoted(DATABASE)}.main.made_macros()"
        ).fetchall()[0]
    except duckdb.CatalogException:
        store, made = con.execute("SELECT current_database()").fetchall()[0][0], None
    if made != _version("macros"):
        _ensure(con, "macros")
    return search_path(store)


def ensure_file_macros(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Make the macros of the SQL file ``name`` unless they are there (a worker, before the first statement of that
    file that calls them: _gates._gated). ``con``: one on the search path of :func:`ensure_macros`, without a
    transaction open."""
    if _made(con, name) != _version(name):
        _ensure(con, name)


def search_path(store: str) -> str:
    """The search path finding the macros first, then the store's tables (``store``: its database's name)."""
    return f"{_quoted(DATABASE)}.main,{_quoted(store)}.main"


def _made(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The version of the macros of ``name`` the instance holds (None: none made)."""
    try:
        return con.execute(f"SELECT {_quoted(DATABASE)}.main.made_{name}()").fetchall()[0][0]
    except duckdb.CatalogException:
        return None


def _ensure(con: duckdb.DuckDBPyConnection, name: str) -> None:
    with _LOCK:
        if _made(con, name) == _version(name):  # (another thread made them meanwhile)
            return
        maker = con.cursor()  # (USE is the cursor's own: the caller's default database stays the store)
        try:
            maker.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {_quoted(DATABASE)}")
            _refuse_not_in_memory(maker)
            maker.execute(f"USE {_quoted(DATABASE)}")
            for stmt in macro_statements(name):
                maker.execute(stmt)
            # (last: a failure before leaves them to be made again. A macro, not a table's row: an INSERT into a new
            # database cost ~3.5 ms, a macro ~0.6; name: a file of this package, version: hex digits)
            maker.execute(f"CREATE OR REPLACE MACRO made_{name}() AS '{_version(name)}'")
        finally:
            maker.close()


def _refuse_not_in_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Make no macro in a database of the catalogue's name that is a file (ATTACH IF NOT EXISTS attaches nothing
    then): its macros would be written into that file."""
    (path,) = con.execute(
        "SELECT path FROM system.main.duckdb_databases() WHERE database_name = $name", {"name": DATABASE}
    ).fetchall()[0]
    if path is not None:
        raise StoreError(
            f"the detectors' macros are made in an in-memory database named {DATABASE}, and {path} "
            "is open under that name: not written into it. Open the store under another file name"
        )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
