"""Opening the DuckDB database: schema creation, migrations, the single-writer lock, Parquet exports."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import duckdb

from ..exceptions import StoreError, StoreLockedError

SCHEMA_VERSION = 1
TABLES = ("runs", "steps", "edges", "labels", "findings", "attributions", "quarantine")
# Tables a Parquet export partitions by day, on this column.
PARTITIONED = {"runs": "started_at", "steps": "started_at"}

# version -> SQL that upgrades a store from version-1 to version. Version 1 is schema.sql itself.
MIGRATIONS: dict[int, str] = {}


def sql_text(name: str, package: str = __package__) -> str:
    """The text of ``<package>/sql/<name>.sql``."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def sql_statements(name: str, package: str = __package__) -> list[str]:
    """The statements of a ``.sql`` file, split on ``;`` at line ends (comment lines dropped)."""
    text = sql_text(name, package)
    parts = re.split(r";\s*(?:\n|$)", text)
    out = []
    for part in parts:
        body = "\n".join(ln for ln in part.splitlines() if not ln.strip().startswith("--")).strip()
        if body:
            out.append(body)
    return out


def _configure(con: duckdb.DuckDBPyConnection) -> None:
    # Library code must not pick up caller's local variables as tables by name, nor print DuckDB's
    # own progress bars into a notebook (long work shows one tqdm bar).
    con.execute("SET python_enable_replacements = false")
    con.execute("SET enable_progress_bar = false")


def connect_file(path: str | os.PathLike[str] | None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to a DuckDB file (or memory), turning DuckDB's lock error into one clear message."""
    target = ":memory:" if path is None else str(path)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            holder = re.search(r"\(PID (\d+)\)", text)
            who = f"process {holder.group(1)}" if holder else "another process"
            raise StoreLockedError(
                f"{target} is open for writing in {who}. DuckDB allows one writing process per "
                "database file: close the other workspace (ws.close(), or stop that kernel), or open "
                "this one read-only with wb.open(path, read_only=True)."
            ) from None
        raise StoreError(f"cannot open {target}: {text}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open {target}: {exc}") from None
    _configure(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Create missing tables and run pending migrations; return the schema version."""
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in sql_statements("schema"):
            con.execute(stmt)
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        version = int(row[0][0]) if row else 0
        if version == 0:
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            version = SCHEMA_VERSION
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"this store has schema version {version}, newer than this workbench "
                f"({SCHEMA_VERSION}): upgrade the workbench package"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            con.execute(MIGRATIONS[target])
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(target)])
            version = target
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return version


def is_parquet_export(path: Path) -> bool:
    """True when ``path`` is a folder written by ``Workspace.export``."""
    return path.is_dir() and (path / "steps").exists() and (path / "runs").exists()


def open_parquet_export(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose tables are views over a Parquet export, queried in place."""
    con = connect_file(None)
    for table in TABLES:
        folder = path / table
        files = sorted(folder.rglob("*.parquet")) if folder.exists() else []
        if not files:
            # An empty table exports no file: keep its columns from the schema.
            continue
        hive = table in PARTITIONED
        rel = con.read_parquet([str(f) for f in files], hive_partitioning=hive, union_by_name=True)
        if hive:
            # The partition key is derived from started_at; the store's columns are what we give back.
            rel = rel.select(", ".join(c for c in rel.columns if c != "day"))
        rel.create_view(table)
    # Tables with no export file become empty tables with the store's columns.
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for stmt in sql_statements("schema"):
        m = re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", stmt)
        if m and m.group(1) not in existing:
            con.execute(stmt)
    return con
