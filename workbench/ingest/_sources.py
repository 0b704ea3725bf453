"""What ``ws.ingest`` is given, checked before anything is read: paths or records, or a clear error.

``ws.ingest`` reads a path (str, bytes or ``os.PathLike``), a folder or a glob, a list of those, or records in
memory (an iterable of dicts, a pandas DataFrame). Before, anything else went through as records or as a path,
and the error, if any, named the wrong thing: ``ws.ingest(None)`` was "ingest failed while reading <records>:
TypeError: 'NoneType' object is not iterable", a single dict had each of its keys quarantined as a record, a set
or a bytearray each of its items, a pandas Series each of its values; ``ws.ingest("")`` read the current folder
(``Path("")`` is ``.``) and everything under it; bytes holding a log's text were "<the whole text>: no such file".
"""

from __future__ import annotations

import os
from typing import Any

from .._params import user_path
from ..exceptions import IngestError, InvalidParameterError
from ._driver import SMALL_STAGE_RECORDS
from ._frame_records import frame_records, is_frame, loaded

_WHAT = (
    "ws.ingest reads a path, a folder or a glob (str or os.PathLike), a list of them, or records in memory "
    "(a list or iterable of dicts, a pandas DataFrame)"
)


def _series(source: Any) -> bool:
    series = loaded("pandas", "Series")
    return series is not None and isinstance(source, series)


def _content_bytes(source: bytes) -> bool:
    """Bytes that hold a log's text rather than a path: a line break or a JSON opening, naming no file."""
    return (b"\n" in source or source.lstrip()[:1] in (b"{", b"[")) and not os.path.lexists(
        os.fsdecode(source)
    )


def ingest_source(source: Any) -> Any:
    """``source`` as ``run_ingest`` reads it (a frame as its rows, one dict as a list of it), or
    :class:`TypeError` / :class:`InvalidParameterError` naming what it is and what would be read."""
    if is_frame(source):
        records = frame_records(source)
        # (a few rows as a list, which the ingest stages in a small table of its own; more row by row)
        return list(records) if len(source) <= SMALL_STAGE_RECORDS else records
    if isinstance(source, dict):
        return [source]  # one record
    if isinstance(source, (str, os.PathLike)):
        if not os.fspath(source).strip():
            raise InvalidParameterError(
                f"ws.ingest got an empty path ({os.fspath(source)!r}): name a file, a folder "
                "or a glob ('.' for the current folder)"
            )
        return user_path(
            source, "ingest", IngestError
        )  # ('~/x.jsonl': the home folder's, as DuckDB reads it)
    if isinstance(source, bytes):
        if not source.strip():
            raise InvalidParameterError(f"ws.ingest got an empty path ({source!r})")
        if _content_bytes(source):
            raise TypeError(
                f"ws.ingest got {len(source):,} bytes of text, not a path: write them to a file and "
                f"ingest the file (or give the records as dicts). {_WHAT}"
            )
        return user_path(source, "ingest", IngestError)
    if isinstance(source, (list, tuple)) and any(
        isinstance(s, (str, bytes, os.PathLike)) and not os.fsdecode(s).strip() for s in source
    ):
        raise InvalidParameterError(
            "ws.ingest got an empty path in its list: name a file, a folder or a glob "
            "('.' for the current folder)"
        )
    if isinstance(source, (list, tuple)) and any(
        isinstance(s, (str, bytes, os.PathLike)) and os.fsdecode(s).startswith("~") for s in source
    ):
        source = [
            user_path(s, "ingest", IngestError) if isinstance(s, (str, bytes, os.PathLike)) else s
            for s in source
        ]
    if _series(source):
        raise TypeError(
            "ws.ingest got a pandas Series: give a DataFrame (one record a row) or, for one record, "
            "series.to_dict()"
        )
    if (
        source is None
        or isinstance(source, (int, float, complex, bytearray, memoryview, set, frozenset))
        or not hasattr(source, "__iter__")
    ):
        why = "a set has no order (give a list)" if isinstance(source, (set, frozenset)) else _WHAT
        raise TypeError(f"ws.ingest cannot read {source!r:.60} (a {type(source).__name__}): {why}")
    return source


__all__ = ["ingest_source"]
