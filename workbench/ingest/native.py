"""The workbench's own JSONL format: one JSON object per line, the store's columns.

Each line has a ``record`` key (``"step"`` when absent):

``{"record": "run", "run_id", "system", "task", "outcome", "outcome_detail", "attributes", "started_at", "ended_at"}``
    Run-level facts. ``outcome`` (``success`` / ``failure`` / ``unknown``) is what the system reported. The
    times are read as a step's are; the run's start is the earliest of its records' and its steps' starts, its
    end the latest of their ends (``store/sql/refresh_runs.sql`` says why), so an untimed run's steps still
    have a run time. A time that is no time, or an end before the start, quarantines the record.
``{"record": "step", "run_id", "step_id", "parent_id", "agent", "kind", "name", "tool", "model",
"started_at", "ended_at", "latency_ms", "status", "error", "input", "output", "tokens_in",
"tokens_out", "cost", "confidence", "entropy", "logprobs", "attributes"}``
    One agent move. ``run_id`` and ``step_id`` are required. Timestamps are ISO-8601 strings or
    integer nanoseconds since the epoch (epoch seconds, ms or µs are told by size: ``_time_units``). ``kind`` is one of llm / tool / agent / handoff / human /
    system, in any case (stored lower). ``status`` is ok / error / unset (unset when absent: it reported nothing). ``logprobs`` is OpenAI-style
    ``[{"token", "logprob", "top_logprobs": [...]}, ...]``: when given and ``confidence`` /
    ``entropy`` are not, they are computed from it. ``input`` / ``output`` may be text or JSON.
``{"record": "edge", "run_id", "src_step", "dst_step", "kind"}``
    ``kind`` is ``handoff`` (work passed to another agent) or ``consumes`` (dst read src's output).
``{"record": "label", "run_id", "agent", "step_id", "kind", "source", "outcome", "detail"}``
    A known culprit (fault type in ``kind``) and/or the true outcome of the run.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from ._as_written import as_written
from ._base import Adapter, RecordError, RecordsAdapter, Stage
from ._fields import _float, id_problem, kind_word
from ._frame_records import python_values
from ._jsonio import depth_error, joined_values, jsonl_lines, sql_path
from ._native_file import stage_native_file
from ._native_sql import stage_native_sql
from ._otlp_shapes import json_type
from ._time_units import number_ns, same_class
from ._values import iso_to_ns, logprob_stats

_RECORD_KEY = re.compile(rb'"record"\s*:\s*"(?:step|run|edge|label)"')

# A small file goes to the SQL path while pyarrow (the Python reader's) is not loaded: importing it for one file
# costs more than planning. But the SQL path's fixed cost is ~80 ms CPU a file (load 12-15): a folder of 250
# one-line files took 21 CPU s, 0.3-0.5 with pyarrow loaded (its import: ~0.3 CPU s once), and 100k such files
# (one process, the command line) some hours. So past this many small files in a process, it is loaded.
_SMALL_FILES_BY_SQL = 8
_small_files = itertools.count()


def _python_reader_ready() -> bool:
    """Whether the Python reader may read a small file: pyarrow loaded, or loaded now that enough small
    files were read by SQL in this process to pay for it."""
    if "pyarrow" in sys.modules:
        return True
    if next(_small_files) < _SMALL_FILES_BY_SQL:
        return False
    import pyarrow  # noqa: F401

    return True


def _record_key_at_top(text: bytes) -> bool:
    """Whether ``text``, the start of a JSON object, has a key ``record`` of a native kind at its top level
    (not inside a nested object or a string)."""
    if not text.startswith(b"{"):
        return False
    for match in _RECORD_KEY.finditer(text):
        depth, in_string, escaped = 0, False, False
        for byte in text[: match.start()]:  # (the head is 64 KB at most: read only for a cut first line)
            if in_string:
                if escaped:
                    escaped = False
                elif byte == 0x5C:  # backslash
                    escaped = True
                elif byte == 0x22:
                    in_string = False
            elif byte == 0x22:
                in_string = True
            elif byte in (0x7B, 0x5B):
                depth += 1
            elif byte in (0x7D, 0x5D):
                depth -= 1
        if depth == 1 and not in_string:
            return True
    return False


def _record_line(line: bytes, last: bool) -> bool | None:
    """Whether ``line`` of a file's head is a native record (``last``: the head's last line, which it may cut);
    None when it is no JSON (nor a record the head cuts)."""
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        # A record longer than the head (a step whose prompt is 100 KB) is cut: it is still this format when
        # the cut record names its kind at its top level (it was not recognised, and a folder ingest left the
        # file out).
        return True if last and _record_key_at_top(line) else None
    return isinstance(rec, dict) and (
        rec.get("record") in ("step", "run", "edge", "label") or ("run_id" in rec and "step_id" in rec)
    )


_STEP_PASS = (
    "parent_id",
    "agent",
    "kind",
    "name",
    "tool",
    "model",
    "latency_ms",
    "error",
    "input",
    "output",
    "tokens_in",
    "tokens_out",
    "cost",
    "confidence",
    "entropy",
    "attributes",
)


def _status(value: Any) -> str:
    # A step that gives no status reported nothing: unset, as an OTLP span with none (a run whose root step says
    # nothing has an unknown outcome, not a reported success). ``_native_sql.mapping_sql`` reads it alike.
    if value is None:
        return "unset"
    text = str(value).lower()
    return {"ok": "ok", "error": "error", "unset": "unset", "success": "ok", "failure": "error"}.get(
        text, text
    )


_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")


def _time(value: Any, stage: Stage) -> int | None:
    # A number with a fraction is read in its unit as it is parsed (see _time_units); integers are
    # nanoseconds here, scaled after staging when their whole file is in another unit.
    if isinstance(value, float):
        return number_ns(value, stage.time_units, stage.file) if math.isfinite(value) else iso_to_ns(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return number_ns(value.strip(), stage.time_units, stage.file)
    return iso_to_ns(value)


def _given_number(value: Any) -> float | None:
    """``value`` as step_row reads it, or None where it is no number (step_row names that)."""
    try:
        return _float(value, "latency_ms")
    except RecordError:
        return None


def stage_record(rec: Any, line: int, stage: Stage, raw: Any = None) -> None:
    """Stage one native record (a parsed JSON object)."""
    if not isinstance(rec, dict):
        stage.reject(line=line, reason=f"record is a JSON {json_type(rec)}, not an object", raw=raw or rec)
        return
    deep = depth_error(rec, raw if isinstance(raw, bytes) else None)
    if deep is not None:
        stage.reject(
            line=line, reason=deep, raw=raw or rec, run_id=rec.get("run_id"), step_id=rec.get("step_id")
        )
        return
    if isinstance(raw, bytes):
        rec = as_written(rec, raw)  # (a nested object repeating a key: stored as the SQL paths store it)
    kind = rec.get("record", "step")
    if kind == "step":
        try:
            start = _time(rec.get("started_at"), stage)
            end = _time(rec.get("ended_at"), stage)
        except (ValueError, OverflowError) as exc:
            stage.reject(
                line=line,
                reason=f"bad timestamp: {exc}",
                raw=raw or rec,
                run_id=rec.get("run_id"),
                step_id=rec.get("step_id"),
            )
            return
        fields = {k: rec.get(k) for k in _STEP_PASS}
        # A time below zero is a producer's bug, not a measurement: stored, the backtest took it for the fastest step
        # of all (and the guards refuse it). (Native only: other formats' latency is derived from the times, whose
        # end before the start finalize.sql quarantines in those words.)
        latency = _given_number(fields["latency_ms"])
        if latency is not None and latency < 0:
            stage.reject(
                line=line,
                reason=f"latency_ms must be 0 or more (got {latency:g})",
                raw=raw or rec,
                run_id=rec.get("run_id"),
                step_id=rec.get("step_id"),
            )
            return
        if rec.get("logprobs") is not None and (fields["confidence"] is None or fields["entropy"] is None):
            conf, ent = logprob_stats(rec["logprobs"])
            fields["confidence"] = fields["confidence"] if fields["confidence"] is not None else conf
            fields["entropy"] = fields["entropy"] if fields["entropy"] is not None else ent
        kind_value = kind_word(fields.get("kind") or "other")
        stage.step(
            line=line,
            run_id=rec.get("run_id"),
            step_id=rec.get("step_id"),
            raw=raw if raw is not None else rec,
            start_ns=start,
            end_ns=end,
            status=_status(rec.get("status")),
            is_agent=kind_value == "agent",
            order_hint=rec.get("seq", line),
            compact_json=True,
            **fields,
        )
    elif kind == "run":
        if not isinstance(rec.get("run_id"), str) or not rec["run_id"]:
            reason = (
                "run record without a run id"
                if rec.get("run_id") in (None, "")
                else f"run record: {id_problem(rec['run_id'], 'run id')}"
            )
            stage.reject(line=line, reason=reason, raw=raw or rec)
            return
        try:
            start = _time(rec.get("started_at"), stage)
            end = _time(rec.get("ended_at"), stage)
        except (ValueError, OverflowError) as exc:
            stage.reject(line=line, reason=f"bad timestamp: {exc}", raw=raw or rec, run_id=rec.get("run_id"))
            return
        # (both in one unit, which the scaling after staging multiplies alike: compared here, where the record
        # is at hand for the quarantine; a pair in two units, or with a 0, is compared after scaling, by the merge)
        if start is not None and end is not None and end < start and same_class(start, end):
            stage.reject(
                line=line,
                reason=f"run record ends before it starts (end {end} ns < start {start} ns)",
                raw=raw or rec,
                run_id=rec.get("run_id"),
            )
            return
        try:
            stage.run(
                run_id=rec["run_id"],
                line=line,
                system=rec.get("system"),
                task=rec.get("task"),
                outcome=rec.get("outcome"),
                outcome_detail=rec.get("outcome_detail"),
                attributes=rec.get("attributes"),
                start_ns=start,
                end_ns=end,
                compact_json=True,
            )
        except RecordError as exc:
            stage.reject(line=line, reason=str(exc), raw=raw or rec, run_id=rec.get("run_id"))
    elif kind in ("edge", "label"):
        try:
            if kind == "edge":
                stage.edge(
                    run_id=rec.get("run_id"),
                    src_step=rec.get("src_step"),
                    dst_step=rec.get("dst_step"),
                    kind=rec.get("kind"),
                )
            else:
                stage.label(
                    run_id=rec.get("run_id"),
                    agent=rec.get("agent"),
                    step_id=rec.get("step_id"),
                    kind=rec.get("kind"),
                    source=rec.get("source") or "ground_truth",
                    outcome=rec.get("outcome"),
                    detail=rec.get("detail"),
                )
        except RecordError as exc:
            stage.reject(line=line, reason=f"{kind} record: {exc}", raw=raw or rec, run_id=rec.get("run_id"))
    else:
        stage.reject(line=line, reason=f"unknown record type {kind!r}", raw=raw or rec)


def stage_line(line: bytes, n: int, stage: Stage) -> None:
    """Stage one JSONL line (its bytes) read in Python."""
    try:
        # (a byte-order mark opening a line mid-file, where files each written with one were concatenated:
        # DuckDB's reader hands such a line back here)
        rec = orjson.loads(line.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        values = joined_values(line) if "after document" in str(exc) else None
        for value in values or ():  # (two files' records on one line: see joined_values)
            stage_line(value, n, stage)
        if values is None:
            stage.reject(line=n, reason=f"broken JSON: {exc}", raw=line)
        return
    with stage.guard(n, line):
        stage_record(rec, n, stage, raw=line)


class NativeJsonl(Adapter):
    """The workbench's own JSONL (what the simulator writes).

    Parameters
    ----------
    fast
        Read through DuckDB's JSON functions (:mod:`._native_sql`), handing anything unusual back to
        the Python reader; False reads every line in Python; None (the default) reads files under
        ``_jsonio.SQL_MIN_BYTES`` in Python (once pyarrow is loaded), whose statements cost less than the SQL
        path's.
    """

    name = "native"
    description = "workbench JSONL: one {'record': 'step'|'run'|'edge'|'label', ...} object per line"

    def sniff(self, path: Path, head: bytes) -> bool:
        first, _, rest = head.lstrip().partition(b"\n")
        known = _record_line(first, last=not rest.strip())
        if known is not None:
            return known
        # A file cut at a byte offset (split -b, tail -c, a log rotated by size) starts with the tail of a
        # record, which ends as a record does: judged by the next line, that one line is quarantined as any
        # broken line is (it refused the whole file)
        if not rest.strip() or not first.rstrip().endswith(b"}"):
            return False
        second, _, after = rest.lstrip().partition(b"\n")
        return bool(_record_line(second, last=not after.strip()))

    def __init__(self, fast: bool | None = None) -> None:
        self.fast = fast

    def stage(self, path: Path, stage: Stage) -> None:
        # (the Python reader hands its rows to DuckDB through pyarrow, which the SQL path never imports: in a
        # process that has not loaded it, such as the command line's, importing it costs more than planning)
        if sql_path(self.fast, path) or (self.fast is None and not _python_reader_ready()):
            if not stage_native_file(path, stage, stage_line):
                stage_native_sql(path, stage)
            return
        for n, line in jsonl_lines(path, stage):
            stage_line(line, n, stage)


class NativeRecords(RecordsAdapter):
    """Native records already in memory: dicts, or objects with ``to_records()`` (simulated runs).

    A call of many records writes them as native JSONL to a file of its own and reads that with the file
    reader's whole-file path (:mod:`._records_spool`); a few, or any the file path will not take, are read
    record by record in Python here. Either way a record is read as the Python reader reads it in memory.
    """

    name = "native-records"

    def stage_records(self, records: Iterable[Any], stage: Stage) -> None:
        from ._records_spool import Spooled, each_record, stage_spooled

        if isinstance(records, Spooled):  # (written to a file by the ingest: _records_spool.spool)
            stage_spooled(records, stage, stage_one)
            return
        for n, rec in enumerate(each_record(records), 1):
            stage_one(rec, n, stage)


def stage_one(rec: Any, n: int, stage: Stage) -> None:
    """Stage record ``n`` given in memory (a dict, or anything else, which is quarantined) in Python."""
    if isinstance(rec, dict):  # (NaN for a missing value, numpy numbers: pandas' values read as Python's)
        rec = python_values(rec)
    with stage.guard(n, rec):
        stage_record(rec, n, stage)
