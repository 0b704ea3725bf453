"""The Workspace: one DuckDB store and the operations on it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd  # imported when a table is asked for: an ingest script never pays for it

from ._params import flag, integer_at_least, text_or_none, user_path
from .exceptions import InvalidParameterError, ReadOnlyStoreError, StoreError, WorkbenchError
from .ingest._driver import INGEST_MEMORY, IngestReport, run_ingest
from .ingest._sources import ingest_source
from .store._connection import (
    EXPORT_INCOMPLETE,
    PARTITIONED,
    TABLES,
    connect_file,
    ensure_schema,
    is_parquet_export,
    open_parquet_export,
    schema_version,
)
from .store._export_kept import write_kept
from .store._label_target import check_label_target
from .store._outcomes import RUN_OUTCOMES_SQL, silent_flag
from .store._own_connection import fetch, fetch_df, own_cursor
from .store._run_scope import one_run_id
from .store._store_file import local_path, refuse_no_store_file, refuse_wal
from .store._thread_cursors import ThreadCursors
from .store._wal_aside import recover as recover_set_aside_log
from .store._write_lock import WriteLock

_OUTCOMES = ("success", "failure", "unknown")
# The write lock of each store file this process opened (race47): a second wb.open of a file (a notebook's open
# cell run again while a thread still writes through the first workspace) writes the same database, so its ingests
# and detects wait for the first's as that workspace's own do (two locks let an ingest commit inside a detect).
_FILE_LOCKS: dict[str, WriteLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: Path | None) -> WriteLock:
    """The write lock of the store at ``path`` (a new one for a store in memory: no other workspace opens it)."""
    if path is None:
        return WriteLock()
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(os.path.realpath(path), WriteLock())


class Workspace:
    """A store of runs, steps, labels, findings and attributions in one DuckDB database.

    Open one with :func:`workbench.open`. Every query is parameterised; log contents never
    reach SQL text.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path | None,
        read_only: bool,
        memory_limit: str | None = None,
    ) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._memory_limit = memory_limit
        self.closed = False
        # One write at a time through this workspace: two threads' ingests at once raced on ws.con (DuckDB's
        # "connection is busy", an IndexError) or conflicted at COMMIT, and the same file given by both failed
        # on a duplicate key instead of adding nothing the second time.
        self._writes = _write_lock(_file_name(path))  # (a hard link's the lock of its file's first name)
        # (ws.con in the thread that opened the workspace, a cursor of its own in any other: _thread_cursors.py)
        self._threads = ThreadCursors()
        if path is not None and not read_only:
            from . import _open_files

            _open_files.opened_for_writing(self)

    # -- reading ------------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection the workspace owns."""
        return self._con

    def sql(self, query: str, params: Any = None) -> duckdb.DuckDBPyRelation:
        """Run ``query`` with ``params`` bound to its ``?`` / ``$name`` placeholders.

        In the thread that opened the workspace it runs on :attr:`con`; in any other thread (a query while an
        ingest runs in the background) on a cursor of that thread's own, with its own temporary tables."""
        return self._threads.here(self._con).sql(query, params=params)

    def _here(self) -> duckdb.DuckDBPyConnection:
        """The calling thread's connection (:attr:`con` in the thread that opened the workspace, a cursor of its
        own in any other): a write started in a thread asks it whether a transaction is open and works on a cursor
        of it. Asked on :attr:`con` from another thread, the question failed "connection is busy" whenever the
        owner thread ran a query meanwhile (``wb.detect`` in a thread while the notebook reads the store)."""
        return self._threads.here(self._con)

    def runs(
        self,
        outcome: str | None = None,
        system: str | None = None,
        limit: int | None = None,
        silent: bool = False,
    ) -> pd.DataFrame:
        """Runs, newest first, optionally only those with ``outcome`` or of ``system``.

        ``silent=True``: outcomes as ``workbench investigate`` and the tuners count them: a run taken
        as failed (a silent failure: it reported success or nothing, no label says how it ended, and
        a critical ``silent_failure`` finding says its answer is detached from the data) has outcome
        ``failure``, and the column ``taken_why`` says why (NULL for the others). So
        ``ws.runs(outcome="failure", silent=True)`` lists every run investigate attributes. The
        findings must be in the store (``workbench investigate``, or ``wb.detect(ws)``).
        """
        silent = silent_flag(silent, "ws.runs")
        if outcome is not None and outcome not in _OUTCOMES:
            raise InvalidParameterError(f"outcome must be one of {_OUTCOMES} (got {outcome!r})")
        # (a number as system raised DuckDB's ConversionException, a negative limit its BinderException; a string,
        # a float or True as limit was taken)
        if system is not None and not isinstance(system, str):
            raise InvalidParameterError(
                f"system must be a system's name (got {type(system).__name__} {system!r})"
            )
        if limit is not None:
            limit = integer_at_least(limit, "limit", 0)
        query = (
            f"SELECT * {'' if silent else 'EXCLUDE (taken_why)'} FROM ({RUN_OUTCOMES_SQL}) "
            "WHERE ($outcome IS NULL OR outcome = $outcome) AND ($system IS NULL OR system = $system) "
            "ORDER BY started_at DESC NULLS LAST, run_id LIMIT $limit"
        )
        return fetch_df(
            self._con,
            query,
            {
                "outcome": outcome,
                "system": system,
                "silent": silent,
                "limit": limit if limit is not None else 2**62,
            },
        )

    def steps(self, run_id: str) -> pd.DataFrame:
        """The steps of one run, in ``seq`` order (none for a run whose steps were all quarantined); a run id
        the store does not hold is an InvalidParameterError, not an empty frame (a mistyped id looked like a run
        that logged nothing)."""
        run_id = one_run_id(run_id, "ws.steps")
        return self._of_known_run(
            fetch_df(self._con, "SELECT * FROM steps WHERE run_id = ? ORDER BY seq", [run_id]),
            run_id,
            "ws.steps",
        )

    def edges(self, run_id: str) -> pd.DataFrame:
        """The edges (parent, handoff, consumes) of one run; an unknown run id raises, as in :meth:`steps`."""
        run_id = one_run_id(run_id, "ws.edges")
        return self._of_known_run(
            fetch_df(
                self._con, "SELECT * FROM edges WHERE run_id = ? ORDER BY kind, src_step, dst_step", [run_id]
            ),
            run_id,
            "ws.edges",
        )

    def _of_known_run(self, frame: pd.DataFrame, run_id: str, where: str) -> pd.DataFrame:
        # asked only when the frame is empty: a run's rows found say the run is there
        if frame.empty and not fetch(self._con, "SELECT 1 FROM runs WHERE run_id = ? LIMIT 1", [run_id]):
            raise InvalidParameterError(f"{where}: run_id: no run {run_id!r} in this store")
        return frame

    def labels(self, run_id: str | None = None) -> pd.DataFrame:
        """Labels (known culprits and outcomes), of one run or all; an unknown run id raises, as in :meth:`steps`."""
        run_id = None if run_id is None else one_run_id(run_id, "ws.labels")
        frame = fetch_df(
            self._con,
            "SELECT * FROM labels WHERE (? IS NULL OR run_id = ?) ORDER BY run_id, created_at",
            [run_id, run_id],
        )
        return frame if run_id is None else self._of_known_run(frame, run_id, "ws.labels")

    def quarantine(self, file: str | None = None) -> pd.DataFrame:
        """Rejected records with file, line and reason."""
        return fetch_df(
            self._con,
            "SELECT * FROM quarantine WHERE (? IS NULL OR file = ?) ORDER BY file, line",
            [file, file],
        )

    def count(self, table: str) -> int:
        """Rows in one of the store's tables."""
        if table not in TABLES:
            raise InvalidParameterError(f"no table {table!r}; the tables are {', '.join(TABLES)}")
        return int(
            fetch(self._con, f"SELECT count(*) FROM {table}")[0][0]
        )  # (a name of TABLES, checked above)

    # -- writing ------------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(
                f"{self.path} is open read-only (a Parquet export, or read_only=True): "
                "open a DuckDB file to write"
            )

    def ingest(self, source: Any, format: str | None = None, progress: bool | None = None) -> IngestReport:
        """Ingest files (path, folder, glob, or list of them) or in-memory native records.

        The format of each file is detected (or forced with ``format=``: native, otlp, openinference,
        span-tree, any-agent, langfuse, mlflow-trace, openai-agents, aws-spans, whowhen). The whole call is one
        transaction: on an error nothing is stored. Ingesting the same input twice adds nothing. Bad records
        go to the ``quarantine`` table; ``report.read == report.stored + report.quarantined``. A folder
        written by :meth:`export` (alone in the call) is merged as a store: its tables as they are, a step
        held otherwise quarantined at its Parquet file and row.

        A pandas DataFrame is read as its rows, one native record a row (its named index levels and its
        columns the fields; a missing cell, NaN, NaT or ``pd.NA``, an absent field; a timestamp ISO-8601
        text): the store a list of the same dicts gives. In any in-memory record a NaN is a missing value.
        One dict is one record. Anything else (None, a number, a set, a Series, an empty path) is a
        :class:`TypeError` or :class:`InvalidParameterError` saying what can be read.
        """
        self._writable()
        source = ingest_source(source)
        # A store on disk ingests within a bounded memory budget (DuckDB spills past it, next to the
        # store) unless the user chose a limit; should some step need more than the budget, the call
        # is run again (nothing was stored) with DuckDB's own limit.
        budget = INGEST_MEMORY if self._memory_limit is None and self.path is not None else None
        with self._writes:
            try:
                return run_ingest(
                    self._threads.here(self._con), source, fmt=format, progress=progress, memory_budget=budget
                )
            except WorkbenchError as exc:
                if budget is None or not _out_of_memory(exc):
                    raise
            return run_ingest(self._threads.here(self._con), source, fmt=format, progress=progress)

    def label(
        self,
        run_id: str,
        outcome: str | None = None,
        agent: str | None = None,
        step_id: str | None = None,
        kind: str | None = None,
        source: str = "human",
        detail: str | None = None,
        by: str | None = None,
    ) -> None:
        """Record the true outcome of a run and/or a known culprit (agent, step, fault kind), given by ``by``
        (default: the login name). The run's latest outcome label wins: an earlier outcome given again is a new
        label, unless it is the latest as it stands (the same person saying the same again adds nothing). The run,
        and the ``agent`` and ``step_id`` given, must be the store's: a name the run does not hold (a typo) is an
        :class:`InvalidParameterError` naming those it holds."""
        from .ingest.labels_file import person

        self._writable()
        run_id = one_run_id(run_id, "ws.label")
        for name, value in (
            ("agent", agent),
            ("step_id", step_id),
            ("kind", kind),
            ("detail", detail),
            ("source", source),
        ):
            text_or_none(value, f"ws.label: {name}")  # (a number or a dict failed on the stage, naming none)
        if by is not None and (not isinstance(by, str) or not by.strip()):
            raise InvalidParameterError(f"ws.label: by must name the person giving the label (got {by!r})")
        giver = by.strip() if by is not None else person()
        if outcome is not None and outcome not in _OUTCOMES:
            raise InvalidParameterError(f"outcome must be one of {_OUTCOMES} (got {outcome!r})")
        if outcome is None and agent is None and step_id is None and kind is None:
            raise InvalidParameterError("label() needs an outcome, an agent, a step_id or a kind")

        def fill(stage: Any) -> None:
            stage.label(
                run_id=run_id,
                agent=agent,
                step_id=step_id,
                kind=kind,
                source=source,
                outcome=outcome,
                detail=detail,
                given_by=giver,
            )

        # (the check and the write under one hold of the lock: another thread's ingest between them may move the run
        # into the run its trace links to)
        with self._writes:
            check_label_target(self._con, run_id, agent, step_id)  # (the run, and its agent and step given)
            run_ingest(self._threads.here(self._con), [], stage_fill=fill)

    def label_file(self, path: str | os.PathLike[str]) -> int:
        """Read labels from a CSV, JSON or JSONL file (columns run_id, outcome, agent, step_id,
        kind, source, detail, given_by: default the login name); return how many rows were read."""
        from .ingest.labels_file import person, read_labels

        self._writable()
        rows = read_labels(user_path(path, "read labels from"))  # ('~/labels.csv': the home folder's)
        giver = person()

        def fill(stage: Any) -> None:
            for row in rows:
                stage.label(
                    run_id=row["run_id"],
                    agent=row.get("agent"),
                    step_id=row.get("step_id"),
                    kind=row.get("kind"),
                    source=row.get("source") or "human",
                    outcome=row.get("outcome"),
                    detail=row.get("detail"),
                    given_by=row.get("given_by") or giver,
                )

        with self._writes:
            run_ingest(self._threads.here(self._con), [], stage_fill=fill)
        return len(rows)

    # -- scale-out ----------------------------------------------------------------------------
    def export(self, folder: str | os.PathLike[str]) -> Path:
        """Write every table as Parquet under ``folder`` (runs and steps partitioned by day, hive
        style: ``steps/day=2026-01-05/….parquet``). ``wb.open(folder)`` reads it back in place, and
        ``other.ingest(folder)`` merges it into another store."""
        out = Path(local_path(folder, "export to"))  # (DuckDB's COPY and Python's mkdir: one folder)
        marker = out / EXPORT_INCOMPLETE
        try:
            out.mkdir(parents=True, exist_ok=True)
            # Tables are written one after another: an export that stops half-way (a full disk, a killed process)
            # leaves some tables new and others old or missing, which read back as a store whose runs have no
            # steps. The marker says so until the last table is written.
            marker.write_text(
                "an export into this folder began and did not finish: its tables may be of two "
                "stores, or missing; export again\n",
                encoding="utf-8",
            )
        except OSError as exc:
            with contextlib.suppress(OSError):  # (created, but its text could not be written)
                marker.unlink()
            raise StoreError(f"cannot export to {out} ({exc.strerror or exc}): nothing was written") from exc
        try:
            with own_cursor(
                self._con
            ) as con:  # (the store's tables, not a user's temporary ones of those names)
                # every table read in one transaction: an ingest committing meanwhile (another thread's) left the
                # export with its steps but not its runs, written before it
                con.execute("BEGIN TRANSACTION")
                try:
                    self._export_tables(con, out)
                finally:
                    with contextlib.suppress(duckdb.Error):  # (nothing was written to the store)
                        con.execute("ROLLBACK")
            marker.unlink()
        except (duckdb.Error, OSError) as exc:
            raise StoreError(
                f"the export to {out} did not finish ({type(exc).__name__}: {exc}): the folder holds "
                f"part of it (and {EXPORT_INCOMPLETE} says so); export again once the cause is "
                "fixed"
            ) from exc
        return out

    @staticmethod
    def _export_tables(con: duckdb.DuckDBPyConnection, out: Path) -> None:
        for table in (*TABLES, "meta"):
            rel = con.table(table)
            target = out / table
            if table in PARTITIONED:
                col = PARTITIONED[table]
                rel = rel.select(f"*, coalesce(strftime({col}, '%Y-%m-%d'), 'none') AS day")
                target.mkdir(parents=True, exist_ok=True)
                # written beside, then put in place of the earlier export's day files (see _replace_days)
                fresh = Path(tempfile.mkdtemp(prefix=f".{table}-export-", dir=out))
                try:
                    rel.write_parquet(str(fresh), partition_by=["day"], overwrite=True)
                    _replace_days(target, fresh)
                finally:
                    shutil.rmtree(fresh, ignore_errors=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                rel.write_parquet(str(target / "data.parquet"), overwrite=True)
        write_kept(con, out)  # (which steps the store's rules made up or named: store/_export_kept.py)

    def snapshot(self, path: str | os.PathLike[str], replace: bool = False) -> Path:
        """Write a consistent copy of the store to the DuckDB file ``path``; return its path.

        DuckDB lets one process open a database file for writing, and then no other process can open
        that file, not even with ``read_only=True`` (that raises :class:`StoreLockedError`). Several
        processes may open a file read-only when no process writes it. So to read while a writer runs,
        the writing process writes a snapshot and readers open that::

            ws.snapshot("incidents.snapshot.duckdb")                   # in the writing process
            wb.open("incidents.snapshot.duckdb", read_only=True)       # in any number of readers

        The file is replaced atomically: a reader never sees half a snapshot, and one that has it open
        keeps reading the copy it opened. A Parquet export (:meth:`export`) read in place with
        ``wb.open(folder)`` works the same way, from any engine. A file at ``path`` that is not a workbench
        store (a log: ``ws.snapshot("traces.jsonl")``) is refused, :class:`StoreError`, unless ``replace=True``.
        """
        from .store._snapshot import snapshot_to_file

        path = local_path(path, "write a snapshot to")  # (the file wb.open of the same text opens)
        if self.path is not None and _same_file(Path(path), self.path):
            # replaced under the open store, the file DuckDB writes is gone from its name: what the session
            # stored after the snapshot was lost when the store closed
            raise StoreError(
                f"{path} is this store's own file: a snapshot there would replace the open store, and "
                "what it stores afterwards would be lost; write the snapshot to another file"
            )
        from ._open_files import writer_of

        if (
            writer := writer_of(path)
        ) is not None:  # (replace=True or not: it went on writing the unlinked file)
            raise StoreError(
                f"{path} is the store file of another open workspace ({writer.path}), which writes it: a "
                "snapshot there would replace it under that workspace, and what it stores would be "
                "lost; close it first, or write the snapshot to another file"
            )
        with own_cursor(self._con) as con:  # (the store's tables, not a user's temporary ones of those names)
            return snapshot_to_file(con, path, replace)

    def copy(self) -> Workspace:
        """An in-memory, writable copy of the store (of a read-only store or a Parquet export too)."""
        from .store._snapshot import snapshot_to_memory

        with own_cursor(self._con) as con:
            return Workspace(snapshot_to_memory(con), None, read_only=False)

    # -- housekeeping -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (and release the file's write lock)."""
        from . import _open_files

        _open_files.closed(self)
        self._threads.close()
        self._con.close()
        self.closed = True

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "memory" if self.path is None else str(self.path)
        return f"<Workspace {where}{' read-only' if self.read_only else ''}>"

    def summary(self) -> pd.DataFrame:
        """Row counts of every table and runs by outcome."""
        rows = [(t, self.count(t)) for t in TABLES]
        rows += [
            (f"runs[{o}]", int(n))
            for o, n in fetch(
                self._con, "SELECT outcome, count(*) FROM runs GROUP BY outcome ORDER BY outcome"
            )
        ]
        import pandas as pd

        return pd.DataFrame(rows, columns=["table", "rows"])

    def _repr_html_(self) -> str:
        from ._summary import summary_html

        return summary_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        # IPython's text view: the summary; repr() itself stays cheap.
        from ._summary import summary_text

        p.text(repr(self) if cycle else summary_text(self))


def _out_of_memory(exc: BaseException) -> bool:
    """Whether DuckDB ran out of memory somewhere in the chain of causes of ``exc``."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, duckdb.OutOfMemoryException):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def _file_name(path: Path | None) -> Path | None:
    """The name this process first opened ``path``'s file by (a hard link's: _open_files.py), None for memory."""
    from ._open_files import file_name

    return None if path is None else Path(file_name(path))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # (one of them does not exist: not the same file)
        return False


def _limit(con: duckdb.DuckDBPyConnection, memory_limit: str | None) -> None:
    if memory_limit is not None:
        try:
            con.execute("SET memory_limit = ?", [memory_limit])
        except duckdb.Error as exc:
            raise StoreError(
                f"memory_limit {memory_limit!r} is not a size DuckDB understands: {exc}"
            ) from None


def open(
    path: str | os.PathLike[str] | None = None,
    read_only: bool = False,  # noqa: A001
    memory_limit: str | None = None,
) -> Workspace:
    """Open a workspace: in memory (``None``), a DuckDB file, or a Parquet export folder.

    ``memory_limit`` (e.g. ``"2GB"``) caps DuckDB's memory; beyond it, large ingests and queries
    spill to disk instead of growing (DuckDB's default is 80 % of the machine's RAM).

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> ws.count("runs")
    0
    """
    read_only = flag(read_only, "read_only")  # (a string reached DuckDB's connect(): a bare TypeError)
    if path is not None:  # ('~' expanded once, for Python and DuckDB alike; "sqlite:x", "https://…" refused)
        path = local_path(path, "open")
    if path is not None and is_parquet_export(Path(path)):
        con = open_parquet_export(Path(path))
        _limit(con, memory_limit)
        return Workspace(con, Path(path), read_only=True)
    if path is not None:  # (a folder, "x/", "store.duckdb.wal": refused, naming what the path is)
        refuse_no_store_file(path)
        refuse_wal(path, "open")
        recover_set_aside_log(path)  # (a snapshot's process died mid-replace: its log put back, or said)
    con = connect_file(path, read_only=read_only)
    try:
        _limit(con, memory_limit)
        if not read_only:
            ensure_schema(con, new=path is None)
        else:
            schema_version(con)
    except BaseException:
        con.close()  # (a store refused is not left open: its file lock goes with it)
        raise
    return Workspace(con, Path(path) if path is not None else None, read_only, memory_limit)


def _replace_days(target: Path, fresh: Path) -> None:
    """The day folders written under ``fresh`` put in place of those under ``target``.

    DuckDB's partitioned write replaces the day folders it writes and leaves the rest: exported over an earlier
    export, the days only that store held stayed and read back as this store's runs and steps. So the earlier
    export's Parquet files of its day folders go (only those: anything else a user keeps there stays), once
    the new ones are written: a store read from that very export (``wb.open(folder).export(folder)``) was
    read whole by then, and finds its files under the same names."""
    for day in target.glob("day=*"):
        if day.is_dir() and not day.is_symlink():
            for f in day.glob("*.parquet"):
                f.unlink()
            with contextlib.suppress(OSError):  # (something else in it: left as it is)
                day.rmdir()
    for day in fresh.glob("day=*"):
        (target / day.name).mkdir(exist_ok=True)
        for f in day.iterdir():
            os.replace(f, target / day.name / f.name)
