"""Ingest driver: pick an adapter per file, stage, merge into the store in one transaction."""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from tqdm.auto import tqdm

from .._termtext import clean
from ..exceptions import FormatError, IngestError, InvalidParameterError, StoreError, WorkbenchError
from ..store._connection import sql_sections, sql_statements
from ..store._new_runs import new_runs_insert
from ..store._own_connection import own_connection
from ..store._stored_rules import keep_unnamed, stored_rules
from ..store._transaction import transaction
from . import _timings
from ._ag2_errors import fix_stored_errors, tool_errors_from_executor
from ._ag2_usage import empty_stored_usage, usage_tokens
from ._agentchat_tool_errors import agentchat_tool_errors
from ._base import Adapter, RecordsAdapter, Stage, create_stage_tables
from ._checkpoint import checkpoint_within
from ._haystack_spans import haystack_spans, stored_haystack_runs
from ._json_escapes import register_unescape, unescape_staged_tasks
from ._jsonio import compression_of, read_head
from ._kept_marks import drop_changed_marks, marks_before
from ._label_runs import labelled_runs_without_steps, said
from ._links import join_linked_runs, keep_linked_roots, move_stored_runs
from ._mastra_inputs import mastra_inputs
from ._mcp_served import fold_served_calls, fold_stored_served_calls
from ._memory_setting import memory_limit_shown, restore_memory_limit
from ._message_tools import stage_message_tools
from ._not_logs import not_a_log
from ._one_thread import one_thread
from ._parquet_rows import column_names, is_parquet
from ._paths import display, expand_paths
from ._rawtext import fill_raw_text
from ._records_spool import SPOOL_RECORDS, Spooled, fill_records_raw, spool
from ._registry import ADAPTERS, RECORD_ADAPTERS
from ._same_call import fold_stored_same_calls, merge_same_calls
from ._span_logs_attach import attach_span_logs
from ._span_logs_match import match_span_logs
from ._stage_db import ENABLED as _COMPRESSED_STAGE
from ._stage_db import StageDB
from ._stage_facts import StageFacts
from ._step_agents import (
    agents_of_previous,
    handoff_targets,
    listed_steps,
    loop_agents,
    node_agents,
    stored_agents_of_previous,
)
from ._time_units import scale_integer_units
from ._tool_text_input import restore_tool_arguments
from ._tree_walk import walk_tree
from ._workflow_build import join_build_traces

_log = logging.getLogger("workbench.ingest")
_HEAD_BYTES = 64 * 1024
# Inputs above this many bytes (in all) get a progress bar when progress is left to us.
_PROGRESS_BYTES = 8 * 1024 * 1024
_MAX_ERRORS = 20
#: DuckDB's memory limit while a store on disk ingests (unless the user set one): staged rows and the
#: merge spill next to the store past it, so a big file costs bounded memory rather than its size.
#: Measured on a quiet machine, 1M native JSONL steps: 384MB 44.5 s / 534 MB peak RSS (staging spills),
#: 640MB 28.1 s / 786 MB, 1GB 29.9 s / 1,108 MB (the bare DuckDB read: 11.9 s / 966 MB); 640MB keeps the
#: speed of 1GB for about 70 % of its memory. (Again with the merge in chunks, load 5-6, two runs each:
#: 400MB 28.4 / 29.3 CPU s, 84 / 70 s, 526 MB against 640MB 26.7 / 27.7 CPU s, 48 / 40 s, 760 / 776 MB;
#: 5M generated OTLP spans, load ~3: 400MB 122.4 CPU s, 125 s, 611 MB against 640MB 108.1, 106 s, 621 MB.)
INGEST_MEMORY = "640MB"
#: DuckDB's memory limit for the merge after staging (within INGEST_MEMORY's call): the staged rows spill
#: to make room, the merge's chunks (MERGE_CHUNK_STEPS) fit in it. Generated OTLP spans, load 4-9, CPU s /
#: peak RSS: 1M 27.4 / 680 MB staging at 640MB and merging at 512MB, 27.3 / 576 both at 400MB, 30.5 / 511
#: both at 256MB (spills); 5M 134.2 / 719 MB at 640MB + 512MB, 132.9 / 647 at 400MB + 400MB.
MERGE_MEMORY = "400MB"
#: DuckDB's memory limits for a call that reads only OTLP files (within INGEST_MEMORY's call), staging and
#: merge: the OTLP reader holds one ~32 MB block's decoded spans at a time and stages into the compressed
#: stage database, so a larger buffer pool only keeps pages nobody reads again, and the merge's chunks spill.
#: 1M generated spans (load 15-30; CPU s / peak RSS, staging + merge): 640MB + 400MB 31.8 / 531 MB, 256MB +
#: 320MB 29.8 / 455 MB, 256MB + 256MB 32.2 / 431 MB, 192MB + 256MB 30.0 / 411 MB (the bare DuckDB read:
#: 435 MB); 100k 4.1 / 334 MB at 640MB + 400MB against 3.9 / 286 MB at 256MB + 256MB. 1M SDK-written spans,
#: the two side by side (load ~10): 640MB + 400MB 32.6 / 534 MB, 192MB + 256MB 33.8 / 396 MB (+4 % CPU).
#: Where that CPU goes (1M SDK, two alternated pairs, load 6-18): all in staging, ~2 CPU s (the mapped batches
#: waiting for a row-group-sized INSERT spill: ~200 MB more written); the merge costs the same at 256MB as at
#: 400MB. At load ~3, two pairs: 26.6 / 26.5 CPU s, 573 / 558 MB against 30.3 / 29.8, 399 / 397 MB (+13 %).
#: Staging at 224MB (28.2-31.2 CPU s, 403-441 MB) or 256MB (445 MB peak) and 16 MB blocks did not buy it back.
#: The merge sets the peak of 1M SDK-written spans (staging 359-361 MB, merge 398-402 at 256MB, the bare read 376);
#: at 192MB it stays under staging's (359 MB, same CPU). 5M generated spans had then taken 1,096-1,144 MB:
#: the merge's any-duplicate test ran out of 192MB at once and the merge ran again within MERGE_RETRY_MEMORY;
#: that test is now a distinct count (_ANY_DUPLICATE), which fits.
OTLP_STAGE_MEMORY = "192MB"
OTLP_MERGE_MEMORY = "192MB"
#: The merge's limit for an OTLP-only call of fewer bytes than OTLP_SMALL_MERGE_BYTES in all (a gzip file counted
#: as ``_GZIP_RATIO`` times its size). Such a call's peak RSS was its merge's (the rows appended to the store,
#: held in memory up to the limit until the commit), above its staging's; at 128MB the merge writes them out
#: sooner. One process each, alternated pairs, load 7-15, peak RSS / CPU s, merge at 192MB against 128MB:
#: 100k SDK-written spans (63 MB) 300 / 304 against 277 / 268 MB, 3.55 / 3.62 against 3.61 / 3.76;
#: 100k generated (44 MB) 276 / 286 against 259 / 260, 2.91 / 3.03 against 2.82 / 3.07; 200k generated (88 MB)
#: 318 / 318 against 263 / 274, 4.91 / 5.65 against 5.36 / 5.59; 150k SDK-written (94 MB) 313 / 316 against
#: 294 / 272, 4.90 / 5.15 against 5.18 / 5.46; 290k generated (127 MB) 324-328 MB either way, +0.03-0.12 CPU s.
#: Bigger calls' peak is their staging's (32 MB blocks), and their merge's chunks would spill at 128MB. What it
#: costs: bench/ingest.py at 100k, four runs each (load 12-17), 3.35 against 3.23 CPU s generated, 3.95 against
#: 3.80 SDK-written (~4 %), for 257-259 against 281-289 MB and 264-282 against 299-307 MB.
OTLP_SMALL_MERGE_MEMORY = "128MB"
OTLP_SMALL_MERGE_BYTES = 128 << 20
#: The merge's limit should it run out of MERGE_MEMORY (5M generated OTLP spans did before the walks joined
#: on integers: the text-keyed walk down held every step's ids in memory).
MERGE_RETRY_MEMORY = "1GB"
#: Staged steps a chunk of the merge holds (whole runs each, see finalize.sql's merge_chunks).
MERGE_CHUNK_STEPS = 500_000
#: Native JSONL inputs up to this many bytes in all stage their steps in a temporary table rather than the
#: compressed stage database (``_stage_db``): the whole-file read has just written every record to a table
#: in memory, so the staged steps fit there too, and writing them compressed to read them back decompressed
#: in the merge cost native ingest CPU for no memory. 1M native steps (911 MB), 640MB budget, load 8-19:
#: the copy into the stage 5.4 -> 2.5-2.9 CPU s, the merge 9.7 -> 8.0; whole ingest in alternated pairs
#: 36.5 / 36.6 and 34.2 / 30.0 CPU s, peak RSS 743 / 735 MB. Larger inputs keep the stage database (5M
#: native not measured): their staged steps pass the memory budget and would be read back from the spill
#: file. A gzip file counts as ``_GZIP_RATIO`` times its size.
NATIVE_TEMP_STAGE_BYTES = 1 << 30
#: Inputs of any format up to this many bytes in all (a gzip file counted as ``_GZIP_RATIO`` times its size)
#: stage their steps in a temporary table too: the compressed stage database pays off at hundreds of
#: thousands of spans, and for a small file its attach, copy, checkpoint (written to disk) and detach cost
#: 12 statements and ~14 ms a call of ~180 (one OTLP file of 20 spans).
SMALL_STAGE_BYTES = 4 << 20
#: Records given in memory (a list of dicts, ``ws.ingest([...])``) up to this many stage in a temporary table
#: too: their size is not known without reading them, but they are in memory already, and a guard's capture
#: or a notebook cell's few records paid the stage database's 11 statements (attach, checkpoint, detach and
#: their settings) for a stage of a few rows. (One threshold with _records_spool's: a larger list is written to a
#: file the native reader stages, so no list is both too large for this and too small to spool.)
SMALL_STAGE_RECORDS = SPOOL_RECORDS
_GZIP_RATIO = 10
#: Stores of up to this many steps read the affected runs' steps by a scan of the steps table (finalize.sql's
#: store_steps); larger ones through the runs' primary key and the new rows' row ids (its old_steps), whose joins
#: cost a small call ~8 ms CPU more to plan (a fresh store: 59.5 -> 69.1 ms in statements, load 2.6) and spare it
#: ~25 ms a scan at 2M stored steps (break-even measured near 10k runs, 200k steps).
SMALL_STORE_STEPS = 100_000
#: Calls of up to this many bytes (or SMALL_STAGE_RECORDS records in memory, or the workspace's few label and
#: outcome rows) into a store of fewer than SMALL_STORE_STEPS steps run on one DuckDB thread (a setting of the
#: instance: put back after, :func:`one_thread`). Their ~50 statements each act on a few rows, and on two threads
#: each of them woke the other thread for its pipelines, which spun waiting for work: the 5-step native file's
#: call 178-183 -> 156-165 CPU ms (load 18-19, alternated), for no wall time (nothing to split). Larger calls, and
#: any call into a large store (whose scans of the steps table split), keep every thread.
SMALL_CALL_BYTES = 1 << 20
#: Calls of up to this many bytes (or TINY_RECORDS records in memory, or the workspace's label and outcome rows)
#: into a store of fewer than TINY_STORE_STEPS steps run without DuckDB's optimizer (PRAGMA disable_optimizer, a
#: setting of the call's own cursor: the user's connection keeps its own). Their statements act on a few hundred
#: rows at most, where planning is the cost, not running: optimizing the plans was ~a fifth of such a call's CPU
#: (the 5-span OTLP file's ingest 107 -> 88 ms CPU, median of 20 alternated in one process, load ~14). An
#: unoptimized plan joins an UPDATE's FROM by a cross product and filters no scan early: bounded here by the
#: store's and the call's sizes (at most ~2,000 x a few hundred pairs), never paid by a large store or call.
TINY_CALL_BYTES = 64 * 1024
TINY_RECORDS = 200
TINY_STORE_STEPS = 2_000


@dataclass(frozen=True)
class IngestReport:
    """What one ingest call did. ``read == stored + quarantined`` always.

    Attributes
    ----------
    read : int
        Step-level records read (spans, observations, turns, native step lines), plus every
        unreadable unit (a broken line counts as one record).
    stored : int
        Records that are in the store after the call: ``added`` new steps; the rest were steps already
        stored, steps given more than once in this call (the same span in two exports), or OTLP log
        records, stored with their span's step.
    quarantined : int
        Records rejected, each written to the ``quarantine`` table with file, line and reason.
    errors : list of str
        The first quarantine reasons as ``file:line: reason``.
    added : int
        Steps newly written by this call (0 when the same input is ingested again).
    files : list of str
        The files read, with the format each was read as.
    skipped : list of str
        What a folder or glob held that was not read, as ``path: why`` (a README or another file in
        no known format, an empty file, an unreadable folder, a FIFO, a broken symlink, a loop).
    unknown_label_runs : list of str
        The runs this call's labels name that the store holds no step of (a typo, or labels given before
        their logs): the labels are kept, and these runs are not counted in ``runs``.
    notes : list of str
        What was read otherwise than the format says, file by file: native timestamps told by their
        size to be epoch seconds, milliseconds or microseconds rather than nanoseconds; and a merge that ran
        out of its memory limit and ran again with more (also logged as a warning, logger ``workbench.ingest``).
    """

    read: int
    stored: int
    quarantined: int
    errors: list[str] = field(default_factory=list)
    added: int = 0
    files: list[str] = field(default_factory=list)
    runs: int = 0
    labels: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_label_runs: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text()

    def text(self, all_skipped: str = "report.skipped lists all {n:,}") -> str:
        """The report as lines of text; ``all_skipped``: where a reader sees every skipped file (``{n}``:
        how many) when the list is cut at 5 (the command line names its own option)."""
        text = (
            f"read {self.read:,} record{'' if self.read == 1 else 's'}: stored {self.stored:,} "
            f"({self._stored_split()}), quarantined {self.quarantined:,}; "
            f"{self.runs:,} run{'' if self.runs == 1 else 's'} touched"
            # (label records are no step records: a labels file's report said "read 0 records" and nothing of them)
            + (f"; {self.labels:,} label{'' if self.labels == 1 else 's'} read" if self.labels else "")
            + (f" ({said(self.unknown_label_runs)})" if self.unknown_label_runs else "")
        )
        if self.errors:
            text += (
                "\n  " + "\n  ".join(_one_line(e) for e in self.errors[:5]) + _more(self.errors, 5, "\n  ")
            )
        if self.skipped:
            # (one line: a file named "x\nread 999 records" printed a line of its own that the report never said)
            text += (
                f"\n  skipped {len(self.skipped)}: "
                + "; ".join(_one_line(s) for s in self.skipped[:5])
                + _more(self.skipped, 5, "; ")
                + (f" ({all_skipped.format(n=len(self.skipped))})" if len(self.skipped) > 5 else "")
            )
        if self.notes:
            text += (
                "\n  note: "
                + "\n  note: ".join(_one_line(n) for n in self.notes[:5])
                + _more(self.notes, 5, "\n  note: ")
            )
        # file names and reasons quote logs: an ESC sequence, a bidi override or a NUL in them must not act
        # on the terminal the report is printed to (the CLI's own printer cleans the same way)
        return clean(text)

    def _stored_split(self) -> str:
        """What ``stored`` holds: on a fresh store "stored 999 (852 new)" read as 147 records lost."""
        rest = self.stored - self.added
        return f"{self.added:,} new step{'' if self.added == 1 else 's'}" + (
            f"; {rest:,} already stored, given twice in this call, or log records of a step"
            if rest > 0
            else ""
        )

    def _repr_html_(self) -> str:
        from .._termtext import html_text  # file names and reasons quote logs: no bidi override reverses them

        rows = "".join(f"<li><code>{html_text(e)}</code></li>" for e in self.errors[:10])
        if len(self.errors) > 10:
            rows += f"<li>{_more(self.errors, 10, '')}</li>"
        skipped = (
            "; ".join(self.skipped[:10])
            + _more(self.skipped, 10, "; ")
            + (f" (report.skipped lists all {len(self.skipped):,})" if len(self.skipped) > 10 else "")
        )
        notes = [*self.notes[:10], *([_more(self.notes, 10, "")] if len(self.notes) > 10 else [])]
        return (
            f"<div><b>IngestReport</b>: read {self.read:,}, stored {self.stored:,} "
            f"({html_text(self._stored_split())}), quarantined {self.quarantined:,}, runs {self.runs:,}"
            + (f", labels {self.labels:,}" if self.labels else "")
            + (f" ({html_text(said(self.unknown_label_runs))})" if self.unknown_label_runs else "")
            + (f"<ul>{rows}</ul>" if rows else "")
            + (f"<br>skipped {len(self.skipped)}: {html_text(skipped)}" if self.skipped else "")
            + "".join(f"<br>note: {html_text(n)}" for n in notes)
            + "</div>"
        )


def _more(items: list[str], shown: int, sep: str) -> str:
    """What a shortened list leaves out, so that a report never looks complete when it is not."""
    return f"{sep}… and {len(items) - shown:,} more" if len(items) > shown else ""


def _read_head(path: Path) -> bytes:
    # Sniffers see the text as the readers do: gunzipped, without a byte-order mark.
    head, broken = read_head(path, _HEAD_BYTES)
    if broken is not None and not head.strip():
        raise _Unreadable(broken)
    return head


class _Unreadable(Exception):
    """A compressed file that breaks before anything could be read from it."""


class _BrokenFile(Adapter):
    """Stands in for the adapter of a file nothing can be read from: the file is one quarantined record."""

    name = "unknown"

    def __init__(self, why: str) -> None:
        self.why = why

    def sniff(self, path: Path, head: bytes) -> bool:  # noqa: D102 - never sniffed
        return False

    def stage(self, path: Path, stage: Stage) -> None:  # noqa: D102
        stage.reject(
            line=1, reason=f"compressed stream broken at byte offset 0, nothing could be read ({self.why})"
        )


def choose_adapter(path: Path, fmt: str | None = None) -> Adapter:
    """The adapter for ``path``: the one named ``fmt``, else the first whose sniff accepts the file."""
    try:
        head = _read_head(path)
    except OSError as exc:
        raise IngestError(f"{display(path)}: cannot read ({exc.strerror or exc})") from None
    if fmt is not None:
        for adapter in ADAPTERS:
            if adapter.name == fmt:
                if (why := not_a_log(path)) is not None:
                    raise _Compressed(path, f"{why} (format {fmt!r} reads text)")
                if is_parquet(head) and not adapter.reads_parquet:
                    # Read as text, its binary pages would be quarantined as so many lines of broken JSON.
                    raise FormatError(
                        f"{display(path)}: a Parquet file, and format {fmt!r} reads text; "
                        f"the Parquet files read are {_parquet_formats()}"
                    )
                return adapter
        names = ", ".join(a.name for a in ADAPTERS)
        raise FormatError(f"unknown format {fmt!r}: the formats are {names}")
    if not head.strip():
        raise _EmptyFile(f"{display(path)}: empty file")
    for adapter in ADAPTERS:
        try:
            if adapter.sniff(path, head):
                return adapter
        except Exception:  # noqa: BLE001 - a sniffer that trips over odd bytes just says no
            continue
    if is_parquet(head):
        raise FormatError(
            f"{display(path)}: not in any known format: a Parquet file that {_parquet_problem(path)}; "
            f"the Parquet files read are {_parquet_formats()}"
        )
    compression = compression_of(head)
    if compression is not None:
        raise _Compressed(
            path, f"compressed with {compression}, which is not read (gzip is): decompress it first"
        )
    if (why := not_a_log(path)) is not None:
        raise _Compressed(path, why)
    tried = "; ".join(f"{a.name} ({a.description})" for a in ADAPTERS)
    raise FormatError(
        f"{display(path)}: not in any known format. Tried: {tried}. "
        "Name one with format=… if the file is in one of them."
    )


def _parquet_formats() -> str:
    return "; ".join(f"{a.name} ({a.description})" for a in ADAPTERS if a.reads_parquet)


def _parquet_problem(path: Path) -> str:
    """Why a Parquet file matched no format: unreadable (truncated, corrupt footer), or other columns."""
    try:
        names = column_names(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow's errors (ArrowInvalid, OSError) name the damage
        return f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
    shown = ", ".join(repr(n) for n in names[:12]) + _more(names, 12, ", ")
    return f"has no span columns (its columns are {shown or 'none'})"


class _Compressed(FormatError):
    """A file compressed other than with gzip, or a DuckDB database: named for what it is (also when skipped
    in a folder)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{display(path)}: {why}")
        self.why = why


class _EmptyFile(FormatError):
    """A file with nothing in it (or only whitespace): skipped, there is nothing to read."""


def _is_records(source: Any) -> bool:
    return not isinstance(source, (str, bytes, os.PathLike)) and not (
        isinstance(source, (list, tuple))
        and source
        and all(isinstance(s, (str, bytes, os.PathLike)) for s in source)
    )


def _plan(source: Any, fmt: str | None) -> tuple[list[tuple[Path, Adapter]], list[tuple[str, str]]]:
    """The files to read with their adapters, and what was skipped (with why)."""
    files, skipped = expand_paths(source)
    jobs: list[tuple[Path, Adapter]] = []
    named_unknown: list[FormatError] = []
    for path, named in files:
        try:
            jobs.append((path, choose_adapter(path, fmt)))
        except _Unreadable as exc:
            jobs.append((path, _BrokenFile(str(exc))))
        except _EmptyFile:
            skipped.append((display(path), "empty file"))
        except FormatError as exc:
            # A file found in a folder or by a glob that is in no known format (a README) is skipped; so is
            # one named among other files (a list of exports holding one of something else loses only that
            # file, named with why in report.skipped); one named on its own, or read with a format the
            # caller forced, must be readable.
            if fmt is not None or (named and len(files) == 1):
                raise
            if named:
                skipped.append((display(path), _why_named_skipped(path, exc, len(files), not named_unknown)))
                named_unknown.append(exc)
            else:
                skipped.append(
                    (display(path), exc.why if isinstance(exc, _Compressed) else "not in any known format")
                )
            del exc
        except IngestError:
            if named:
                raise
            skipped.append((display(path), "cannot read"))
    if named_unknown and not jobs:
        # Nothing of the call could be read: the first named file's error says what each format is.
        raise named_unknown[0]
    return jobs, skipped


def _why_named_skipped(path: Path, exc: FormatError, n_files: int, first: bool = True) -> str:
    """Why a file named among others was skipped: its format error without the path, shortened to the
    names of the formats tried. Said in whole for the ``first`` such file only: five attribute maps beside
    a folder of exports (a shell glob) printed the formats tried and "the others were read" five times over,
    one 2,000-character line (walk48)."""
    text = str(exc)
    prefix = f"{display(path)}: "
    text = text[len(prefix) :] if text.startswith(prefix) else text
    if text.startswith("not in any known format. Tried"):
        if not first:
            return "not in any known format (as above)"
        text = (
            f"not in any known format (tried {', '.join(a.name for a in ADAPTERS)}; "
            "format=NAME reads it as one)"
        )
    return f"{text} (named among {n_files:,} files: the others were read)" if first else text


def run_ingest(
    con: duckdb.DuckDBPyConnection,
    source: Any,
    fmt: str | None = None,
    progress: bool | None = None,
    stage_fill: Any = None,
    memory_budget: str | None = None,
) -> IngestReport:
    """Ingest ``source`` into the store on ``con`` in one transaction (see ``Workspace.ingest``).

    ``memory_budget``: DuckDB's memory limit for this call's staging (the limit it found set back after it);
    the merge then runs within ``MERGE_MEMORY``, and should it run out, alone again within
    ``MERGE_RETRY_MEMORY``.
    """
    if fmt is not None and not any(a.name == fmt for a in ADAPTERS):
        # (a bad argument, said before anything is read: it was a FormatError, a file's, which
        # `except InvalidParameterError` / `except ValueError` missed)
        raise InvalidParameterError(
            f"format: unknown format {fmt!r}: the formats are {', '.join(a.name for a in ADAPTERS)}"
        )
    # (on a cursor of its own: its temporary tables, macros and variables never meet the user's on con, and
    # go when it closes)
    found: list[str] = []
    try:
        with own_connection(con, "the ingest") as own:
            if memory_budget is None:
                return _run_ingest(own, source, fmt, progress, stage_fill, None)[0]
            found.append(memory_limit_shown(own))  # (one a user SET on ws.con is theirs: RESET lost it)
            own.execute("SET memory_limit = ?", [memory_budget])
            report, merged_within = _run_ingest(own, source, fmt, progress, stage_fill, MERGE_RETRY_MEMORY)
        checkpoint_within(con, merged_within, report.added)  # (its temporary tables freed: _checkpoint.py)
        return report
    finally:
        # (once the cursor is closed, its temporary tables freed: a lower limit of the user's is not set back
        # while they still hold memory)
        if found:
            try:
                restore_memory_limit(con, found[0])
            except duckdb.Error:
                pass  # a connection closed under us has no setting left to reset


def _export_folder(source: Any) -> Path | None:
    """The Parquet export (``Workspace.export``) ``source`` names, if it names one (alone)."""
    from ..store._connection import is_parquet_export

    paths = (
        [source]
        if isinstance(source, (str, os.PathLike))
        else list(source)
        if isinstance(source, (list, tuple)) and all(isinstance(s, (str, os.PathLike)) for s in source)
        else []
    )
    exports = [Path(os.fspath(p)) for p in paths if is_parquet_export(Path(os.fspath(p)))]
    if exports and len(paths) > 1:
        raise IngestError(
            f"{display(exports[0])} is a workspace's Parquet export: ingest it in a call of its own "
            "(it is merged as a store, not read as logs)"
        )
    return exports[0] if exports else None


def _ingest_export(con: duckdb.DuckDBPyConnection, folder: Path, fmt: str | None) -> IngestReport:
    """A store's Parquet export merged into this store (store/_export_merge.py), reported as an ingest:
    its steps are the records read (each stored, or quarantined when the store holds that step otherwise),
    and its quarantine is carried over, read and quarantined again."""
    from ..store._export_merge import merge_export

    if fmt is not None:
        raise IngestError(
            f"{display(folder)} is a workspace's Parquet export, read as one: leave out format= (got {fmt!r})"
        )
    try:
        c = merge_export(con, folder)
    except StoreError as exc:  # (written by a newer workbench: its tables may mean other things)
        raise IngestError(f"{exc}; nothing was stored") from exc
    except duckdb.Error as exc:  # (a damaged Parquet file, a column of another type): rolled back
        raise IngestError(
            f"{display(folder)}: the export could not be merged, nothing was stored: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    # (a rejected row of another table, a label or an edge the store cannot hold, is a record read too)
    read = c["steps_read"] + c["quarantine_read"] + c["run_rejects"] + c["row_rejects"]
    quarantined = c["quarantine_read"] + c["run_rejects"] + c["step_rejects"] + c["row_rejects"]
    return IngestReport(
        read=read,
        stored=read - quarantined,
        quarantined=quarantined,
        errors=[e for (e,) in c["errors"]],
        added=c["steps_added"],
        files=[f"{display(folder)} (export)"],
        runs=c["runs_touched"],
        labels=c["labels"],
        notes=c["notes"],
        unknown_label_runs=c["unknown_label_runs"],
    )


def _run_ingest(
    con: duckdb.DuckDBPyConnection,
    source: Any,
    fmt: str | None,
    progress: bool | None,
    stage_fill: Any,
    retry_memory: str | None,
) -> tuple[IngestReport, str]:
    """The call's report, and the memory limit its merge was given (the store's checkpoint after holds no more)."""
    export = _export_folder(source) if stage_fill is None and not _is_records(source) else None
    if export is not None:
        return _ingest_export(con, export, fmt), MERGE_MEMORY
    jobs: list[tuple[Path | None, Adapter | RecordsAdapter]] = []
    skipped: list[tuple[str, str]] = []
    if stage_fill is not None:
        jobs = []
    elif _is_records(source):
        jobs = [(None, RECORD_ADAPTERS[0])]
        source = _spooled(source)
    else:
        planned, skipped = _plan(source, fmt)
        jobs = list(planned)
    total_bytes = sum(p.stat().st_size for p, _ in jobs if p is not None)
    merge_memory = MERGE_MEMORY
    if retry_memory is not None and jobs and all(p is not None and a.name == "otlp" for p, a in jobs):
        # (a call within the ingest budget)
        merge_memory = (
            OTLP_SMALL_MERGE_MEMORY if _input_bytes(jobs) < OTLP_SMALL_MERGE_BYTES else OTLP_MERGE_MEMORY
        )
        con.execute("SET memory_limit = ?", [OTLP_STAGE_MEMORY])
    show = progress if progress is not None else total_bytes > _PROGRESS_BYTES
    bar = tqdm(total=total_bytes or None, unit="B", unit_scale=True, desc="ingest", disable=not show)
    stage = Stage(con)
    # (not for the workspace's few label and outcome rows: they stage no steps)
    stage_db = (
        StageDB(con)
        if _COMPRESSED_STAGE
        and stage_fill is None
        and not _native_in_memory(jobs)
        and not _input_bytes(jobs) <= SMALL_STAGE_BYTES
        and not _records_in_memory(source, jobs)
        else None
    )
    current = "<records>"
    threads = contextlib.ExitStack()
    small = _small_call(con, source, jobs, stage_fill)
    if small is not None:
        threads.enter_context(one_thread(con, small[0]))
        if small[1]:  # (the call's own cursor: the user's connection and other cursors keep theirs)
            con.execute("PRAGMA disable_optimizer")
    _timings.begin()
    try:
        # Staging fills temporary tables only (never the store), so it runs before the transaction: rows
        # appended inside one are held uncompressed until the commit (at 300k OTLP spans 449 MB against
        # 48 MB committed, measured), and a statement that fails there cannot abort the ingest.
        create_stage_tables(con)
        if stage_db is not None:
            stage_db.open()
            stage_db.take_steps()
            stage.stage_db = stage_db
        for path, adapter in jobs:
            current = display(path) if path is not None else "<records>"
            stage.source = adapter.name
            stage.file = display(path.resolve()) if path is not None else f"<{adapter.name}>"
            if path is None:
                adapter.stage_records(source, stage)  # type: ignore[union-attr]
            else:
                adapter.stage(path, stage)  # type: ignore[union-attr]
                bar.update(path.stat().st_size)
            bar.set_postfix(records=stage.read)
        stage.flush()
        if stage.node_agents or stage.node_calls:
            stage.node_named = node_agents(con, stage.node_agents, stage.node_calls)
        if stage.agent_of_previous:
            with listed_steps(con, stage.agent_of_previous):
                agents_of_previous(con)
        if stage.turn_runs:
            stage.ag2_stored_errors = tool_errors_from_executor(con, stage.turn_runs)
            usage_tokens(con, stage.turn_runs)
        facts = StageFacts(con)  # (each step below left out when the stage holds nothing for it)
        if not facts.nothing_for("haystack") and haystack_spans(
            con
        ):  # (first: the rules below read its kinds)
            stage.haystack = True
            facts.changed()
        if not facts.nothing_for("agentchat_tools") and agentchat_tool_errors(
            con, facts.answer("agentchat_tools")
        ):
            facts.changed()
        if not facts.nothing_for("mastra_steps") and mastra_inputs(con, facts.answer("mastra_steps")):
            facts.changed()
        if not facts.nothing_for("nameless"):
            stage.unnamed = keep_unnamed(
                con
            )  # (which runs the rules name: the merge keeps it, _stored_rules)
            loop_agents(con)
            facts.changed()
        if not facts.nothing_for("handoff"):
            stage.handoffs = handoff_targets(con)  # (the merge keeps which it named: _stored_rules)
            facts.changed()
        rewrites = []
        stage.same_calls_asked = not facts.nothing_for("pair", "llm_in_stored_run")
        if stage.same_calls_asked:
            rewrites += merge_same_calls(con)
            facts.changed()
        # (the rule's other half, in the merge: its tool step and the model step asking read in two calls)
        stage.tool_text = (not facts.nothing_for("tool_text"), not facts.nothing_for("llm_in_stored_run"))
        tool_args = [] if facts.nothing_for("tool_text") else restore_tool_arguments(con)
        if tool_args:
            rewrites += tool_args
            facts.changed()
        if not facts.nothing_for("mcp"):
            served, stage.mcp_served_stored = fold_served_calls(con)
            rewrites += served
            facts.changed()
        derived, found = (0, []) if facts.nothing_for("message_tools") else stage_message_tools(con)
        rewrites += found  # (a call left out is said too, with none staged)
        if derived:
            stage.read += derived  # (calls read out of the messages: records too, stored or quarantined)
            stage.derived = True
            facts.changed()
        linked = join_linked_runs(
            con, stage.root_links, facts.answer("staged"), facts.answer("created_agents")
        )
        if linked.moves or linked.roots or linked.joined:
            facts.changed()
        stage.stored_link_moves = linked if facts.nothing_for("build") else join_build_traces(con, linked)
        match_span_logs(stage, stage.stored_link_moves.joined)
        # (the runs' task; the steps' input and output are read so by the merge, register_unescape. No fact after
        # this reads the task)
        if not facts.nothing_for("escapes"):
            unescape_staged_tasks(con)
        # (before the merge's transaction, which may write to the store only, and before the last
        # checkpoint, which then compresses the rows it rewrites)
        notes = [*scale_integer_units(con, stage.time_units, facts.answer("small_times")), *rewrites]
        if stage_db is not None:
            stage_db.appended(0, force=True)  # (the merge reads every staged row compressed)
        _timings.mark("staged")
        current = "<merge>"
        if retry_memory is not None:  # (a call within the ingest budget)
            con.execute("SET memory_limit = ?", [merge_memory])
        register_unescape(con)  # (finalize.sql's stage_n reads the staged input and output through it)
        try:
            report = _merge(con, stage, stage_fill, jobs, skipped, notes, facts.answer("links"))
        except duckdb.OutOfMemoryException as exc:
            # The staged rows are kept (they live outside the rolled-back transaction): only the merge
            # runs again, with more memory, rather than the whole ingest. Said, not silent: the second try
            # costs the call its memory bound (5M spans: 359 -> 1,107 MB, 20-30 CPU s more, perf43's notes).
            if retry_memory is None:
                raise
            why = _retry_note(merge_memory, retry_memory, exc)
            _log.warning("%s", why)
            con.execute("SET memory_limit = ?", [retry_memory])
            report = _merge(con, stage, stage_fill, jobs, skipped, [*notes, why], facts.answer("links"))
        _timings.mark("committed")
    except WorkbenchError:
        raise
    except Exception as exc:
        raise IngestError(
            f"ingest failed while reading {current}: {type(exc).__name__}: {exc}; nothing was stored"
        ) from exc
    finally:
        bar.close()
        # The temporary tables, views, macros and variables are the cursor's (run_ingest): they go when it
        # closes, freed at once (measured: a 187 MB temporary table, 0 MB after the close). Dropped one by one
        # here they cost a small call 42 of its 170 statements and ~15 ms CPU. The stage database is the DuckDB
        # instance's: detached here.
        if stage_db is not None:
            try:
                stage_db.close()
            except duckdb.Error:
                pass  # a connection closed under us has no database left to detach
        threads.close()
    return report, merge_memory


def _small_call(
    con: duckdb.DuckDBPyConnection, source: Any, jobs: list, stage_fill: Any
) -> tuple[int, bool] | None:
    """When the call is small enough to run on one DuckDB thread (SMALL_CALL_BYTES), the threads DuckDB is set to
    (read with the store's count: one statement) and whether it is tiny (TINY_CALL_BYTES); else None."""
    if not (stage_fill is not None or _few_records(source, jobs) or _input_bytes(jobs) <= SMALL_CALL_BYTES):
        return None
    steps, threads = con.execute("SELECT count(*), current_setting('threads') FROM steps").fetchall()[0]
    if int(steps) >= SMALL_STORE_STEPS:
        return None
    tiny = int(steps) < TINY_STORE_STEPS and (
        stage_fill is not None
        or (_few_records(source, jobs) and len(source) <= TINY_RECORDS)
        or _input_bytes(jobs) <= TINY_CALL_BYTES
    )
    return int(threads), tiny


def _retry_note(merge_memory: str, retry_memory: str, exc: duckdb.OutOfMemoryException) -> str:
    """What the report and the log say of a merge that ran out of memory and ran again with more."""
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"the merge ran out of its memory limit ({merge_memory}) and ran again alone within {retry_memory}, "
        f"past the call's memory bound (DuckDB said: {said})"
    )


def _native_in_memory(jobs: list[tuple[Path | None, Any]]) -> bool:
    """Whether the call reads native JSONL files only, small enough to stage in memory (NATIVE_TEMP_STAGE_BYTES).

    Not when a file's head sends it to the block path (long log-probabilities): that path stages block by
    block, and kept in memory its steps raised the peak (100k steps with OpenAI-shaped log-probabilities,
    420 MB: 467 -> 511 MB, 17.0 -> 15.8 CPU s, load 12-15).
    """
    from ._native_file import _head_hands_back

    if not jobs or any(path is None or adapter.name != "native" for path, adapter in jobs):
        return False
    if any(_head_hands_back(path) for path, _ in jobs):
        return False
    return _input_bytes(jobs) <= NATIVE_TEMP_STAGE_BYTES


def _few_records(source: Any, jobs: list[tuple[Path | None, Any]]) -> bool:
    """Whether the call reads records given in memory, a list or tuple of at most SMALL_STAGE_RECORDS dicts."""
    return (
        jobs == [(None, RECORD_ADAPTERS[0])]
        and isinstance(source, (list, tuple))
        and len(source) <= SMALL_STAGE_RECORDS
        and all(isinstance(r, dict) for r in source)
    )


def _spooled(source: Any) -> Any:
    """Records given in memory as :func:`._records_spool.spool` gives them: a list of a few, or many written to a
    file of the call's own, whose size the staging decisions below read. (A failure of the caller's iterable
    named as one while staging them was.)"""
    try:
        return spool(source)
    except WorkbenchError:
        raise
    except Exception as exc:
        raise IngestError(
            f"ingest failed while reading <records>: {type(exc).__name__}: {exc}; nothing was stored"
        ) from exc


def _records_in_memory(source: Any, jobs: list[tuple[Path | None, Any]]) -> bool:
    """Whether the call reads records given in memory that stage in temporary tables, as a native file under
    NATIVE_TEMP_STAGE_BYTES does: a few (a list), or so many written to a file no larger (the compressed stage
    database cost 1,400 simulated runs 0.7 of their 2.7 CPU s, load ~20)."""
    return jobs == [(None, RECORD_ADAPTERS[0])] and (
        isinstance(source, list) or (isinstance(source, Spooled) and source.bytes <= NATIVE_TEMP_STAGE_BYTES)
    )


def _input_bytes(jobs: list[tuple[Path | None, Any]]) -> float:
    """The bytes the call's files hold, a compressed file (gzip, another compression, Parquet) counted as
    ``_GZIP_RATIO`` times its size; infinite when a job is records in memory (of a size not known) or a file
    cannot be read."""
    if not jobs:
        return math.inf
    size = 0
    for path, _ in jobs:
        if path is None:
            return math.inf
        try:
            with path.open("rb") as fh:
                head = fh.read(8)
            packed = head.startswith((b"\x1f\x8b", b"PAR1")) or compression_of(head) is not None
            size += path.stat().st_size * (_GZIP_RATIO if packed else 1)
        except OSError:
            return math.inf
    return size


def _merge(
    con: duckdb.DuckDBPyConnection,
    stage: Stage,
    stage_fill: Any,
    jobs: list,
    skipped: list,
    notes: list[str],
    links: bool | None = None,
) -> IngestReport:
    """Merge the staged rows into the store in one transaction (finalize, quarantine, runs); the report. ``links``:
    whether a staged step carries span links, when known (``_stage_facts``)."""
    with transaction(con, "the ingest", own=True):  # (run_ingest's own cursor)
        if stage.same_calls_asked:  # (else merge_same_calls made none of the tables this reads)
            fold_stored_same_calls(con)  # (a model call's two spans split over two calls: _same_call)
        fold_stored_served_calls(con, stage.mcp_served_stored)  # (an MCP server's span stored earlier)
        move_stored_runs(con, stage.stored_link_moves)  # (stored runs continuing a trace staged now: _links)
        keep_linked_roots(con, links)  # (where a later call finds the roots that may continue its traces)
        if stage.stored_link_moves is not None and stage.stored_link_moves.moves:
            # (a moved run's steps may have no run row until refresh_runs.sql: finalize.sql's old_runs and
            # _HOLDS' stored then take every staged run for one the store held)
            con.execute("SET VARIABLE wb_moved = true")
        # (a trace split over calls: steps an earlier call stored before the step they act for came)
        stored_agents_of_previous(con, stage.turn_runs)
        if stage.haystack:  # (an Agent's run stored before the tool call above it: _haystack_spans)
            stored_haystack_runs(con)
        fix_stored_errors(con, stage.ag2_stored_errors)
        empty_stored_usage(con, stage.turn_runs)  # (usage records stored before their run's model calls came)
        if stage_fill is not None:  # (the workspace's few label and outcome rows, in the transaction)
            stage_fill(stage)
            stage.flush()
        held = _holds(con)
        # the files in the order they were read, for "the first of two duplicates" (finalize.sql's dups
        # section, their one reader: left out with it)
        files = {display(p.resolve()): p for p, _ in jobs if p is not None}  # (as stage rows name them)
        if held["duplicate"]:
            con.execute("CREATE OR REPLACE TEMP TABLE stage_files (file VARCHAR, ord BIGINT)")
            if files:
                con.executemany(
                    "INSERT INTO stage_files VALUES (?, ?)", [[f, i] for i, f in enumerate(files)]
                )
        # Fewer steps staged than a chunk holds: one chunk of every affected run (merge_chunks would number
        # them all 0), merged without the chunks' table, variables and row ranges (6 statements).
        whole = held["steps"] < MERGE_CHUNK_STEPS
        left_out = _steps_left_out(held)
        if not whole:
            con.execute("SET VARIABLE wb_chunk_steps = ?", [MERGE_CHUNK_STEPS])
            if (
                "new_steps" not in left_out
            ):  # (new runs only: a chunk's tree reads no stored step, finalize_tree.sql)
                con.execute("SET VARIABLE wb_new_runs = true")
        kept = marks_before(
            con, held, stage
        )  # (stored steps given again: a run nothing changed of keeps its marks)
        skip = _finalize(con, held, ({"chunks"} if whole else set()) | left_out)
        chunks = (
            [(0, None, None)]
            if whole
            else con.execute(
                "SELECT chunk, min(first_rid), max(last_rid) FROM merge_chunks GROUP BY chunk ORDER BY chunk"
            ).fetchall()
        )
        for chunk, lo, hi in chunks:
            if not whole:
                con.execute("SET VARIABLE wb_chunk = ?", [chunk])
                con.execute("SET VARIABLE wb_lo = ?", [lo])
                con.execute("SET VARIABLE wb_hi = ?", [hi])
            stored = walk_tree(con, ("chunk",) if whole else ("whole",), _timed)
            _sections(
                con,
                "finalize_insert",
                (skip if stored else skip | {"stored_runs"}) | {_RESOLVED_LEFT_OUT[bool(held["one_file"])]},
                frozenset() if whole else _ONE_THREAD,
            )
            _timings.mark(f"merged chunk {chunk}")
        _sections(con, "finalize_rest", {"rejects"} | {k for k in ("edges", "labels") if not held[k]})
        # (a chunked call does not count said_roots: root_said runs, see _COUNTS)
        counts = _counts(
            con, _absent(held) | (_SAID_UNCOUNTED if not whole else frozenset()), _known_counts(held)
        )
        said = bool(counts["said_roots"]) or not whole
        # Nothing rejected and no log records staged (the merge quarantines those of a quarantined span): no
        # rejects to gather, give their text, write to the quarantine or name in the report.
        logs_stored, logs_lost = 0, 0
        rejects = bool(
            counts["bad"] or counts["adapter_rejects"] or counts["run_conflicts"] or stage.span_logs_matched
        )
        if rejects:
            _sections(con, "finalize_rest", {"edges", "labels"})
            logs_stored, logs_lost = attach_span_logs(con)
            fill_raw_text(con, files)
            fill_records_raw(con, stage)  # (records in memory read through a file: _records_spool)
            for stmt in sql_statements("quarantine"):
                _timed(con, stmt)
        if not said:
            _timed(con, _EMPTY_ROOT_SAID)
        # (staging-only rules, stored side: _stored_rules)
        notes = [
            *notes,
            *stored_rules(
                con,
                held["old_runs"],
                stage.unnamed,
                *stage.tool_text,
                derived=stage.derived,
                handoffs=stage.handoffs,
                node_named=stage.node_named,
            ),
        ]
        # (marks are of stored runs only; a call of labels only drops those of runs whose row it changed)
        labels_only = not (held["steps"] or held["runs"] or held["edges"])
        # (kept: kept_marks.sql's after section drops the changed runs' marks by their fingerprints, in place of
        # detected; labelled_before/after are for a call of labels only)
        _refresh_runs(
            con,
            held,
            ({"root_said"} if not said else set())
            # (no affected run in the runs table: no row to delete before the insert)
            | ({"delete_rows"} if not held["old_runs"] else set())
            | (
                {"detected", "labelled_before", "labelled_after"}
                if not held["old_runs"] or kept
                else {"detected"}
                if labels_only
                else {"labelled_before", "labelled_after"}
            ),
        )
        if kept:  # (never labels only: they stage no step)
            drop_changed_marks(con)
        early = counts["superseded"]
        if early:
            notes = [
                *notes,
                f"{early} step(s) given again complete after a copy taken before they ended: "
                "the complete copy is kept, the other counted as its repeat",
            ]
        completed = counts["completes"]
        if completed:
            notes = [
                *notes,
                f"{completed} stored step(s) stored earlier without an end time given complete: "
                "the stored row now holds the complete copy",
            ]
        copies = counts["export_copies"]
        if copies:
            notes = [
                *notes,
                f"{copies} step(s) given again as another exporter's copy of the same span (times "
                "within 1 µs, the attributes of one copy all in the other): stored once, as the "
                "copy with more attributes",
            ]
        report = _report(
            con,
            counts,
            stage,
            rejects,
            [f"{display(p)} ({a.name})" for p, a in jobs if p is not None],
            [f"{p}: {why}" for p, why in skipped],
            notes,
            logs_stored,
            logs_lost,
        )
        if report.read != report.stored + report.quarantined:
            raise IngestError(
                f"<merge>: record counts do not reconcile (read {report.read}, stored "
                f"{report.stored}, quarantined {report.quarantined}); nothing was stored"
            )
        _timings.mark("merged")
    return report


# Empty tables standing for a section of finalize.sql left out, with the columns its statements give them.
_EMPTY = {
    # (only the tables a statement run reads: not stage_fuller, read by the dups section alone, nor stage_superseded,
    # read by the report's counts alone, nor stage_export_copies unless the stored section adds to it; not the
    # stored section's, read by finalize_insert.sql's stored section, left out with it, and by the counts: _absent
    # leaves their counts out)
    "dups": (
        "CREATE OR REPLACE TEMP TABLE stage_bad (rid BIGINT, reason VARCHAR)",
        "CREATE OR REPLACE TEMP TABLE stage_repeats (rid BIGINT)",
    ),
    "stored": (),
    "runs": (
        "CREATE OR REPLACE TEMP TABLE stage_run_conflicts (rrid BIGINT, file VARCHAR, line BIGINT, "
        "source VARCHAR, run_id VARCHAR, reason VARCHAR)",
    ),
    "compare": (),
    "ends": (),  # (no staged step ends before it starts: stage_bad stays as the dups section left it)
}
_EMPTY_ROOT_SAID = (
    "CREATE OR REPLACE TEMP TABLE root_said (run_id VARCHAR, root_id VARCHAR, failed BOOLEAN, "
    "succeeded BOOLEAN)"
)


def _finalize_skip(held: dict[str, int]) -> set[str]:
    """The sections of finalize.sql with nothing to do (their tables made empty: _EMPTY)."""
    skip = {
        s
        for s, k in (("dups", "duplicate"), ("stored", "stored_differs"), ("runs", "runs"), ("ends", "ends"))
        if not held[k]
    }
    if not (held["old_runs"] or held["runs_again"] or held["run_ends"]):
        # (run records of new runs, each given once, none ending before it starts: no conflict to find)
        skip.add("runs")
    return skip


def _finalize(con: duckdb.DuckDBPyConnection, held: dict[str, int], leave_out: set[str]) -> set[str]:
    """finalize.sql, leaving out the sections that have nothing to do (their tables made empty); the sections
    of finalize_insert.sql to leave out in turn.

    A small call (one file of a few spans) spent a quarter of its merge planning the statements that compare
    staged steps with each other and with stored ones, on no rows: most calls stage no step twice and store
    new runs. Whether there is anything to compare is counted once (``held``, :func:`_holds`); when there
    is, every statement runs as before, and the comparisons' macros (step_differs.sql, finalize.sql's
    ``compare``) are created for them only. ``leave_out``: sections the caller does without (``chunks``).
    """
    skip = _finalize_skip(held)
    if skip >= {"dups", "stored"}:
        skip.add("compare")
    else:
        for stmt in sql_statements("step_differs"):
            _timed(con, stmt)
    for section, stmts in sql_sections("finalize"):
        if section in leave_out:
            continue
        if section in skip:
            for stmt in _EMPTY[section]:
                _timed(con, stmt)
            if section == "dups" and "stored" not in skip:
                _timed(con, "CREATE OR REPLACE TEMP TABLE stage_export_copies (rid BIGINT)")
            continue
        for stmt in stmts:
            _timed(con, stmt)
    if "stored" in skip or not _one(
        con, "SELECT EXISTS (SELECT 1 FROM stage_completes) OR EXISTS (SELECT 1 FROM stage_fuller_stored)"
    ):
        return {"stored"}
    return set()


# What the stage holds for the merge's sections that may have nothing to do, in one statement (UNION ALL: the
# same as scalar subqueries, ~15x cheaper to plan). duplicate: the same hash test as finalize.sql's
# stage_dup_rows (a shared hash only makes candidates, which that section then tells apart); a distinct count,
# not GROUP BY ... HAVING: the grouped form's hash table (a count per hash) did not fit a 192MB limit at 5M
# staged steps, the distinct count's fits 96MB (5M synthetic steps, one run each: 192MB out of memory against
# 0.84 CPU s, 211 MB peak RSS; at 256MB 1.14 against 0.84). stored: a staged step's ids in the store, looked
# for in the runs the store holds a row of (finalize.sql's old_runs: through the runs' primary key, a call of new
# runs reads nothing of the steps table, which a join on it scanned whole). old_runs: whether an affected run
# may have been stored before (a superset of finalize.sql's old_runs: any staged run id the runs table holds, or a
# stored run moved in, whose row may be gone: counted apart from the runs table).
_ANY_DUPLICATE = (
    "SELECT count(*) > count(DISTINCT hash(run_id, step_id)) AS dup FROM stage_steps "
    "WHERE run_id IS NOT NULL AND step_id IS NOT NULL"
)
# Whether a staged step may differ from its stored copy (stored_differs: finalize.sql's stored section runs only
# then): a column of step_differs.sql's as it is stored, not equal as text; or a value finalize.sql's stage_n reads
# unescaped, or a stored step whose log records its without_logs takes out (both compared otherwise there). A
# step given again as it was stored (a file ingested twice) differs in nothing: the section's statements, ~45 ms
# CPU of planning a small repeated call, wrote no row.
_MAY_DIFFER = """n.parent_id IS DISTINCT FROM s.parent_id OR n.agent IS DISTINCT FROM s.agent_own
    OR n.kind IS DISTINCT FROM s.kind OR n.name IS DISTINCT FROM s.name OR n.tool IS DISTINCT FROM s.tool
    OR n.model IS DISTINCT FROM s.model OR n.start_ns // 1000 IS DISTINCT FROM epoch_us(s.started_at)
    OR n.end_ns // 1000 IS DISTINCT FROM epoch_us(s.ended_at) OR n.status IS DISTINCT FROM s.status
    OR n.error IS DISTINCT FROM s.error OR n.input IS DISTINCT FROM s.input OR n.output IS DISTINCT FROM s.output
    OR n.tokens_in IS DISTINCT FROM s.tokens_in OR n.tokens_out IS DISTINCT FROM s.tokens_out
    OR n.cost IS DISTINCT FROM s.cost OR n.confidence IS DISTINCT FROM s.confidence
    OR n.entropy IS DISTINCT FROM s.entropy OR n.attributes::VARCHAR IS DISTINCT FROM s.attributes::VARCHAR
    OR contains(n.input, '\\u') OR contains(n.output, '\\u')
    OR contains(s.attributes::VARCHAR, '"otel.log_filled"')"""
_STORED_DIFFERS = f"""
SELECT count(*) FROM (SELECT 1 FROM stage_steps n JOIN steps s ON s.run_id = n.run_id AND s.step_id = n.step_id
                      WHERE (n.run_id IN (SELECT run_id FROM runs) OR coalesce(getvariable('wb_moved'), false))
                        AND ({_MAY_DIFFER}) LIMIT 1)"""
_HOLDS = f"""
SELECT 'duplicate', dup::BIGINT FROM ({_ANY_DUPLICATE})
UNION ALL SELECT 'stored', count(*) FROM (SELECT 1 FROM stage_steps n JOIN steps s
                                          ON s.run_id = n.run_id AND s.step_id = n.step_id
                                          WHERE n.run_id IN (SELECT run_id FROM runs)
                                             OR coalesce(getvariable('wb_moved'), false) LIMIT 1)
UNION ALL SELECT 'runs', count(*) FROM stage_runs
UNION ALL SELECT 'runs_again', (count(*) > count(DISTINCT run_id))::BIGINT FROM stage_runs
UNION ALL SELECT 'run_ends', count(*) FROM (SELECT 1 FROM stage_runs WHERE end_ns < start_ns LIMIT 1)
UNION ALL SELECT 'ends', count(*) FROM (SELECT 1 FROM stage_steps WHERE end_ns < start_ns LIMIT 1)
UNION ALL SELECT 'edges', count(*) FROM stage_edges
UNION ALL SELECT 'labels', count(*) FROM stage_labels
UNION ALL SELECT 'steps', count(*) FROM stage_steps
UNION ALL SELECT 'store_steps', count(*) FROM steps
UNION ALL SELECT 'one_file', coalesce(count(file) = count(*) AND min(file) = max(file), false)::BIGINT FROM stage_steps
UNION ALL SELECT 'old_runs', count(*) + coalesce(getvariable('wb_moved'), false)::BIGINT
          FROM (SELECT 1 FROM runs WHERE run_id IN (SELECT run_id FROM stage_steps UNION ALL
                                                    SELECT run_id FROM stage_runs UNION ALL
                                                    SELECT run_id FROM stage_labels UNION ALL
                                                    SELECT run_id FROM stage_quarantine UNION ALL
                                                    SELECT unnest(getvariable('wb_log_runs'))) LIMIT 1)
"""


def _steps_left_out(held: dict[str, int]) -> set[str]:
    """The sections of finalize.sql that define affected_steps, left out: the steps of a small call into a small
    store are read by a scan (store_steps: one statement fewer); else those of a call whose runs the store cannot
    have held (no staged run id in the runs table, no stored run moved in) are the rows the call inserts (new_steps:
    no join, where store_steps' semi join took each of root_said's reads of 1M new steps through a hash table of
    every run), and a large store's others are read through the runs it held (old_steps)."""
    if held["store_steps"] + held["steps"] < SMALL_STORE_STEPS or (
        held["old_runs"] and held["store_steps"] < SMALL_STORE_STEPS
    ):
        return {"steps_before", "new_steps", "old_steps"}
    return {"new_steps" if held["old_runs"] else "old_steps", "store_steps"}


def _holds(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many staged rows each of the merge's skippable sections has to do with (``_HOLDS``; stored_differs
    asked only of a call giving stored steps again: on others it is 0, and its plan ~1.5 ms)."""
    held = {name: int(n) for name, n in con.execute(_HOLDS).fetchall()}
    held["stored_differs"] = _one(con, _STORED_DIFFERS) if held["stored"] else 0
    return held


# The section of finalize_insert.sql that numbers the new steps left out, by whether every staged step names the
# same file (_HOLDS' one_file): then the file, a sort key that orders nothing, is left out of the numbering's order.
_RESOLVED_LEFT_OUT = {True: "resolved", False: "resolved_one_file"}

# The sections of finalize_insert.sql a chunked merge runs on one thread: its INSERTs into steps and edges. On two
# threads each chunk's INSERT left part-filled row groups (each thread's last), which the store's checkpoint merged
# with their neighbours, rewriting them (DuckDB's vacuum): the checkpoint's CPU after 1M generated OTLP spans
# 0.04-0.67 s as the part-filled groups happened to fit together, 2.87 after 5M; on one thread the call's appends
# fill each row group before the next, across the chunks, and the checkpoint has none to merge (0.04 s at 1M), for
# no more CPU in the INSERTs (0.87 against 0.96 s a chunk of 500k steps). Left to a later checkpoint instead
# (max_vacuum_tasks = 0), the merge was only put off: the next change to the table paid it.
_ONE_THREAD = frozenset({"steps", "edges"})


def _sections(
    con: duckdb.DuckDBPyConnection, name: str, skip: set[str], serial: frozenset[str] = frozenset()
) -> None:
    for section, stmts in sql_sections(name):
        if section not in skip:
            with one_thread(con) if section in serial else contextlib.nullcontext():
                for stmt in stmts:
                    _timed(con, stmt)


# refresh_runs.sql's sections that store/_new_runs.py makes one INSERT of
_NEW_RUNS_SECTIONS = ("runs", "declared", "labelled", "rows")


def _refresh_runs(con: duckdb.DuckDBPyConnection, held: dict[str, int], skip: set[str]) -> None:
    """refresh_runs.sql without the sections in ``skip``; its run records' section in the plain form of
    run_declared_once.sql when no run id is given twice in the call (the grouped form's plan, on no rows, cost a
    small call a twentieth of its merge). With no affected run in the runs table (``delete_rows`` left out), its
    tables read by the INSERT alone are that INSERT's CTEs (store/_new_runs.py: four statements fewer)."""
    one_insert = "delete_rows" in skip and not (skip & set(_NEW_RUNS_SECTIONS))
    for section, stmts in sql_sections("refresh_runs"):
        if section in skip:
            continue
        if one_insert and section in _NEW_RUNS_SECTIONS:
            if section == "rows":
                _timed(con, new_runs_insert(bool(held["runs_again"])))
            continue
        if section == "declared" and not held["runs_again"]:
            stmts = sql_statements("run_declared_once")
        for stmt in stmts:
            _timed(con, stmt)


def _timed(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
    """Run one merge statement; with WORKBENCH_INGEST_TIMINGS=1, print its wall and CPU seconds (profiling)."""
    _timings.execute(con, stmt, tag="merge")


def _one(con: duckdb.DuckDBPyConnection, query: str) -> int:
    return int(con.execute(query).fetchall()[0][0])


# The counts the report and its notes give, and said_roots: the roots of the affected runs root_said
# (refresh_runs.sql) starts from, an unset status or an OpenAI Agents SDK instrumentation's OK; with none
# it is left out. (One statement of ten scalar subqueries took a small native call 37 ms CPU against ~9 for
# the ten; as one UNION ALL they cost less than the ten apart.)
_COUNTS = {
    "superseded": "SELECT count(*) FROM stage_superseded",
    "completes": "SELECT count(*) FROM stage_completes",
    "export_copies": "SELECT count(*) FROM stage_export_copies",
    "staged": "SELECT count(*) FROM stage_n",
    "bad": "SELECT count(*) FROM stage_bad",
    "adapter_rejects": "SELECT count(*) FROM stage_quarantine",
    "run_conflicts": "SELECT count(*) FROM stage_run_conflicts",
    "added": "SELECT count(*) FROM stage_new WHERE rid NOT IN (SELECT rid FROM stage_bad)",
    "runs": "SELECT count(*) FROM affected",
    "labels": "SELECT count(*) FROM stage_labels",
    # (the steps left-joined with the roots: joined the other way, the roots' ids went down to the steps table's scan
    # as a filter and the optimizer scanned it whole rather than take affected_steps' own joins, which spare it)
    "said_roots": "SELECT count(r.run_id) FROM affected_steps s LEFT JOIN run_roots r "
    "ON r.run_id = s.run_id AND r.step_id = s.step_id WHERE s.status = 'unset' OR (s.status = 'ok' "
    "AND s.parent_id IS NULL AND contains(s.attributes, '.instrumentation.openai_agents'))",
}
# A chunked call (MERGE_CHUNK_STEPS staged or more) runs root_said without counting said_roots first. The count
# builds a hash table of every affected step the filter keeps (DuckDB builds on the steps, not on the roots, however
# the join is written: a LIMIT does not stop it), the one root_said builds again; it grew faster than the steps,
# 0.19 CPU s at 1M generated OTLP spans, 0.63 at 2M (perf48), where an OTLP trace's root is most often unset and
# root_said runs anyway. With no such root root_said makes an empty table at about the count's cost (1M native steps,
# all roots ok: count 0.01, root_said 0.03 CPU s).
_SAID_UNCOUNTED = frozenset({"said_roots"})


def _known_counts(held: dict[str, int]) -> dict[str, int]:
    """The counts _HOLDS gave already (the staged steps and labels, which the merge does not change), and none
    of the run conflicts when finalize.sql's runs section was left out: each a part of _COUNTS' statement less."""
    return {
        "staged": held["steps"],
        "labels": held["labels"],
        **({"run_conflicts": 0} if "runs" in _finalize_skip(held) else {}),
    }


def _absent(held: dict[str, int]) -> frozenset[str]:
    """The counts of tables the merge did not make, 0 (_EMPTY): superseded steps are found by the duplicates
    section only, completes by the stored section only, export copies by either."""
    return (
        frozenset({"superseded"} if not held["duplicate"] else set())
        | frozenset({"completes"} if not held["stored_differs"] else set())
        | frozenset({"export_copies"} if not (held["duplicate"] or held["stored_differs"]) else set())
    )


@functools.lru_cache(maxsize=None)
def _counts_sql(absent: frozenset[str]) -> str:
    return " UNION ALL ".join(
        f"SELECT '{name}', {query.removeprefix('SELECT ')}"
        for name, query in _COUNTS.items()
        if name not in absent
    )


def _counts(
    con: duckdb.DuckDBPyConnection, absent: frozenset[str] = frozenset(), known: dict[str, int] | None = None
) -> dict[str, int]:
    known = known or {}
    return {
        **dict.fromkeys(absent, 0),
        **known,
        **{name: int(n) for name, n in con.execute(_counts_sql(absent | frozenset(known))).fetchall()},
    }


def _report(
    con: duckdb.DuckDBPyConnection,
    counts: dict[str, int],
    stage: Stage,
    rejects: bool,
    files: list[str],
    skipped: list[str],
    notes: list[str],
    logs_stored: int = 0,
    logs_lost: int = 0,
) -> IngestReport:
    staged, bad, adapter_rejects, run_conflicts, added, runs, labels = (
        counts[k] for k in ("staged", "bad", "adapter_rejects", "run_conflicts", "added", "runs", "labels")
    )
    # (a line's several errors in the order they were found, stage_rejects' origin and ord: by file and line alone
    # their order was whichever thread came first, and a call given again could list them otherwise)
    errors = (
        [
            f"{f}:{ln}: {reason}"
            for f, ln, reason in con.execute(
                "SELECT file, line, reason FROM stage_rejects ORDER BY file, line, origin, ord LIMIT ?",
                [_MAX_ERRORS],
            ).fetchall()
        ]
        if rejects
        else []
    )
    unknown = labelled_runs_without_steps(con) if labels else []
    # A run record found to conflict only at the merge is one more record read, and quarantined.
    # (a log record is stored with its step, or quarantined when its span is: _otlp_logs)
    return IngestReport(
        read=stage.read + run_conflicts,
        stored=staged - bad + logs_stored,
        quarantined=adapter_rejects + bad + run_conflicts + logs_lost,
        errors=errors,
        added=added,
        files=files,
        runs=runs - len(unknown),
        labels=labels,
        skipped=skipped,
        notes=notes,
        unknown_label_runs=unknown,
    )


def _one_line(item: str) -> str:
    """A file name or an error as one line of the report (control characters: :func:`clean`, in ``text``)."""
    return item.replace("\r\n", " ").replace("\n", " ")
