"""Staged steps kept compressed: ``stage_steps`` in a database file of the ingest call's own.

DuckDB keeps temporary tables uncompressed. At 5M OTLP spans ``stage_steps`` held 1.5 GB, past the
ingest's memory limit, so staging wrote it to the spill file and every merge statement that read it read it
back: the merge's CPU seconds grew 6.2x from 1M to 5M spans (7.5 to 46.6), the statements that read the
staged rows 10-15x. In an attached database checkpointed every ``CHECKPOINT_ROWS`` appended rows the same
rows take 140 MB (measured), and the merge of 5M spans read them in 36 CPU s instead of 47 (load ~5). The
database is a file in the system's temporary folder (deleted when the call ends) rather than an in-memory one:
its checkpointed blocks can leave memory, where an in-memory database's stay (5M generated OTLP spans at a
400MB limit, one run each: peak RSS 612 MB and 119 CPU s against 647 MB and 133 CPU s in memory).
At 1M generated OTLP spans a temporary table did not pay either (two alternated pairs, load 19-23, merge50):
the copy into it halved (2.7 -> 1.4 CPU s), but it outgrew the 192MB staging limit and its spill was paid in
the mapping of the blocks after (12.7-13.3 -> 15.1-15.7 CPU s): 25.1 / 26.2 against 27.1 / 28.4 CPU s in all.

``stage_steps`` keeps its unqualified name: the call's search path puts the store first (unqualified
``CREATE`` goes there, as before) and the stage database after it, and temporary tables are looked up
before both. The merge's transaction only reads the stage database (DuckDB lets one transaction write to
one database only). Switched off with the environment variable ``WORKBENCH_COMPRESSED_STAGE=0``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import duckdb

from . import _timings

#: Whether ingest calls stage steps in a compressed database (else in a temporary table, as before).
ENABLED = os.environ.get("WORKBENCH_COMPRESSED_STAGE", "1") != "0"
#: Rows appended between checkpoints (a checkpoint compresses the row groups changed since the last one; one
#: after every small append would compress the last row group again and again). Just over a row group (122,880
#: rows), as the OTLP fast path's INSERTs: the rows waiting uncompressed cost peak memory. 1M spans, quiet,
#: one run each: SDK-written 664 MB / 33.7 CPU s at 130k, 761 / 32.8 at 250k, 779 / 35.0 at 500k (main 696 /
#: 36.7); generated 663 MB / 25.0-27.3 CPU s at 130k, 664 / 23.8 at 500k.
CHECKPOINT_ROWS = 130_000

_NAMES = itertools.count()


def _ident(name: str) -> str:
    """A quoted identifier of a name DuckDB gave back or this module made (never a log value)."""
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def without_vacuum(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's checkpoints merge no row groups meanwhile (``max_vacuum_tasks`` 0), put back as it was after.

    For the stage's own checkpoints (:meth:`StageDB.appended`) and for an INSERT into ``stage_steps`` smaller
    than a row group (122,880 rows), such as the OTLP fast path's last one: DuckDB writes a small INSERT to the
    write-ahead log rather than straight to the file, and once the log passes ``checkpoint_threshold`` (16 MiB)
    commits with a checkpoint, which merged the stage's row groups and compressed them all again: the work
    grew with the rows staged before (the last INSERT of 1M SDK-written spans, 92k rows: 2.1 CPU s against
    ~0.45 for each 153k-row one; of 400k spans 0.85 s, 0.35 without the merge; load 18). The rows, their
    order and their rowids are the same either way (nothing is deleted from the stage: the merges only pack
    row groups). A setting of the whole DuckDB instance, so held only around the stage's statements that need it:
    the store's own checkpoints keep theirs.
    """
    vacuum = con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()[0][0]
    con.execute("SET max_vacuum_tasks = 0")
    try:
        yield
    except BaseException:
        # (in a transaction DuckDB has aborted the SET fails too, and would hide why it aborted)
        with suppress(duckdb.Error):
            con.execute("SET max_vacuum_tasks = ?", [vacuum])
        raise
    con.execute("SET max_vacuum_tasks = ?", [vacuum])


class StageDB:
    """The compressed database one ingest call stages its steps in (see the module's docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        # (one name per call: an attached database is shared by every connection of the DuckDB instance)
        self.alias = f"wb_stage_{os.getpid()}_{next(_NAMES)}"
        self._search_path: str | None = None
        self._pending = 0
        self._folder: str | None = None

    def open(self) -> None:
        """Attach the database and put it on the search path after the store."""
        con = self.con
        store = con.execute("SELECT current_database(), current_setting('search_path')").fetchall()[0]
        # A file of its own (in the system's temporary folder, deleted by close): its checkpointed blocks are
        # on disk, so DuckDB may drop them from memory; an in-memory database's stay in memory (or the spill
        # file) however large the stage grows.
        self._folder = tempfile.mkdtemp(prefix="wb_stage_")
        target = os.path.join(self._folder, "stage.duckdb").replace("'", "''")
        con.execute(f"ATTACH '{target}' AS {_ident(self.alias)}")
        self._search_path = store[1]
        path = f"{_ident(store[0])}.main,{_ident(self.alias)}.main"
        con.execute("SET search_path = ?", [path + ("," + store[1] if store[1] else "")])

    def take_steps(self) -> None:
        """Move the (empty) temporary ``stage_steps`` into the stage database, with the same columns."""
        con, table = self.con, f"{_ident(self.alias)}.main.stage_steps"
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM temp.main.stage_steps LIMIT 0")
        con.execute("DROP TABLE temp.main.stage_steps")

    def appended(self, rows: int, force: bool = False) -> None:
        """Count ``rows`` appended to ``stage_steps``; compress the new ones once there are enough (or ``force``)."""
        self._pending += rows
        if self._pending and (force or self._pending >= CHECKPOINT_ROWS):
            # Without vacuum: a checkpoint then writes only the rows still in memory (the Python readers'
            # small appends). A large INSERT (the OTLP SQL path's, >= a row group) is already on disk,
            # compressed, but its partial last row group made every checkpoint merge the row groups and
            # compress them all again: ~2.2 CPU s of 30 at 1M generated OTLP spans (7 INSERTs and
            # checkpoints of ~146k rows, 192MB: 2.33 CPU s of checkpoints against 0.02 without vacuum, the
            # INSERTs the same; the stage file 41 -> 34 MB, peak RSS 374 -> 350 MB). Set for this statement
            # only (a setting of the whole DuckDB instance): the store's own checkpoints keep theirs.
            with without_vacuum(self.con):
                _timings.execute(self.con, f"CHECKPOINT {_ident(self.alias)}")
            self._pending = 0

    def close(self) -> None:
        """Detach the database (its rows are freed) and give the search path back (after: DETACH rewrites it)."""
        con = self.con
        try:
            con.execute(f"DETACH DATABASE IF EXISTS {_ident(self.alias)}")
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
        finally:
            if self._search_path is not None:
                if self._search_path:
                    con.execute("SET search_path = ?", [self._search_path])
                else:
                    con.execute("RESET search_path")
