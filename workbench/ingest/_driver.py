"""Ingest driver: pick an adapter per file, stage, merge into the store in one transaction."""

from __future__ import annotations

import glob
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from tqdm.auto import tqdm

from ..exceptions import FormatError, IngestError
from ..store._connection import sql_statements
from ._base import Adapter, RecordsAdapter, Stage, create_stage_tables, drop_stage_tables
from ._jsonio import open_input
from ._registry import ADAPTERS, RECORD_ADAPTERS

_HEAD_BYTES = 64 * 1024
# Inputs above this many bytes (in all) get a progress bar when progress is left to us.
_PROGRESS_BYTES = 8 * 1024 * 1024
_MAX_ERRORS = 20


@dataclass(frozen=True)
class IngestReport:
    """What one ingest call did. ``read == stored + quarantined`` always.

    Attributes
    ----------
    read : int
        Step-level records read (spans, observations, turns, native step lines), plus every
        unreadable unit (a broken line counts as one record).
    stored : int
        Records that are in the store after the call (``added`` new ones, the rest were already there).
    quarantined : int
        Records rejected, each written to the ``quarantine`` table with file, line and reason.
    errors : list of str
        The first quarantine reasons as ``file:line: reason``.
    added : int
        Steps newly written by this call (0 when the same input is ingested again).
    files : list of str
        The files read, with the format each was read as.
    """

    read: int
    stored: int
    quarantined: int
    errors: list[str] = field(default_factory=list)
    added: int = 0
    files: list[str] = field(default_factory=list)
    runs: int = 0
    labels: int = 0

    def __str__(self) -> str:
        text = (f"read {self.read:,} records: stored {self.stored:,} ({self.added:,} new), "
                f"quarantined {self.quarantined:,}; {self.runs:,} runs touched")
        if self.errors:
            text += "\n  " + "\n  ".join(self.errors[:5])
        return text

    def _repr_html_(self) -> str:
        rows = "".join(f"<li><code>{html.escape(e)}</code></li>" for e in self.errors[:10])
        return (f"<div><b>IngestReport</b>: read {self.read:,}, stored {self.stored:,} "
                f"({self.added:,} new), quarantined {self.quarantined:,}, runs {self.runs:,}"
                + (f"<ul>{rows}</ul>" if rows else "") + "</div>")


def _read_head(path: Path) -> bytes:
    # Sniffers see the text as the readers do: gunzipped, without a byte-order mark.
    with open_input(path) as fh:
        return fh.read(_HEAD_BYTES).removeprefix(b"\xef\xbb\xbf")


def expand_paths(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files named by a path, a folder (read recursively), a glob, or a list of those."""
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif any(ch in text for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        elif path.is_file():
            found = [path]
        else:
            raise IngestError(f"{text}: no such file")
        if not found:
            raise IngestError(f"{text}: no file matches")
        out.extend(found)
    return out


def choose_adapter(path: Path, fmt: str | None = None) -> Adapter:
    """The adapter for ``path``: the one named ``fmt``, else the first whose sniff accepts the file."""
    if fmt is not None:
        for adapter in ADAPTERS:
            if adapter.name == fmt:
                return adapter
        names = ", ".join(a.name for a in ADAPTERS)
        raise FormatError(f"unknown format {fmt!r}: the formats are {names}")
    try:
        head = _read_head(path)
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for adapter in ADAPTERS:
        try:
            if adapter.sniff(path, head):
                return adapter
        except Exception:  # noqa: BLE001 - a sniffer that trips over odd bytes just says no
            continue
    tried = "; ".join(f"{a.name} ({a.description})" for a in ADAPTERS)
    raise FormatError(f"{path}: not in any known format. Tried: {tried}. "
                      "Name one with format=… if the file is in one of them.")


def _is_records(source: Any) -> bool:
    return not isinstance(source, (str, bytes, os.PathLike)) and not (
        isinstance(source, (list, tuple)) and source and all(isinstance(s, (str, os.PathLike)) for s in source)
    )


def run_ingest(con: duckdb.DuckDBPyConnection, source: Any, fmt: str | None = None,
               progress: bool | None = None, stage_fill: Any = None) -> IngestReport:
    """Ingest ``source`` into the store on ``con`` in one transaction (see ``Workspace.ingest``)."""
    jobs: list[tuple[Path | None, Adapter | RecordsAdapter]] = []
    if stage_fill is not None:
        jobs = []
    elif _is_records(source):
        jobs = [(None, RECORD_ADAPTERS[0])]
    else:
        jobs = [(p, choose_adapter(p, fmt)) for p in expand_paths(source)]
    total_bytes = sum(p.stat().st_size for p, _ in jobs if p is not None)
    show = progress if progress is not None else total_bytes > _PROGRESS_BYTES
    bar = tqdm(total=total_bytes or None, unit="B", unit_scale=True, desc="ingest", disable=not show)
    stage = Stage(con)
    con.execute("BEGIN TRANSACTION")
    current = "<records>"
    try:
        create_stage_tables(con)
        for path, adapter in jobs:
            current = str(path) if path is not None else "<records>"
            stage.source = adapter.name
            stage.file = str(path.resolve()) if path is not None else f"<{adapter.name}>"
            if path is None:
                adapter.stage_records(source, stage)  # type: ignore[union-attr]
            else:
                adapter.stage(path, stage)  # type: ignore[union-attr]
                bar.update(path.stat().st_size)
            bar.set_postfix(records=stage.read)
        if stage_fill is not None:
            stage_fill(stage)
        stage.flush()
        current = "<merge>"
        for stmt in sql_statements("finalize"):
            con.execute(stmt)
        for stmt in sql_statements("refresh_runs"):
            con.execute(stmt)
        report = _report(con, stage, [f"{p} ({a.name})" for p, a in jobs if p is not None])
        if report.read != report.stored + report.quarantined:
            raise IngestError(
                f"{current}: record counts do not reconcile (read {report.read}, stored "
                f"{report.stored}, quarantined {report.quarantined}); nothing was stored")
        drop_stage_tables(con)
        con.execute("COMMIT")
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, IngestError) or not isinstance(exc, Exception):
            raise
        raise IngestError(f"ingest failed while reading {current}: {type(exc).__name__}: {exc}; "
                          "nothing was stored") from exc
    finally:
        bar.close()
    return report


def _one(con: duckdb.DuckDBPyConnection, query: str) -> int:
    return int(con.execute(query).fetchall()[0][0])


def _report(con: duckdb.DuckDBPyConnection, stage: Stage, files: list[str]) -> IngestReport:
    staged = _one(con, "SELECT count(*) FROM stage_n")
    bad = _one(con, "SELECT count(*) FROM stage_bad")
    adapter_rejects = _one(con, "SELECT count(*) FROM stage_quarantine")
    added = _one(con, "SELECT count(*) FROM stage_new WHERE rid NOT IN (SELECT rid FROM stage_bad)")
    runs = _one(con, "SELECT count(*) FROM affected")
    labels = _one(con, "SELECT count(*) FROM stage_labels")
    errors = [f"{f}:{ln}: {reason}" for f, ln, reason in con.execute(
        "SELECT file, line, reason FROM stage_rejects ORDER BY file, line LIMIT ?", [_MAX_ERRORS]).fetchall()]
    return IngestReport(read=stage.read, stored=staged - bad, quarantined=adapter_rejects + bad,
                        errors=errors, added=added, files=files, runs=runs, labels=labels)
