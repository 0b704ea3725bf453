"""Files met among logs that are no log, named for what they are: a DuckDB database (a workbench store,
which ``wb.open_path`` writes beside the trace file it reads, and ``--db`` may put in the folder it ingests)
and its write-ahead log. Called "not in any known format", a user took the store for a broken export."""

from __future__ import annotations

from pathlib import Path

# A DuckDB database file carries this at byte 8, whatever its name.
_DUCKDB_MAGIC = b"DUCK"


def _is_duckdb(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(12)[8:12] == _DUCKDB_MAGIC
    except OSError:
        return False


def not_a_log(path: Path) -> str | None:
    """What ``path`` is when it is a DuckDB database or the write-ahead log of one, and how to read a store;
    else None."""
    if _is_duckdb(path):
        return (
            "a DuckDB database (a workbench store is one), not a log: wb.open() of this path opens a store as "
            "it is; to merge a store's runs into another, export it (.export('DIR/')) and ingest DIR/"
        )
    if path.name.endswith(".wal") and _is_duckdb(path.with_name(path.name[: -len(".wal")])):
        return f"the write-ahead log of the DuckDB database {path.name[: -len('.wal')]}, not a log"
    return None
