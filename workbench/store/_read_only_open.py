"""Opening a store file read-only in a DuckDB instance of its own.

``duckdb.connect(path)`` hands a second connect of one path in a process the database instance it already holds
(DuckDB's instance cache, keyed by the path). A reader of a writer's snapshot that opened it again
(``wb.open(snap, read_only=True)`` in a loop, the earlier workspace still open) got the copy it first opened,
however often ``ws.snapshot`` had replaced the file: the kernel never read the new one. So a read-only open
attaches the file to a fresh in-memory instance instead (an in-memory instance is never cached), makes it the
instance's default database and detaches the in-memory one: every cursor of the workspace (``own_cursor``) reads
the store's tables unqualified, as on a file connected directly, and the name DuckDB gives the database is the
same (the file's name without its extension).
"""

from __future__ import annotations

import duckdb


def connect_read_only(target: str) -> duckdb.DuckDBPyConnection:
    """A connection to the store file ``target``, read-only, in a DuckDB instance no other open shares."""
    con = duckdb.connect(":memory:")
    name = _quoted(_database_name(target))
    try:
        # (an identifier cannot be a parameter: the name is quoted, the path is one)
        con.execute(f"ATTACH ? AS {name} (READ_ONLY)", [target])
        con.execute(f"USE {name}")
        con.execute("DETACH memory")
    except BaseException:
        con.close()
        raise
    return con


def _database_name(target: str) -> str:
    """The name DuckDB gives a file it opens: its base name up to the first dot ("memory", "system" and "temp" are
    the instance's own: such a file is named "store")."""
    base = target.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
    return "store" if base.lower() in ("", "memory", "system", "temp", "main") else base


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
