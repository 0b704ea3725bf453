"""In-memory records as plain Python values: a pandas DataFrame read as its rows, and the values pandas and
numpy put in a record (``df.to_dict("records")``, a row of ``itertuples``) read as the Python values they stand for.

A frame is a table of records, one a row: iterated as Python iterates it, it gave its column names, each then
quarantined as a record. And a cell a frame holds no value in is NaN (or ``None``, ``NaT``, ``pd.NA``): stored as
it came, a missing ``error`` was the text ``'nan'`` (and the step's failure looked real), a missing token count or
start time quarantined the whole record. Here a missing value is an absent key, as in a record that never had the
field; a timestamp is ISO-8601 text; a numpy number the Python number it holds.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Top-level values that are already plain (the common case): returned as they are, without a closer look.
_PLAIN = frozenset({str, int, bool, dict, list, type(None)})
# pandas' missing-value markers, known by their class names so that a plain list of dicts never imports pandas
_MISSING_CLASSES = frozenset({"NAType", "NaTType"})


def loaded(module: str, name: str) -> Any:
    """``module.name`` if ``module`` is loaded and already defines it, else None (never imported here). A module
    another thread is importing is in ``sys.modules`` before its names are (``workbench investigate`` imports
    pandas in the background while it ingests): ``sys.modules["pandas"].DataFrame`` then raises."""
    return getattr(sys.modules.get(module), name, None)


def is_frame(source: Any) -> bool:
    """Whether ``source`` is a pandas DataFrame (pandas is only looked at when the caller loaded it)."""
    frame = loaded("pandas", "DataFrame")
    return frame is not None and isinstance(source, frame)


def _missing(value: Any) -> bool:
    if isinstance(value, float):  # (np.float64 is a float)
        return value != value
    if isinstance(value, Decimal):  # (a database driver's NUMERIC; a signalling NaN refuses a comparison)
        return value.is_nan()
    if value.__class__.__name__ in _MISSING_CLASSES:
        return True
    np = sys.modules.get("numpy")
    if loaded("numpy", "isnat") is not None and isinstance(
        value, (np.floating, np.datetime64, np.timedelta64)
    ):
        return bool(np.isnan(value)) if isinstance(value, np.floating) else bool(np.isnat(value))
    return False


def _python(value: Any) -> Any:
    """``value`` as a plain Python value: numpy scalars and arrays as Python numbers and lists, a
    timestamp as ISO-8601 text (to the nanosecond a pandas Timestamp holds)."""
    if isinstance(value, datetime):  # (a pandas Timestamp is one; a naive time is read as UTC)
        return value.isoformat()
    if isinstance(value, date):  # (a day: its text, read as its midnight UTC as a log's "2026-03-01" is;
        return value.isoformat()  # it was refused, "not a timestamp: datetime.date(2026, 3, 1)")
    np = sys.modules.get("numpy")
    if loaded("numpy", "ndarray") is None:
        return value
    if isinstance(value, np.datetime64):
        timestamp = loaded("pandas", "Timestamp")
        return timestamp(value).isoformat() if timestamp is not None else str(value)
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    return value


def json_value(value: Any) -> Any:
    """What the JSON writer writes for ``value`` inside a record's dict or list (its ``default``): a numpy number
    as the number it holds, an array as its list, anything else as its text. Written as text (``default=str``),
    ``{"n": np.int64(3)}`` was ``{"n": "3"}`` and an array ``"[1 2]"``: not what the same record of plain Python
    values stores, and no longer a number to a query. A time stays its text (as a list, a numpy time is a count
    of its unit)."""
    if isinstance(value, Decimal):
        # (a number, as a database driver's NUMERIC stands for one; NaN or infinite: not JSON, refused as a float's)
        if value.is_finite():
            return int(value) if value == value.to_integral_value() else float(value)
        return math.inf if value.is_infinite() else math.nan
    if value.__class__.__name__ in _MISSING_CLASSES:
        return (
            None  # (pd.NA, NaT: no value, JSON's null, as pandas' own to_json writes them; was '<NA>', 'NaT')
        )
    np = sys.modules.get("numpy")
    if loaded("numpy", "ndarray") is not None:
        if isinstance(value, np.ndarray):
            return value.astype(str).tolist() if value.dtype.kind in "mM" else value.tolist()
        if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
            return value.item()
    return str(value)


def python_values(rec: dict[str, Any], drop_none: bool = False) -> dict[str, Any]:
    """``rec`` with its missing values (NaN, NaT, ``pd.NA``; with ``drop_none`` also ``None``) left out and
    numpy and pandas values as plain Python ones; ``rec`` itself when it holds none of them.

    A float NaN is left out whatever the field: in a text field it was stored as ``'nan'``, in a count or a
    time it quarantined the record, in any other number (cost, confidence, entropy, latency) it was stored
    as not given already. Only the top level is read: a NaN inside ``attributes`` is the JSON writer's to
    refuse, as for any other record.
    """
    for value in rec.values():
        if value.__class__ not in _PLAIN or (drop_none and value is None):
            break
    else:
        return rec
    out: dict[str, Any] = {}
    for key, value in rec.items():
        if value is None:
            if not drop_none:
                out[key] = None
        elif value.__class__ in _PLAIN:
            out[key] = value
        elif not _missing(value):
            out[key] = _python(value)
    return out


def _column_names(frame: Any) -> list[str]:
    """The record keys of ``frame``'s rows: its named index levels (a ``set_index("step_id")`` keeps its
    ids), then its columns; each must be text, and appear once."""
    index_names = [n for n in frame.index.names if n is not None]
    names = [*index_names, *frame.columns]
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise TypeError(
                f"the DataFrame's column {name!r} is named by a {type(name).__name__}, not text: "
                "each column names a record field (run_id, step_id, agent, ...); rename it"
            )
        if name in seen:
            raise TypeError(
                f"the DataFrame has two columns named {name!r} (an index level or a column): "
                "a record holds one value a field; rename or drop one"
            )
        seen.add(name)
    return names


def frame_records(frame: Any) -> Iterator[dict[str, Any]]:
    """The records a pandas DataFrame holds, made as they are read: one a row, keyed by column name, a missing
    cell an absent key (see :func:`python_values`); :class:`TypeError` naming the column for a column not named
    by text, at once. (Made all at once, a million rows' dicts held ~0.7 GB beside an 83 MB frame.)"""
    names = _column_names(frame)
    has_index = any(n is not None for n in frame.index.names)
    rows = frame.itertuples(index=has_index, name=None)
    if has_index and frame.index.nlevels > 1:  # (a row's index is then one tuple of its levels)
        rows = ((*(i for i in row[0]), *row[1:]) for row in rows)
    if has_index:
        keep = [i for i, n in enumerate(frame.index.names) if n is not None]
        skip = frame.index.nlevels - len(keep)
        if skip:  # (an unnamed level beside named ones is no field)
            levels = frame.index.nlevels
            rows = (tuple(v for i, v in enumerate(row) if i >= levels or i in keep) for row in rows)
    return (python_values(dict(zip(names, row, strict=True)), drop_none=True) for row in rows)


__all__ = ["frame_records", "is_frame", "json_value", "python_values"]
