"""What a database file given as a store holds: a workbench store, or another program's database.

``wb.open(path)`` writes into the file it opens (the store's tables, its schema version), so a path naming
someone else's database must be refused before anything is written:

- a SQLite database (``app.db``, ``history.sqlite``): DuckDB opens one through its ``sqlite_scanner`` extension,
  which it tried to download from the network on the spot (seconds, a network call, and an error about an
  extension that never named the file as SQLite);
- a DuckDB database of another program (``analytics.duckdb`` with a ``runs`` table of its own): with no ``meta``
  table it read as an empty store, and the workbench's tables and schema version were written into it, its own
  ``runs`` then breaking every ingest with a bare BinderException.

A workbench store is told by its ``runs`` and ``steps`` tables' ids, as a snapshot tells a file it may replace
(``_snapshot.py``): a store written before the ``meta`` table existed holds them and is migrated as before.
"""

from __future__ import annotations

import duckdb

from ..exceptions import StoreError

# The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html, "Magic Header String").
_SQLITE_MAGIC = b"SQLite format 3\x00"
# The columns that make a database a workbench store, whatever else it holds.
STORE_COLUMNS = frozenset({("runs", "run_id"), ("steps", "run_id"), ("steps", "step_id")})


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


def refuse_foreign(con: duckdb.DuckDBPyConnection) -> None:
    """For a database with no ``meta`` table: :class:`StoreError` naming the file and the tables it holds, unless
    it holds none (a new store) or is a workbench store (:func:`holds_store_tables`, one from before ``meta``)."""
    held = [
        name
        for (name,) in con.execute(
            "SELECT CASE WHEN schema_name = 'main' THEN table_name ELSE schema_name || '.' || table_name END "
            "FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary AND NOT internal "
            "UNION ALL SELECT CASE WHEN schema_name = 'main' THEN view_name ELSE schema_name || '.' || view_name "
            "END FROM duckdb_views() WHERE database_name = current_database() AND NOT temporary AND NOT internal "
            "ORDER BY 1"
        ).fetchall()
    ]
    if not held or holds_store_tables(con):
        return
    ((where,),) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    shown = ", ".join(repr(n[:60]) for n in held[:8]) + (
        f" and {len(held) - 8} more" if len(held) > 8 else ""
    )
    raise StoreError(
        f"cannot open {where}: it is a DuckDB database of another program, not a workbench store: it holds "
        f"{shown} and no workbench tables (runs and steps by run_id and step_id, and meta). Not opened, nothing "
        "written into it. Give a new file's path for a store (wb.open('store.duckdb'))"
    )
