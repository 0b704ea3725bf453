"""Consistent copies of a store: what lets other processes read while one process writes.

DuckDB lets one process open a database file for writing, and then no other process may open it at
all, not even read-only; several processes may open a file read-only when none writes it. So a reader
alongside a writer reads a copy: a snapshot file (:func:`snapshot_to_file`, replaced atomically, so a
reader never sees half of one) or a Parquet export.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import duckdb

from ..exceptions import StoreError
from ._connection import DERIVED_BY_MARKER, TABLES, connect_file, ensure_schema, mark_detected_by_findings
from ._linked_roots import keep_linked_roots_sql
from ._read_only_open import connect_read_only
from ._store_file import holds_store_tables, refuse_wal
from ._transaction import transaction
from ._wal_aside import drop_aside, held, replacing, set_aside

_BATCH_ROWS = 100_000


def copy_tables(src: duckdb.DuckDBPyConnection, dst: duckdb.DuckDBPyConnection) -> None:
    """Copy every table of the store on ``src`` into the (schema-ready, empty) store on ``dst``.

    ``src`` is read in one transaction, so the copy is of one moment even while other cursors write;
    rows move as Arrow batches, never all at once.
    """
    with transaction(src, "reading the store for a snapshot"), transaction(dst, "writing the snapshot"):
        for table in TABLES:
            reader = src.table(table).to_arrow_reader(_BATCH_ROWS)
            dst.register("_wb_snapshot_in", reader)
            try:
                dst.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _wb_snapshot_in")
            finally:
                dst.unregister("_wb_snapshot_in")
        # (made again from the copied steps, not copied: the source may be a store of an earlier schema opened
        # read-only, or an export, which have none)
        dst.execute(keep_linked_roots_sql("steps"))
        # (copied: which agents the naming rules gave, which hand-offs' agents handed to the rule gave, which tool
        # steps the ingest read out of messages, and which runs the detectors ran on cannot be made again from the
        # steps; a store of an earlier schema opened read-only has none: its tool steps read out of messages are told
        # by their marker, its runs detected by their findings, as its migrations would)
        for table in ("rule_agents", "rule_handoffs", "derived_tools", "detected"):
            if not src.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary "
                "AND database_name = current_database()",
                [table],
            ).fetchall()[0][0]:
                if table == "derived_tools":
                    dst.execute(DERIVED_BY_MARKER)
                elif table == "detected":
                    mark_detected_by_findings(dst)
                continue
            dst.register("_wb_snapshot_in", src.table(table).arrow())
            try:
                dst.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _wb_snapshot_in")
            finally:
                dst.unregister("_wb_snapshot_in")
        # (meta's rows but the schema version, which the copy's own schema wrote: the stamps wb.detect leaves there,
        # the vocabulary its findings were found with and the drift test's extent, describe the copied findings; a
        # copy without them took its findings for stale, and detect="auto" ran the detectors again)
        dst.register("_wb_snapshot_in", src.table("meta").filter("key <> 'schema_version'").arrow())
        try:
            dst.execute("INSERT OR REPLACE INTO meta BY NAME SELECT * FROM _wb_snapshot_in")
        finally:
            dst.unregister("_wb_snapshot_in")


def snapshot_to_memory(src: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """An in-memory, writable copy of the store on ``src``."""
    dst = connect_file(None)
    ensure_schema(dst)
    copy_tables(src, dst)
    return dst


def snapshot_to_file(
    src: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], replace: bool = False
) -> Path:
    """Write a copy of the store on ``src`` to the DuckDB file ``path``, replacing it atomically.

    A file there that is not a workbench store (an earlier snapshot, or a store) is refused unless ``replace``:
    ``ws.snapshot("traces.jsonl")``, a slip of tab completion, replaced the log with the snapshot.
    """
    target = Path(path)
    # (in a store's write-ahead log's place, opening that store would read the snapshot as its log)
    refuse_wal(path, "write a snapshot to")
    _check_node(target, path)
    _check_no_other_writer(target)
    if not replace:
        _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # DuckDB creates the file itself
    try:
        dst = connect_file(tmp)
        try:
            ensure_schema(dst)
            copy_tables(src, dst)
            dst.execute("CHECKPOINT")
        finally:
            dst.close()
        _replace(tmp, target)
    finally:
        for leftover in (tmp, tmp + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return target


def _replace(tmp: str, target: Path) -> None:
    """Put the snapshot ``tmp`` in ``target``'s place, with the write-ahead log of the store it replaces (a killed
    kernel's ``x.duckdb.wal``) set aside first: left beside the snapshot, it made the snapshot unopenable ("WAL does
    not match database file"). Put back if the replace fails: the old store keeps its log's changes. (A process
    dying between the two steps leaves the aside file; the store's next open puts it back or says what it is:
    ``_wal_aside.py``; the window is held under its lock, so that an open meanwhile leaves the aside log alone.)"""
    with replacing(target):
        aside = set_aside(target)
        with held(aside) as ident:
            try:
                os.replace(tmp, target)
            except BaseException:
                if aside is not None:
                    os.replace(aside, f"{target}.wal")
                raise
            if aside is not None:
                drop_aside(aside, ident, target)


def _check_no_other_writer(target: Path) -> None:
    """Refuse a store file another process has open for writing (a second kernel, a ``workbench investigate``
    running), told by DuckDB's file lock: replaced under it, that process went on writing the unlinked file, and
    what it stored was lost when it closed. (A workspace of this process writing it is refused by the caller,
    ``_open_files.writer_of``; readers elsewhere keep the copy they opened, as the snapshot's text says.)"""
    try:
        with target.open("rb") as f:
            if f.read(_MAGIC_AT + len(_MAGIC))[_MAGIC_AT:] != _MAGIC:
                return  # (no DuckDB file, or none at all: no DuckDB writes it)
    except OSError:
        return  # (the write says it)
    try:
        # (a read lock: refused only while a process holds the write lock)
        connect_read_only(str(target)).close()
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            return
        holder = re.search(r"\(PID (\d+)\)", str(exc))
        raise StoreError(
            f"{target} is open for writing in {f'process {holder.group(1)}' if holder else 'another process'}: a "
            "snapshot there would replace it under that process, and what it stores would be lost; close it "
            "there first, or write the snapshot to another file. Nothing was written"
        ) from None
    except duckdb.Error:
        return  # (a file DuckDB cannot read: replace=True replaces it, else _check_replaceable says so)


def _node_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "no regular file"


# A DuckDB database file: its header's magic bytes, after the 8-byte checksum
_MAGIC, _MAGIC_AT = b"DUCK", 8


def _check_node(target: Path, given: str | os.PathLike[str]) -> None:
    """Refuse a target that is no file (a folder, a device, a pipe, a socket), ``replace=True`` or not: a device
    reads no bytes, taken for an empty file, and the snapshot's rename replaced the device node itself (as root,
    ``ws.snapshot("/dev/null")`` took the machine's); a FIFO blocked the check's read for ever; a folder failed
    with a bare ``IsADirectoryError`` once the whole store was copied, at the rename."""
    if isinstance(given, str) and given.endswith(("/", os.sep)) and not target.is_dir():
        # (Path drops the slash: "snaps/" wrote a snapshot file named "snaps" where a folder was meant)
        raise StoreError(
            f"cannot write a snapshot to {given!r}: it names a folder (it ends with a slash), and a "
            f"snapshot is one DuckDB file: name the file ({given + 'store.snapshot.duckdb'!r}); "
            "nothing was written"
        )
    try:
        mode = target.stat().st_mode
    except OSError:
        return  # (none there, or not to be read: the write says it)
    if stat.S_ISDIR(mode):
        raise StoreError(
            f"cannot write a snapshot to {target}: it is a folder, and a snapshot is one DuckDB file "
            f"that replaces the file at its path: name a file ({target / 'store.snapshot.duckdb'}); "
            "nothing was written"
        )
    if not stat.S_ISREG(mode):
        raise StoreError(
            f"cannot write a snapshot to {target}: it is {_node_kind(mode)}, not a file, and a snapshot replaces "
            "the file it is written to; nothing was written"
        )


def _check_replaceable(target: Path) -> None:
    """Refuse to replace a file that is not a workbench store (a log, another program's DuckDB database)."""
    try:
        with target.open("rb") as f:
            head = f.read(_MAGIC_AT + len(_MAGIC))
    except FileNotFoundError:
        return  # (nothing to lose; a folder was refused before, _check_node)
    except OSError as exc:
        raise StoreError(
            f"cannot write a snapshot to {target}: {exc.strerror or exc}; nothing was written"
        ) from exc
    if not head:
        return  # (an empty file)
    if head[_MAGIC_AT:] != _MAGIC:
        why = "no DuckDB database file"
    else:
        # (its own instance, read-only: a reader of an earlier snapshot may hold the file open)
        try:
            con = connect_read_only(str(target))
        except duckdb.Error as exc:
            why = f"a DuckDB file that could not be read ({type(exc).__name__}: {str(exc)[:200]})"
        else:
            try:
                store = holds_store_tables(con)
            finally:
                con.close()
            if store:
                return
            why = "a DuckDB database without a workbench store's runs and steps tables"
    raise StoreError(
        f"{target} is {why}: a snapshot would replace it, so nothing was written and the file is as it "
        "was. Write the snapshot to another path, or pass replace=True to replace the file anyway"
    )
