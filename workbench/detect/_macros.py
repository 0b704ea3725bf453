"""The detectors' SQL macros, made once per process and attached to each DuckDB instance rather than made on every call.

``macros.sql`` (and the macros of ``gave_up.sql``) were made as temporary macros on each worker's connection, at
every ``wb.detect``: 40 ``CREATE MACRO`` statements, parsed and bound each time, ~25-40 CPU ms of a 5-run
store's ~360 (fixed46's and fixed47's notes). Made then once per DuckDB instance, in an in-memory database, they
still cost every fresh workspace's first detect ~60 % of its CPU (fixed52: 176 of 243 ms on a 5-run store, three
files' 45 statements), and a process opens many workspaces (a notebook, a test suite). They are now made once per
process, in a DuckDB file of this process's own (:func:`_catalogue_file`: a private temporary folder, removed at
exit), which each instance attaches read-only under :data:`DATABASE` (~2-4 ms: the catalogue is read, not parsed
and bound), from the process's second instance on (its first makes them in memory, as before:
``_MADE_IN_MEMORY``). An attached database is the instance's, seen by every cursor of it (a worker's connection, another
thread's), and goes with it when the workspace closes. It is never part of the store's file, so a snapshot, a
copy, an export or a migration of the store neither carries nor needs it, and opening the store again in a fresh
instance attaches it again on its first detect. Where no such file can be made (no writable temporary folder),
the macros are made as before in an in-memory database of that name.

A connection finds them through its search path (:func:`search_path`: the macros' database first, as a temporary
macro came before a store's own of the same name, then the store's). A macro's body names the macros it calls
without a database; DuckDB resolves those names with the calling connection's search path, which holds them.

The file holds the macros of every SQL file of this package that makes some (:func:`macro_files`: ``macros``,
``fingerprints``, ``gave_up``); in the in-memory fallback those only a family file's gated statements call are made
when those statements first run (:func:`ensure_file_macros`), as before. A change of the macros' text (a test may
edit them) is told by their version, kept beside them (the macro ``made_<file>()``): the file is made again for
it (or they are made again in memory) when it differs.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from functools import lru_cache
from importlib import resources

import duckdb

from .. import _stated_values
from .._macros_catalogue import DATABASE, FILES
from ..exceptions import StoreError
from ..store._connection import sql_statements, sql_text

TEMP_MACRO = "CREATE OR REPLACE TEMP MACRO "
# (two threads of one process making them at once: DuckDB refuses the second one's CREATE as a write-write conflict;
# and one catalogue file made per process, not one per thread)
_LOCK = threading.Lock()


# The patterns of the values a text states (workbench/_stated_values.py, which the runtime guard compiles too), as
# macros returning them, made ahead of macros.sql's: det_<name>_re() (det_<name>_as(): a replacement).
_PATTERNS = {
    "det_currency": _stated_values.CURRENCY,
    "det_amount_re": _stated_values.AMOUNT,
    "det_glued_re": _stated_values.GLUED,
    "det_glued_as": _stated_values.GLUED_AS,
    "det_comma_after_re": _stated_values.COMMA_AFTER,
    "det_comma_after_as": _stated_values.COMMA_AFTER_AS,
    "det_comma_before_re": _stated_values.COMMA_BEFORE,
    "det_comma_before_as": _stated_values.COMMA_BEFORE_AS,
    "det_values_re": _stated_values.VALUES,
}


@lru_cache(maxsize=None)
def temp_statements(name: str) -> tuple[str, ...]:
    """The statements of the SQL file ``name`` as a connection runs them for temporary macros: ``macros``' with
    the patterns' macros first (their text the project's own constants, never a user's or a log's)."""
    statements = tuple(sql_statements(name, __package__))
    if name == "macros":
        statements = tuple(f"{TEMP_MACRO}{n}() AS {_literal(v)}" for n, v in _PATTERNS.items()) + statements
    return statements


@lru_cache(maxsize=None)
def macro_statements(name: str) -> tuple[str, ...]:
    """The CREATE statements of the macros of the SQL file ``name`` (``macros``: every detector's; a family file's:
    those its gated statements alone call, made when they first run, as gave_up.sql's), made persistent in the
    database they are run on. (Their version, :func:`_version`, is read from these: a change of the patterns'
    constants makes them again.)"""
    return tuple(
        "CREATE OR REPLACE MACRO " + s[len(TEMP_MACRO) :]
        for s in temp_statements(name)
        if s.startswith(TEMP_MACRO)
    )


@lru_cache(maxsize=None)
def macro_files() -> tuple[str, ...]:
    """The SQL files of this package that make macros (``macros`` first: the others' may call its)."""
    names = sorted(
        f.name.removesuffix(".sql")
        for f in resources.files(__package__).joinpath("sql").iterdir()
        if f.name.endswith(".sql") and TEMP_MACRO in sql_text(f.name.removesuffix(".sql"), __package__)
    )
    return tuple(sorted(names, key=lambda n: n != "macros"))


@lru_cache(maxsize=None)
def _version(name: str) -> str:
    return hashlib.sha256("\n;\n".join(macro_statements(name)).encode()).hexdigest()[:16]


def ensure_macros(con: duckdb.DuckDBPyConnection) -> str:
    """Attach the macros of every file of :func:`macro_files` to ``con``'s DuckDB instance (or make
    ``macros.sql``'s, where no catalogue file can be made) unless they are there already; the search path a
    connection of that instance uses them with (:func:`search_path`). ``con`` must have no transaction open (the
    macros are attached or made on a cursor of their own, which commits)."""
    try:  # (one statement when they are there, as they are from the instance's second detect on)
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
    file that calls them: _gates._gated; the catalogue file holds them already). ``con``: one on the search path
    of :func:`ensure_macros`, without a transaction open."""
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
            attached, held = _held(maker)
            if held is not None:  # (a catalogue file of older macros: a test edited them)
                maker.execute(f"DETACH {_quoted(DATABASE)}")
                attached = False
            if not attached and _MADE_IN_MEMORY:  # (the process's first make: in memory, see _MADE_IN_MEMORY)
                path = _catalogue_file(tuple((n, _version(n)) for n in macro_files()))
                if path is not None:
                    maker.execute(f"ATTACH {_literal(path)} AS {_quoted(DATABASE)} (READ_ONLY)")
                    if _made(maker, name) == _version(name):
                        return
                    maker.execute(f"DETACH {_quoted(DATABASE)}")  # (not one of its files: made in memory)
            _make_in_memory(maker, name)
        finally:
            maker.close()


def _make_in_memory(maker: duckdb.DuckDBPyConnection, name: str) -> None:
    """The macros of ``name`` made in an in-memory database of the catalogue's name (no catalogue file)."""
    maker.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {_quoted(DATABASE)}")
    _refuse_not_ours(maker)
    maker.execute(f"USE {_quoted(DATABASE)}")
    for stmt in macro_statements(name):
        maker.execute(stmt)
    # (last: a failure before leaves them to be made again. A macro, not a table's row: an INSERT into a new
    # database cost ~3.5 ms, a macro ~0.6; name: a file of this package, version: hex digits)
    maker.execute(f"CREATE OR REPLACE MACRO made_{name}() AS '{_version(name)}'")
    _MADE_IN_MEMORY.append(name)


# The makes in memory so far. A process's first is made so, as before: the catalogue file costs ~0.1-0.3 CPU s to
# make (a database file written and checkpointed), more than one instance's macros (~0.06-0.18), so a process that
# detects on one workspace only (the command line's investigate) would pay more; from its second instance on, the
# file is made once and attached (~3 ms an instance).
_MADE_IN_MEMORY: list[str] = []


# The catalogue files this process made, by the versions of their files' macros; None: none could be made
_FILE_OF: dict[tuple[tuple[str, str], ...], str | None] = {}
_FOLDER: list[str] = []  # (the process's private folder of them, made on first need)
_MAKER_PID: list[int] = []


def _catalogue_file(versions: tuple[tuple[str, str], ...]) -> str | None:
    """The path of this process's DuckDB file holding the macros of ``versions``' files (each with its
    ``made_<file>()`` stamp), made the first time it is asked for; None when it cannot be made (the macros are
    then made in memory). Its folder is the process's own (``mkdtemp``: readable by this user alone), so no other
    user's file is ever attached; a process forked from this one makes its own."""
    if _MAKER_PID and _MAKER_PID[0] != os.getpid():
        _FILE_OF.clear()
        _FOLDER.clear()
        _MAKER_PID.clear()
    if versions in _FILE_OF:
        path = _FILE_OF[versions]
        if path is None or os.path.exists(path):  # (a temporary folder's cleaner may have removed it)
            return path
    path = None
    try:
        if not _FOLDER:
            _FOLDER.append(tempfile.mkdtemp(prefix="workbench-macros-"))
            _MAKER_PID.append(os.getpid())
            atexit.register(_remove_folder, _FOLDER[0], os.getpid())
        folder = _FOLDER[0]
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, f"macros-{len(_FILE_OF)}-{os.urandom(4).hex()}.duckdb")
        made = duckdb.connect(path)
        try:
            for name, version in versions:
                for stmt in macro_statements(name):
                    made.execute(stmt)
                made.execute(f"CREATE OR REPLACE MACRO made_{name}() AS '{version}'")
        finally:
            made.close()
    except (OSError, duckdb.Error):
        path = None
    _FILE_OF[versions] = path
    if path is not None:
        FILES.add(path)
    return path


def _remove_folder(folder: str, pid: int) -> None:
    if os.getpid() == pid:  # (not a forked child's exit: the folder is its parent's)
        shutil.rmtree(folder, ignore_errors=True)


def _held(con: duckdb.DuckDBPyConnection) -> tuple[bool, str | None]:
    """Whether a database is attached under the catalogue's name, and its path (None: in memory); a file that is
    not one of this process's catalogue files (a store opened under that very name) is refused."""
    rows = con.execute(
        "SELECT path FROM system.main.duckdb_databases() WHERE database_name = $name", {"name": DATABASE}
    ).fetchall()
    if rows and rows[0][0] is not None and rows[0][0] not in FILES:
        _refuse(rows[0][0])
    return bool(rows), rows[0][0] if rows else None


def _refuse_not_ours(con: duckdb.DuckDBPyConnection) -> None:
    """Make no macro in a database of the catalogue's name that is a file (ATTACH IF NOT EXISTS attaches nothing
    then): its macros would be written into that file (a catalogue file of ours is attached read-only)."""
    (path,) = con.execute(
        "SELECT path FROM system.main.duckdb_databases() WHERE database_name = $name", {"name": DATABASE}
    ).fetchall()[0]
    if path is not None:
        _refuse(path)


def _refuse(path: str) -> None:
    raise StoreError(
        f"the detectors' macros are kept in a database of this process's own named {DATABASE} (a read-only "
        f"file it made, else an in-memory database named so), and {path} is open under that name: not written "
        "into it. Open the store under another file name"
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
