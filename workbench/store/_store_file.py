"""What a database file given as a store holds: a workbench store, or another program's database.

``wb.open(path)`` writes into the file it opens (the store's tables, its schema version), so a path naming
someone else's database must be refused before anything is written:

- a SQLite database (``app.db``, ``history.sqlite``): DuckDB opens one through its ``sqlite_scanner`` extension,
  which it tried to download from the network on the spot (seconds, a network call, and an error about an
  extension that never named the file as SQLite);
- a DuckDB database of another program (``analytics.duckdb`` with a ``runs`` table of its own): with no ``meta``
  table it read as an empty store, and the workbench's tables and schema version were written into it, its own
  ``runs`` then breaking every ingest with a bare BinderException.

- a path DuckDB reads otherwise than Python (:func:`local_path`): a word and a colon first (``sqlite:app.db``,
  ``md:incidents``, ``https://…``, ``s3://…``) names a database type or a remote file system to DuckDB, which fetched
  the extension for it from the network; a leading ``~`` DuckDB expands to the home folder and Python does not.

A workbench store is told by its ``runs`` and ``steps`` tables' ids, as a snapshot tells a file it may replace
(``_snapshot.py``): a store written before the ``meta`` table existed holds them and is migrated as before.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TypeVar

import duckdb

from .._params import user_path
from ..exceptions import StoreError

# The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html, "Magic Header String").
_SQLITE_MAGIC = b"SQLite format 3\x00"
# The columns that make a database a workbench store, whatever else it holds: those its runs and steps tables have
# had since schema 1. (runs.run_id, steps.run_id and steps.step_id alone were any CI system's or workflow engine's
# runs and steps tables too: such a database was taken for a store and written into, attack47 C4.)
STORE_COLUMNS = frozenset(
    [("runs", c) for c in ("run_id", "outcome", "outcome_source", "n_steps")]
    + [
        ("steps", c)
        for c in ("run_id", "step_id", "parent_id", "seq", "agent", "kind", "started_at", "status")
    ]
)
# DuckDB takes a path beginning with two or more letters, digits or underscores and a colon for a database type
# ("sqlite:", "md:", any word: it looks for an extension of that name) or, before "://", for a file system of an
# extension (https, s3, gcs, az, hf): it fetched the extension from the network, then failed naming it, not the path.
# (One letter is a Windows drive; ":memory:" begins with the colon.)
_PREFIXED = re.compile(r"[A-Za-z0-9_]{2,}:")

P = TypeVar("P", str, bytes, os.PathLike)  # (as _params.user_path's)

# What a database holds of its own, by kind ('': a table or a view, named alone): a file holding any of it and no
# store is another program's. Sequences, types (an ENUM) and schemas too, which a workbench store never holds: a
# file of nothing else was taken for an empty one and written into (attack47). An empty DuckDB file holds none.
_HELD_SQL = """
SELECT '' AS kind, CASE WHEN schema_name = 'main' THEN table_name ELSE schema_name || '.' || table_name END AS name
FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary AND NOT internal
UNION ALL SELECT '', CASE WHEN schema_name = 'main' THEN view_name ELSE schema_name || '.' || view_name END
FROM duckdb_views() WHERE database_name = current_database() AND NOT temporary AND NOT internal
UNION ALL SELECT 'sequence', CASE WHEN schema_name = 'main' THEN sequence_name ELSE schema_name || '.' || sequence_name
END FROM duckdb_sequences() WHERE database_name = current_database() AND NOT temporary
UNION ALL SELECT 'type', CASE WHEN schema_name = 'main' THEN type_name ELSE schema_name || '.' || type_name END
FROM duckdb_types() WHERE database_name = current_database() AND NOT internal
UNION ALL SELECT 'schema', schema_name FROM duckdb_schemas() WHERE database_name = current_database() AND NOT internal
ORDER BY kind, name
"""


def local_path(path: P, doing: str) -> P:
    """``path`` (of a store, a snapshot or an export) as one local file for Python and DuckDB alike: a leading ``~``
    expanded here, once, before any check or write (:func:`~workbench._params.user_path`, as for every path a user
    gives; DuckDB expands it itself and Python's ``open`` and ``pathlib`` do not: the SQLite check read
    ``./~/app.sqlite`` while DuckDB opened ``$HOME/app.sqlite``, and an export's folder was made in ``./~`` while its
    tables went to ``$HOME``); :class:`StoreError` for a path DuckDB reads as another database type or a URL
    (``doing`` says what was asked: "open", "export to" ...)."""
    text = os.fsdecode(path)
    found = _PREFIXED.match(text)
    if found:
        word = found.group()[:-1]
        what = f"a {word}:// URL" if text[found.end() : found.end() + 2] == "//" else f"a '{word}:' database"
        raise StoreError(
            f"cannot {doing} {text!r}: DuckDB reads a path beginning {word + ':'!r} as {what}, and would fetch an "
            "extension from the network for it; a store is a local DuckDB file. Nothing opened or written. For a "
            f"local file whose name has a colon, write {'./' + text!r}"
        )
    return user_path(path, doing, StoreError)


def refuse_wal(path: str | bytes | os.PathLike, doing: str) -> None:
    """:class:`StoreError` when ``path`` names a DuckDB write-ahead log (``store.duckdb.wal``: the changes not yet
    written into the store beside it): ``wb.open`` of one made a new store of that name (and a ``.wal.wal`` beside
    it), or refused an existing one as "not a valid DuckDB database file", naming neither; a snapshot written
    there would take the place of a store's log."""
    text = os.fsdecode(path)
    if text.rstrip("/" + os.sep).lower().endswith(".wal"):
        store = text.rstrip("/" + os.sep)[:-4]
        raise StoreError(
            f"cannot {doing} {text!r}: a name ending .wal is a DuckDB write-ahead log, the changes not yet written "
            f"into the store {store!r} beside it, not a store. Open the store itself (wb.open({store!r})), which "
            "reads its log; nothing opened or written"
        )


def refuse_no_store_file(path: str | bytes | os.PathLike) -> None:
    """For ``wb.open(path)`` of a path that is no Parquet export: :class:`StoreError` naming what ``path`` is when
    it cannot be a store file: a folder (named like a store or not), or a path ending with a slash (a folder meant,
    where ``Path`` drops the slash and a store file named ``runs`` was made for ``"runs/"``; or an existing file
    named as a folder, which was said to be "none")."""
    text = os.fsdecode(path)
    target = Path(text)
    try:
        is_dir, is_file = target.is_dir(), target.is_file()
    except (OSError, ValueError):  # (a name no file can have: DuckDB's open says why)
        return
    if is_dir:
        raise StoreError(
            f"cannot open {text}: it is a folder, neither a store (a DuckDB file) nor a Parquet export ws.export "
            f"wrote (it has no runs/ and steps/). A store in it: wb.open({str(target / 'store.duckdb')!r})"
        )
    if text.endswith(("/", os.sep)):
        if is_file:
            raise StoreError(
                f"cannot open {text!r}: it names a folder (it ends with a slash), and {text.rstrip('/' + os.sep)!r} "
                f"is a file: wb.open({text.rstrip('/' + os.sep)!r}) opens it if it is a store. Nothing opened"
            )
        raise StoreError(
            f"{text!r} names a folder (it ends with a slash), and there is none: a store is a file "
            f"(wb.open({text + 'store.duckdb'!r})), a folder an export ws.export wrote. Nothing made"
        )


def refuse_sqlite(target: str) -> None:
    """:class:`StoreError` when ``target`` is an existing SQLite database file (read before DuckDB opens it)."""
    try:
        with open(target, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError:
        return  # (no file yet, a folder, or unreadable: DuckDB's open says what it is)
    if head == _SQLITE_MAGIC:
        raise StoreError(
            f"cannot open {target}: it is a SQLite database, not a workbench store (a DuckDB file). Not opened, "
            "nothing written. A store is a new or existing .duckdb file: wb.open('store.duckdb')"
        )


def holds_store_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database on ``con`` has a workbench store's ``runs`` and ``steps`` tables (by their ids)."""
    columns = set(
        con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name IN ('runs', 'steps')"
        ).fetchall()
    )
    return STORE_COLUMNS <= columns


def refuse_foreign_meta(con: duckdb.DuckDBPyConnection) -> list[tuple[object]]:
    """For a database with a ``meta`` table: :class:`StoreError` as :func:`refuse_foreign`'s unless it is the
    store's (``key`` and ``value``, holding the schema version, or beside the store's tables). Another program's
    table named ``meta`` was taken for the store's: its database written into (``meta(key, value)``), or a bare
    BinderException raised from the open (a ``meta`` of other columns), attack47 C5. Returns the schema version's
    row (none: a store's meta without one)."""
    columns = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = 'meta'"
        ).fetchall()
    }
    if {"key", "value"} <= columns:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if row or holds_store_tables(con):
            return row
    refuse_foreign(con, meta=True)
    return []


def refuse_foreign(con: duckdb.DuckDBPyConnection, meta: bool = False) -> None:
    """For a database with no ``meta`` table: :class:`StoreError` naming the file and the tables it holds, unless
    it holds none (a new store) or is a workbench store (:func:`holds_store_tables`, one from before ``meta``).
    ``meta``: the database has a ``meta`` table that is not the store's (:func:`refuse_foreign_meta`)."""
    held = [  # (tables and views by name, others by kind and name)
        (kind + " " if kind else "") + repr(name[:60]) for (kind, name) in con.execute(_HELD_SQL).fetchall()
    ]
    if not meta and (not held or holds_store_tables(con)):
        return
    ((where,),) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    shown = ", ".join(held[:8]) + (f" and {len(held) - 8} more" if len(held) > 8 else "")
    raise StoreError(
        f"cannot open {where}: it is a DuckDB database of another program, not a workbench store: it holds "
        f"{shown} and no workbench tables (runs and steps by run_id and step_id, and meta). Not opened, nothing "
        "written into it. Give a new file's path for a store (wb.open('store.duckdb'))"
    )
