"""Open whatever a user points at: a workspace as it is, a trace file ingested into a workspace beside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._params import user_path
from .exceptions import IngestError, StoreError

if TYPE_CHECKING:
    from .ingest._driver import IngestReport
    from .workspace import Workspace

# A DuckDB database file carries this at byte 8, whatever its name.
_DUCKDB_MAGIC = b"DUCK"
_DUCKDB_SUFFIXES = (".duckdb", ".ddb")
# Suffixes dropped to name the workspace of a trace file: traces.otlp.jsonl.gz -> traces.duckdb.
_TRACE_SUFFIXES = {".gz", ".json", ".jsonl", ".ndjson", ".otlp", ".otel", ".csv", ".txt"}


def is_duckdb_file(path: Path) -> bool:
    """True for a DuckDB database: by its name, or by the magic bytes of an existing file."""
    if path.suffix.lower() in _DUCKDB_SUFFIXES:
        return True
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head[8:12] == _DUCKDB_MAGIC


def workspace_path_for(source: str | os.PathLike[str]) -> Path:
    """Where the workspace of a trace file, folder or glob goes: beside it, named after it.

    ``runs/traces.otlp.jsonl`` -> ``runs/traces.duckdb``; a folder ``runs/otlp/`` ->
    ``runs/otlp.duckdb``; a glob ``runs/*.json`` -> ``runs/workspace.duckdb``.
    """
    text = os.fspath(source)
    if any(ch in text for ch in "*?["):
        return Path(text).parent / "workspace.duckdb"
    path = Path(text.rstrip("/\\") or ".")
    name = path.name
    while Path(name).suffix.lower() in _TRACE_SUFFIXES:
        name = name[: -len(Path(name).suffix)]
    return path.with_name(f"{name or 'workspace'}.duckdb")


def open_path_report(
    path: str | os.PathLike[str], db: str | os.PathLike[str] | None = None, progress: bool | None = True
) -> tuple[Workspace, IngestReport | None]:
    """:func:`open_path`, also returning the ingest report (None when a workspace was opened as is)."""
    from .store._connection import is_parquet_export
    from .workspace import open as wb_open

    text = os.fspath(
        user_path(path, "open", IngestError)
    )  # ('~/traces.jsonl', '~/ws.duckdb': the home folder's)
    db = user_path(db, "open", StoreError) if db is not None else None
    source = Path(text)
    is_glob = any(ch in text for ch in "*?[")
    if not is_glob and not os.path.exists(
        source
    ):  # (False for a name too long for a file, where .exists() raised)
        raise IngestError(f"{text}: no such file or folder")
    if not is_glob and (is_duckdb_file(source) or is_parquet_export(source)):
        if db is not None:
            raise StoreError(f"{text} is a workspace already: open it without db= (got db={os.fspath(db)!r})")
        return wb_open(source), None
    target = Path(db) if db is not None else workspace_path_for(text)
    created = not target.exists()
    ws = wb_open(target)
    try:
        report = ws.ingest(text, progress=progress)
    except BaseException:
        ws.close()
        if created:
            # A file in no known format must not leave an empty workspace behind.
            for leftover in (target, target.with_name(target.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    return ws, report


def open_path(
    path: str | os.PathLike[str], db: str | os.PathLike[str] | None = None, progress: bool | None = True
) -> Workspace:
    """Open a workspace, or ingest trace files into one, and return it.

    A DuckDB file (by its ``.duckdb`` name or its contents) or a Parquet export folder opens as it
    is. Anything else is read as traces (a file, a folder, or a glob, in any format
    :meth:`Workspace.ingest` detects) into the DuckDB file ``db``, by default beside the input and
    named after it (``traces.otlp.jsonl`` -> ``traces.duckdb``). Ingesting is idempotent, so opening
    the same trace file again adds nothing; bad records are quarantined as usual.

    This is what the JupyterLab extension runs when a file is opened from the file browser, and
    what ``%workbench open PATH`` runs.

    Parameters
    ----------
    path : str or path-like
        A workspace, a trace file, a folder of them, or a glob.
    db : str or path-like, optional
        The workspace to ingest into (only for traces).
    progress : bool or None, default True
        Show a progress bar while ingesting (None: only for large inputs).

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open_path("traces.otlp.jsonl")        # doctest: +SKIP
    >>> ws.path                                        # doctest: +SKIP
    PosixPath('traces.duckdb')
    """
    return open_path_report(path, db=db, progress=progress)[0]
