"""Opening the DuckDB database: schema creation, migrations, the single-writer lock, Parquet exports."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from contextlib import suppress
from importlib import resources
from pathlib import Path

import duckdb

from .._macros_catalogue import DATABASE as MACROS_DATABASE
from .._macros_catalogue import FILES as MACROS_FILES
from .._open_files import shared_name
from ..exceptions import StoreError, StoreLockedError
from ._linked_roots import keep_linked_roots_sql
from ._read_only_open import connect_read_only
from ._same_json import register_same_json
from ._store_file import refuse_foreign, refuse_foreign_meta, refuse_sqlite
from ._transaction import transaction

SCHEMA_VERSION = 5
TABLES = ("runs", "steps", "edges", "labels", "findings", "attributions", "quarantine")
# Tables the store keeps for its own work (a snapshot copies them; an export writes rule_agents, derived_tools and
# rule_handoffs, store/_export_kept.py, and detected, store/_export_detected.py): linked_roots, made
# from the steps, rule_agents, which steps' agents the ingest's naming rules gave (store/_stored_rules.py),
# derived_tools, which tool steps it read out of model calls' messages (ingest/_message_tools.py), rule_handoffs,
# which hand-offs' agents handed to its rule gave (store/sql/handoff_targets.sql), and detected, which runs the
# detectors have run on since they last changed (schema.sql).
KEPT = ("linked_roots", "rule_agents", "derived_tools", "rule_handoffs", "detected")
# Tables a Parquet export partitions by day, on this column.
PARTITIONED = {"runs": "started_at", "steps": "started_at"}

# The tool steps a store of schema 3 or earlier read out of messages, told as it told them (by the marker their
# attributes hold; a log's own step holding it is taken for one too, once): migration 4, a snapshot of such a store.
DERIVED_BY_MARKER = (
    "INSERT INTO derived_tools SELECT run_id, step_id FROM steps "
    "WHERE kind = 'tool' AND contains(attributes::VARCHAR, '\"workbench.tool_call_from\"')"
)

# The detectors that analyse one run at a time (detect/_runner.py's FAMILIES but drift): those a run is marked
# detected by (schema.sql's detected).
PER_RUN_DETECTORS = (
    "loop",
    "retry",
    "storm",
    "breach",
    "ping_pong",
    "repeated_reply",
    "silent_failure",
    "cascade",
    "gave_up",
)


def mark_detected_by_findings(con: duckdb.DuckDBPyConnection) -> None:
    """The runs a store of schema 4 or earlier took as detected, those with findings, marked detected by every per-run
    detector, settings unknown (NULL): migration 5, a snapshot of such a store. (A run detected with nothing found
    then has no mark: detect="auto" runs the detectors on it once more, as it did at every call before.)"""
    con.execute(
        "INSERT INTO detected SELECT f.run_id, d.detector, NULL FROM (SELECT DISTINCT run_id FROM findings) f "
        "CROSS JOIN (SELECT unnest($detectors) AS detector) d "
        "ANTI JOIN detected x ON x.run_id = f.run_id AND x.detector = d.detector",
        {"detectors": list(PER_RUN_DETECTORS)},
    )


# version -> SQL statements that upgrade a store from version-1 to version. schema.sql is the newest
# version; a store made by it needs no migration.
MIGRATIONS: dict[int, list[str | Callable[[duckdb.DuckDBPyConnection], None]]] = {
    # 2: the quarantine keeps a bounded prefix of a record with its length and hash, and numbers
    # identical rejects instead of collapsing them.
    2: [
        "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS raw_bytes BIGINT",
        "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS raw_sha256 VARCHAR",
        "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS occurrence INTEGER DEFAULT 1",
        "UPDATE quarantine SET raw_bytes = octet_length(encode(raw)), raw_sha256 = sha256(raw) "
        "WHERE raw IS NOT NULL AND raw_sha256 IS NULL",
        "UPDATE quarantine SET occurrence = 1 WHERE occurrence IS NULL",
    ],
    # 3: the steps carrying one span link, by the span they link to (schema.sql's linked_roots, created empty
    # before the migrations run), so that an ingest call finds the stored roots its spans continue without a
    # scan of every step's attributes.
    3: [keep_linked_roots_sql("steps")],
    # 4: a label's giver (labels.given_by): a person giving an earlier outcome again makes it the latest, where an
    # identical label was stored once. The labels stored before keep none (NULL, as a log's).
    4: [
        "ALTER TABLE labels ADD COLUMN IF NOT EXISTS given_by VARCHAR",
        # and the tool steps read out of messages (schema.sql's derived_tools, created empty before the migrations
        # run), which an earlier schema told by their attributes' marker only: taken from it once
        DERIVED_BY_MARKER,
    ],
    # 5: which runs the detectors ran on (schema.sql's detected, created empty before the migrations run): those
    # with findings, as "auto" took them
    5: [mark_detected_by_findings],
}


@functools.lru_cache(maxsize=None)
def sql_text(name: str, package: str = __package__) -> str:
    """The text of ``<package>/sql/<name>.sql`` (read once: an ingest call reads a dozen files, each call)."""
    # (found from the top package, so that reading another package's SQL never imports that package: an ingest
    # reading detect/sql/fingerprints.sql imported workbench.detect, and with it pandas and pyarrow)
    top, *sub = package.split(".")
    return resources.files(top).joinpath(*sub, "sql", f"{name}.sql").read_text(encoding="utf-8")


def sql_statements(name: str, package: str = __package__) -> list[str]:
    """The statements of a ``.sql`` file, split on ``;`` at line ends (comment lines dropped)."""
    return [stmt for _, stmts in _sections(name, package) for stmt in stmts]


def sql_sections(name: str, package: str = __package__) -> list[tuple[str, list[str]]]:
    """The statements of a ``.sql`` file by section, in order: a line ``-- [section NAME]`` starts section
    NAME (the statements before the first such line are section ``""``), so that the caller may leave out a
    section it knows has nothing to do."""
    return [(section, list(stmts)) for section, stmts in _sections(name, package)]


_SECTION = re.compile(r"^--\s*\[section\s+(\w+)\]\s*$", re.MULTILINE)


@functools.lru_cache(maxsize=None)
def _sections(name: str, package: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    pieces = _SECTION.split(sql_text(name, package))
    named = [("", pieces[0]), *zip(pieces[1::2], pieces[2::2], strict=True)]
    out = []
    for section, text in named:
        stmts = []
        for part in re.split(r";\s*(?:\n|$)", text):
            body = "\n".join(ln for ln in part.splitlines() if not ln.strip().startswith("--")).strip()
            if body:
                stmts.append(body)
        out.append((section, tuple(stmts)))
    return tuple(out)


def _configure(con: duckdb.DuckDBPyConnection) -> None:
    # Library code must not pick up caller's local variables as tables by name, nor print DuckDB's
    # own progress bars into a notebook (long work shows one tqdm bar).
    con.execute("SET python_enable_replacements = false")
    con.execute("SET enable_progress_bar = false")
    # jemalloc (DuckDB's allocator on Linux) otherwise returns freed pages to the system only when the
    # thread that freed them allocates again: DuckDB's workers kept them between statements and peak RSS
    # grew statement by statement (1M OTLP spans: 564-600 MB at the end of staging, 442-535 with this; the
    # 100k native file: 282-377 MB against 237-326). Where the allocator has no such threads it is a no-op.
    with suppress(duckdb.Error):
        con.execute("SET allocator_background_threads = true")


def connect_file(path: str | os.PathLike[str] | None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to a DuckDB file (or memory), turning DuckDB's lock error into one clear message."""
    target = ":memory:" if path is None else os.fspath(path)
    if "\x00" in target:
        # DuckDB reads the name as a C string: "a\x00b" opened (or created) the store "a"
        raise StoreError(f"cannot open {target!r}: the path holds a NUL character, which no file name can")
    if path is not None:
        refuse_sqlite(target)  # (before DuckDB, which fetched an extension from the network to open one)
        # (a file this process has open by another name, a hard link: by that name, one DuckDB instance writes it)
        target = os.fspath(shared_name(target))
    try:
        # (read-only: an instance of its own, not the one DuckDB's cache holds for the path: _read_only_open.py)
        con = (
            connect_read_only(target)
            if read_only and path is not None
            else duckdb.connect(target, read_only=read_only)
        )
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise _locked(target, text) from None
        raise StoreError(f"cannot open {target}: {text}") from None
    except (duckdb.ConnectionException, duckdb.ResourceInUseException) as exc:
        if _held_here(str(exc)):
            raise StoreLockedError(
                f"{target} is open in this process already, {'for writing' if read_only else 'read-only'}: "
                "DuckDB opens a file in one process either for writing once or read-only, not both. Use that "
                "workspace (or close it first), or read a copy it writes with ws.snapshot(PATH)"
            ) from None
        raise StoreError(f"cannot open {target}: {exc}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open {target}: {exc}") from None
    if path is not None:
        try:
            _check_is_store(con, target)
            _check_catalog(con, target)
        except StoreError:
            con.close()
            raise
    _configure(con)
    register_same_json(con)  # (once per workspace, outside any transaction: _same_json.py)
    return con


def _locked(target: str, text: str) -> StoreLockedError:
    """DuckDB's lock error said as who holds the file: a writer, or a reader (DuckDB adds that the file could be
    opened read-only only when the holder's lock is a read lock; a writer blocked by another kernel's read-only
    workspace was told that kernel writes, and to read a snapshot it would never write)."""
    holder = re.search(r"\(PID (\d+)\)", text)
    who = f"process {holder.group(1)}" if holder else "another process"
    if "read-only mode" in text:
        return StoreLockedError(
            f"{target} is open read-only in {who}. DuckDB lets no process write a file that another process has "
            "open, even read-only: close that workspace (ws.close(), or stop that kernel) to write here, or open "
            "it read-only here too (wb.open(path, read_only=True))."
        )
    return StoreLockedError(
        f"{target} is open for writing in {who}. DuckDB lets no other process open a file "
        "that one process writes, not even read-only: close the other workspace (ws.close(), or "
        "stop that kernel), or read a copy it writes with ws.snapshot(PATH) or ws.export(FOLDER)."
    )


def _held_here(text: str) -> bool:
    """Whether DuckDB refused the open because this process holds the file otherwise (read-only against writing)."""
    return "Unique file handle conflict" in text or "different configuration" in text


def _check_is_store(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Refuse a data file DuckDB opens as an in-memory database of its own (an existing ``.jsonl``, ``.json`` or
    ``.csv``): ``wb.open("traces.jsonl")`` gave a writable workspace in memory, and everything ingested into it
    was gone when it closed, the trace file untouched and nothing said."""
    (where,) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    if where[0] is None:
        raise StoreError(
            f"cannot open {target}: it is a data file, not a workbench store (DuckDB reads it as a "
            f"database in memory, and what the workspace stored would be lost). To read it as logs: "
            f"wb.open_path({target!r}), or wb.open('store.duckdb').ingest({target!r})"
        )


def _check_catalog(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Refuse a file whose catalog would run SQL of its own in the store's queries.

    A DuckDB file keeps macros and views, and a macro named like a DuckDB function (``lower``, ``to_json``,
    ``coalesce``) is called in its place by every query, as a view named like a store table is read in its
    place: a crafted store (an incident store passed around, double-clicked in JupyterLab) ran its own SQL on
    opening, reading any local file (``read_text``) or URL. The store itself makes neither. (The catalog is
    read through ``system.main``: a file's own ``duckdb_functions`` macro would answer the unqualified name. The
    detectors' macros are in a database of their own, attached to the instance by a detect, never in a store's
    file (a read-only file this process made, or memory): detect/_macros.py; a second open of a file this process
    has open shares that instance.)"""
    # (the detectors' catalogue told by its name and its being in memory or a file this process made for it, never
    # a store's: _macros_catalogue.py; no function called in these queries, which a file's macro of that name would
    # answer: compared in Python)
    macros = sorted(
        {
            n
            for n, db, where in con.execute(
                "SELECT f.function_name, f.database_name, d.path FROM system.main.duckdb_functions() f "
                "LEFT JOIN system.main.duckdb_databases() d ON d.database_name = f.database_name WHERE NOT f.internal "
                "AND f.function_type IN ('macro', 'table_macro')"
            ).fetchall()
            if not (db == MACROS_DATABASE and (where is None or where in MACROS_FILES))
        }
    )
    views = sorted(
        {
            n
            for (n,) in con.execute(
                "SELECT view_name FROM system.main.duckdb_views() WHERE NOT internal AND NOT temporary"
            ).fetchall()
        }
        & {*TABLES, *KEPT, "meta"}
    )
    # A type named like one of DuckDB's (JSON: an extension's, not reserved) is taken for it in every cast: a
    # file defining json as INTEGER made every ingest fail on 'Could not convert string to INT32', as VARCHAR
    # it would change what the store's JSON comparisons see.
    kinds = con.execute("SELECT type_name, internal FROM system.main.duckdb_types()").fetchall()
    duckdbs = {n.lower() for n, internal in kinds if internal}
    types = sorted({n for n, internal in kinds if not internal and n.lower() in duckdbs})
    if macros or views or types:
        what = "; ".join(
            x
            for x in (
                f"SQL macros {_listed(macros)} (named like DuckDB's functions, they run in their place)"
                if macros
                else "",
                f"views in place of the store's tables {_listed(views)}" if views else "",
                f"types {_listed(types)} named like DuckDB's (taken for them in every cast)" if types else "",
            )
            if x
        )
        raise StoreError(
            f"cannot open {target}: it defines {what}, which a workbench store never holds: "
            "they would change every query of the store (a crafted file reads local files so). "
            "Not opened; if the file is yours, drop them with DuckDB itself"
        )


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n[:40]) for n in names[:8])
    return shown + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0: no store yet); :class:`StoreError` when it is newer than this workbench's.

    Checked on a read-only open too: a store a newer workbench wrote was read as if it were this one's, not a
    word said (its tables may mean other things by then)."""
    if not _has_table(con, "meta"):
        refuse_foreign(con)  # (a new store holds nothing yet; another program's database is not written into)
        return 0
    # (a table named meta of another program's: its database is no store either)
    row = refuse_foreign_meta(con)
    version = _stored_version(con, row[0][0]) if row else 0
    _refuse_newer(version, "this store")
    return version


def _stored_version(con: duckdb.DuckDBPyConnection, value: object) -> int:
    """The ``meta`` table's schema version as a number; :class:`StoreError` naming the store file and the value
    when it is none (a damaged or hand-edited file: ``abc`` and ``3.5`` raised a bare ValueError from ``int()``,
    ``-1`` a KeyError from the migrations, neither naming the store)."""
    text = str(value).strip() if value is not None else ""
    if text.isascii() and text.isdigit() and int(text) >= 1:
        return int(text)
    (where,) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    raise StoreError(
        f"{where or 'this store'}: its meta table gives schema version {value!r}, which is no version "
        f"(a whole number from 1 to {SCHEMA_VERSION}): the file was damaged or edited by hand; not "
        "opened"
    )


def _refuse_newer(version: int, what: str) -> None:
    """:class:`StoreError` when ``version`` (of ``what``: "this store", "<folder>: this export") is newer than
    this workbench's schema."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{what} has schema version {version}, newer than this workbench ({SCHEMA_VERSION}): "
            "upgrade the workbench package"
        )


def ensure_schema(con: duckdb.DuckDBPyConnection, new: bool = False) -> int:
    """Create missing tables and run pending migrations; return the schema version. ``new``: ``con`` is a database
    just made in memory, which holds nothing to ask about (its catalog query cost a small call's open a sixth)."""
    with transaction(con, "creating or upgrading the store's schema"):
        version = 0 if new else schema_version(con)
        # (the tables first, every one CREATE IF NOT EXISTS: a migration may fill a table a later version added)
        # (sent as one string: DuckDB runs them in turn, and a new store's open paid a round trip for each)
        con.execute(_schema_script())
        for target in range(version + 1, SCHEMA_VERSION + 1) if version else ():
            for stmt in MIGRATIONS[target]:
                stmt(con) if callable(stmt) else con.execute(stmt)
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(target)])
            version = target
        if version == 0:
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            version = SCHEMA_VERSION
    return version


@functools.lru_cache(maxsize=1)
def _schema_script() -> str:
    """schema.sql's statements as one script."""
    return ";\n".join(sql_statements("schema")) + ";"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
        ).fetchall()[0][0]
    )


def is_parquet_export(path: Path) -> bool:
    """True when ``path`` is a folder written by ``Workspace.export``."""
    try:
        return path.is_dir() and (path / "steps").exists() and (path / "runs").exists()
    except (OSError, ValueError):  # a name too long for a file (log text given as a path): no folder at all
        return False


def export_files(folder: Path) -> list[Path]:
    """The Parquet files of one table of an export (``folder``: its table folder), sorted.

    A name ending ``.parquet`` that is no regular file (a named pipe, a device: an export unpacked from an
    archive may hold one) is refused: DuckDB opened it and waited on it forever."""
    found = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
    odd = next((f for f in found if not f.is_file() and not f.is_dir()), None)
    if odd is not None:
        raise StoreError(
            f"{odd} is no regular file (a named pipe or a device): an export holds Parquet files "
            "only; not read"
        )
    return [f for f in found if f.is_file()]  # (a folder named x.parquet: its files are found in it)


# Left in an export's folder while its tables are written (see Workspace.export).
EXPORT_INCOMPLETE = "_EXPORT_INCOMPLETE"


def export_schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The schema version an export's ``meta`` table names (0: none, an export older than that table);
    :class:`StoreError` when a newer workbench wrote it, as for a store file: its tables may mean other things,
    or when the export was cut short (its ``_EXPORT_INCOMPLETE`` marker is still there): some tables would be
    missing or stale, read as runs without their steps."""
    if (path / EXPORT_INCOMPLETE).exists():
        raise StoreError(
            f"{path}: this export was cut short ({EXPORT_INCOMPLETE} is still in it: a full disk or a "
            "killed process stopped it before its last table); export again; not read"
        )
    files = export_files(path / "meta")
    if not files:
        return 0
    try:
        rows = con.execute(
            "SELECT value FROM read_parquet($files) WHERE key = 'schema_version'",
            {"files": [str(f) for f in files]},
        ).fetchall()
        version = max((int(v) for (v,) in rows), default=0)
    except (duckdb.Error, ValueError, TypeError) as exc:
        raise StoreError(
            f"{path}: the export's meta table could not be read ({type(exc).__name__}: {exc}); not read"
        ) from exc
    _refuse_newer(version, f"{path}: this export")
    return version


# Columns a migration added: an export an earlier schema version wrote lacks them.
_MIGRATED_COLUMNS = frozenset(
    re.findall(
        r"ADD COLUMN IF NOT EXISTS (\w+)",
        " ".join(stmt for stmts in MIGRATIONS.values() for stmt in stmts if isinstance(stmt, str)),
    )
)


@functools.lru_cache(maxsize=1)
def _store_columns() -> dict[str, frozenset[str]]:
    """Each table's columns, as the store's schema makes them."""
    con = duckdb.connect()
    try:
        for stmt in sql_statements("schema"):
            con.execute(stmt)
        rows = con.execute(
            "SELECT table_name, list(column_name) FROM information_schema.columns GROUP BY table_name"
        ).fetchall()
    finally:
        con.close()
    return {table: frozenset(columns) for table, columns in rows}


def open_parquet_export(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose tables are views over a Parquet export, queried in place."""
    con = connect_file(None)
    try:
        export_schema_version(con, path)
    except StoreError:
        con.close()
        raise
    for table in TABLES:
        folder = path / table
        files = export_files(folder)
        if not files:
            # An empty table exports no file: keep its columns from the schema.
            continue
        hive = table in PARTITIONED
        try:
            rel = con.read_parquet([str(f) for f in files], hive_partitioning=hive, union_by_name=True)
        except (
            duckdb.Error
        ) as exc:  # (a file cut short, or no Parquet: DuckDB's own error, and none was named)
            con.close()
            raise StoreError(
                f"{path}: the export's {table} table cannot be read ({exc}); not opened"
            ) from None
        # A file of other columns (not one ws.export wrote) failed only at the first query reading a column it
        # lacks, with DuckDB's binder error; columns a later schema version added may be missing (older export).
        missing = sorted(_store_columns()[table] - set(rel.columns) - _MIGRATED_COLUMNS)
        if missing:
            con.close()
            raise StoreError(
                f"{path}: the export's {table} table lacks the column(s) {', '.join(missing)} "
                f"(read from {folder}): not a workbench export; not opened"
            )
        if hive:
            # The partition key is derived from started_at; the store's columns are what we give back.
            rel = rel.select(", ".join(c for c in rel.columns if c != "day"))
        rel.create_view(table)
    from ._export_detected import open_detected
    from ._export_kept import fill_unknown_derived, open_kept

    open_kept(con, path)  # (the kept tables the export carries: store/_export_kept.py)
    # Tables with no export file become empty tables with the store's columns.
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for stmt in sql_statements("schema"):
        m = re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", stmt)
        if m and m.group(1) not in existing:
            con.execute(stmt)
    fill_unknown_derived(con, path)
    open_detected(con, path)  # (which runs its detectors ran on, and their stamps in meta)
    return con
