"""Records given in memory read through the native file reader: written as JSONL to a file of the call's own.

``ws.ingest(records)`` read each record in Python (:func:`.native.stage_one`): 1,400 simulated runs (85k
records) cost 10.4 CPU s, where writing them with ``wb.sim.write_jsonl`` and ingesting that file cost 1.8.
A call of at least ``SPOOL_RECORDS`` records now writes them, one compact JSON line each, to a temporary
file and stages it with the native file reader's whole-file path (:func:`._native_file.stage_native_file`),
which hands every line it cannot vouch for back to the record's own reader here. So a record is read as
before, whichever reader takes it:

* only a record of plain values is written (a dict of text keys holding ``str``, ``int``, finite ``float``,
  ``bool``, ``None``, and dicts and lists of those: :func:`_plain`), after ``python_values`` (pandas' NaN
  left out, numpy numbers as Python's), as the Python reader reads it. Anything else (not a dict, a tuple, a
  ``datetime`` or an enum nested in a value, NaN or infinity anywhere, an integer past 64 bits, text that is
  not UTF-8, a line over ``_MAX_LINE``) is kept in memory and written as ``{}``, a line the file reader never
  stages (no run id): handed back, that record itself is read in Python, at its place;
* a record is line ``n`` of the file when it is the ``n``-th record given: its errors name ``<native-records>``
  and ``n``, as before, and the quarantine keeps its text as before (``json.dumps`` of the record, not the line
  written: :func:`fill_records_raw`, for the steps the merge rejects);
* when the file reader will not take the file (too many lines handed back, say), every record is read in
  Python, from the file (a plain record's line parses back to an equal dict) or from memory.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, compress, islice
from pathlib import Path
from typing import Any

import duckdb
import orjson

from ._base import MAX_FIELD_BYTES, Stage, _raw_bytes
from ._frame_records import python_values
from ._native_file import _MAX_HANDED_BACK, stage_native_file
from ._rawtext import fill_raw_text

#: Calls of up to this many records are read in Python: the file path costs a call ~0.05-0.08 CPU s more, which
#: the records read in Python make up at about this many (simulated runs' records, alternated, load 13-14: 1,000
#: records 0.31 against 0.29 CPU s, 2,000 0.31 / 0.28, 8,000 0.91 / 0.50, 20,000 1.90 / 0.67). (The ingest's
#: SMALL_STAGE_RECORDS is this: a list of so many is a small call.)
SPOOL_RECORDS = 1_000
# A record written longer than this is read in Python (a field past the limit is its to quarantine; a line past
# the file reader's object size would send the whole file to Python)
_MAX_LINE = MAX_FIELD_BYTES
_PLACEHOLDER = b"{}"
_BATCH = 4096
_FIRST_BATCH = 256


def _plain(value: Any) -> bool:
    """Whether ``value`` (nested no deeper than orjson wrote it) holds only plain JSON values, as orjson and the
    Python reader both read them alike."""
    c = value.__class__
    if c is str or c is int or c is bool or value is None:
        return True
    if c is float:
        return math.isfinite(value)
    if c is dict:
        return all(k.__class__ is str and _plain(v) for k, v in value.items())
    if c is list:
        return all(_plain(v) for v in value)
    return False


def _line(rec: Any) -> bytes | None:
    """``rec`` (after ``python_values``) as its line in the file, or None when it is read in Python."""
    if rec.__class__ is not dict:
        return None
    # orjson first: it refuses a structure that holds itself, which _plain would walk forever (its
    # JSONEncodeError, a TypeError: an integer past 64 bits, a surrogate, nesting past its limit)
    try:
        line = orjson.dumps(rec)
    except TypeError:
        return None
    if len(line) > _MAX_LINE or not _plain(rec) or _float_count(rec):
        return None
    return line


# Integer keys of the format (_native_sql._INT), whose float the file reader hands back (checked as written there)
_INT_KEYS = ("tokens_in", "tokens_out", "seq")


def _float_count(rec: dict) -> bool:
    """Whether an integer key of ``rec`` holds a float (a DataFrame's column of counts with a gap in it is one of
    floats): the file reader hands such a record back, and a file of them it refuses whole after reading it (a
    DataFrame's 2,576 rows: 0.69 CPU s in Python, 0.93 through the file first), so it is read in Python at once."""
    return any(rec.get(k).__class__ is float for k in _INT_KEYS)


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), dict, list})
_CONTAINERS = frozenset({dict, list})
_FLOATS = frozenset({float})


def _all_plain(batch: list[Any]) -> bool:
    """Whether every record of ``batch`` is a dict of plain values (:func:`_plain`), each already as
    ``python_values`` gives it: one look at all of them, in C, where :func:`_plain` walked each value in Python
    (0.8 CPU s for 1,400 simulated runs' records, the log-probabilities' numbers most of it).

    The values are found level by level with ``gc.get_referents`` (a dict's values, and its keys unless they
    are all ``str``; a list's items), their classes compared as a set, the containers among them kept for the
    next level, and every float summed: the sum is finite only when each of them is (a false alarm, floats whose sum
    overflows, only sends the batch to :func:`_plain`).
    """
    level = batch
    while level:
        refs = gc.get_referents(*level)
        types = list(map(type, refs))
        if not _PLAIN_TYPES.issuperset(types):
            return False
        if not math.isfinite(sum(compress(refs, map(_FLOATS.__contains__, types)), 0.0)):
            return False
        level = list(compress(refs, map(_CONTAINERS.__contains__, types)))
    return True


class Spooled:
    """Records given in memory, written to a file of the call's own (deleted with this object: the merge may
    read it, :func:`fill_records_raw`)."""

    def __init__(self) -> None:
        fd, name = tempfile.mkstemp(prefix="wb-records-", suffix=".jsonl")
        os.close(fd)
        self.path = Path(name)
        self.odd: dict[int, Any] = {}  # record number -> the record, read in Python
        self.count = 0
        self.bytes = 0
        self.file = ""  # (as the stage names it: stage_spooled)
        weakref.finalize(self, _unlink, self.path)

    def write(self, records: Iterator[Any]) -> Iterator[Any] | None:
        """Write ``records``; None, or the records (all of them, unread) when the first batch shows the file reader
        would hand back too many of them (:func:`_too_odd`): the file is then of no use."""
        with self.path.open("wb") as fh:
            # (a small first batch, the look at whether to go on: cheap when the file is of no use)
            first = list(islice(records, _FIRST_BATCH))
            self.bytes += fh.write(self._lines(first))
            if _too_odd(len(self.odd), self.count):
                return chain(first, records)
            while batch := list(islice(records, _BATCH)):
                self.bytes += fh.write(self._lines(batch))
        return None

    def _lines(self, batch: list[Any]) -> bytes:
        """The lines of ``batch``, the records numbered from ``self.count`` on (``odd`` told of those read in
        Python)."""
        first = self.count + 1
        self.count += len(batch)
        if all(r.__class__ is dict for r in batch):
            # (orjson first: it refuses a structure that holds itself, which _all_plain would walk forever)
            try:
                lines = list(map(orjson.dumps, batch))
            except TypeError:  # (orjson.JSONEncodeError: see _line)
                lines = None
            # (each record then as python_values gives it: a dict of plain values with no NaN)
            if (
                lines is not None
                and max(map(len, lines)) <= _MAX_LINE
                and _all_plain(batch)
                and not any(map(_float_count, batch))
            ):
                return b"\n".join([*lines, b""])
        lines = []
        for n, rec in enumerate(batch, first):
            if rec.__class__ is dict:
                rec = python_values(rec)
            line = _line(rec)
            if line is None:
                self.odd[n] = rec
                line = _PLACEHOLDER
            lines.append(line)
        lines.append(b"")
        return b"\n".join(lines)

    def records(self) -> Iterator[tuple[int, Any]]:
        """(number, record) of every record, read back."""
        with self.path.open("rb") as fh:
            for n, line in enumerate(fh, 1):
                yield n, self.odd[n] if n in self.odd else orjson.loads(line)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def spool(records: Iterable[Any]) -> list[Any] | Spooled | Iterator[Any]:
    """``records`` (consumed once; an object with ``to_records()`` gives its own) as a list when there are at most
    ``SPOOL_RECORDS`` of them, else written to a file (before the ingest decides how to stage them: a file's size
    tells it), or an iterator of them all when the file would be of no use (:meth:`Spooled.write`)."""
    each = each_record(records)
    head = list(islice(each, SPOOL_RECORDS + 1))
    if len(head) <= SPOOL_RECORDS:
        return head
    spooled = Spooled()
    unread = spooled.write(chain(head, each))
    return spooled if unread is None else unread


def _too_odd(odd: int, count: int) -> bool:
    """Whether ``odd`` records of ``count`` written are too many for the file reader, which then reads the whole
    file in Python (_native_file's limit). A DataFrame's rows (each missing value NaN, a count with a gap a float)
    are mostly odd: their 2,576 rows cost 0.62-0.80 CPU s in Python, 0.83-0.99 written to the file first (load
    ~25). (Its first batch only is looked at for it: the file's are read record by record after it anyway.)"""
    return odd > _MAX_HANDED_BACK * count + 100


def each_record(records: Iterable[Any]) -> Iterator[Any]:
    """The records of ``records``, each object with ``to_records()`` giving its own."""
    for item in records:
        if hasattr(item, "to_records"):
            yield from item.to_records()
        else:
            yield item


def stage_spooled(spooled: Spooled, stage: Stage, one: Callable[[Any, int, Stage], None]) -> None:
    """Stage the records of ``spooled``, each read as ``one(record, number, stage)`` reads it when the file reader
    hands it back."""
    spooled.file = stage.file
    stage._records_spool = spooled  # type: ignore[attr-defined]  # (fill_records_raw's, in the merge)

    def slow(line: bytes, n: int, stage: Stage) -> None:
        one(spooled.odd.pop(n) if n in spooled.odd else orjson.loads(line), n, stage)

    # (many records handed back send the file to Python anyway, after reading it whole: see _native_file)
    if not _too_odd(len(spooled.odd), spooled.count) and stage_native_file(spooled.path, stage, slow):
        return
    for n, rec in spooled.records():
        one(rec, n, stage)


def fill_records_raw(con: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    """Give the steps of a records file that the merge rejected (``stage_rejects`` rows of origin 1 without a
    text) the text the Python reader keeps of a record in memory (``json.dumps`` of it), as before."""
    spool = getattr(stage, "_records_spool", None)
    if spool is not None:
        fill_raw_text(
            con,
            {spool.file: spool.path},
            source=stage.source,
            origins=(1,),
            text_of=lambda line: _raw_bytes(orjson.loads(line)),
        )


__all__ = ["SPOOL_RECORDS", "Spooled", "each_record", "fill_records_raw", "spool", "stage_spooled"]
