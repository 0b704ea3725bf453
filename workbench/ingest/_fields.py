"""One record's fields checked and converted for staging, and the source text kept when it is rejected.

Each check raises :class:`RecordError` with the quarantine reason (naming the field) when a value cannot
be stored: the wrong type, out of range, too big, nested too deeply, not UTF-8.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .._unprintable import text_or_placeholder
from ._frame_records import json_value
from ._jsonio import MAX_DEPTH, MAX_RAW_BYTES, deeper_than
from ._otlp_shapes import json_type
from ._stage_tables import (
    _FLOAT_FIELDS,
    _INT_FIELDS,
    _NS_MAX,
    OUTCOMES,
    STAGE_STEP_COLUMNS,
    STEP_KINDS,
    STEP_STATUSES,
)

# Largest text a single field may hold before the record is quarantined (a 10 MB attribute is a bug
# in the producer, and would make every view of the run unusable).
MAX_FIELD_BYTES = 4 * 1024 * 1024
SHORT_CHARS = MAX_FIELD_BYTES // 4  # a str of no more chars cannot exceed the field limit in UTF-8


_KIND_WORDS = frozenset(STEP_KINDS)


class RecordError(ValueError):
    """A record that cannot be stored; the message is the quarantine reason."""


def field_text(value: Any, field: str) -> str | None:
    """``value`` as the store keeps it in the text field ``field``; :class:`RecordError` with the quarantine
    reason when it cannot be kept (what the runtime guard checks a step's arguments with)."""
    return _text(value, field)


def _text(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        text = value
    elif isinstance(value, (dict, list)):
        try:
            text = json.dumps(value, ensure_ascii=False, default=json_value, allow_nan=False)
        except RecursionError:
            raise RecordError(
                f"field {field!r} is nested deeper than {MAX_DEPTH} levels (the limit)"
            ) from None
        except ValueError as exc:  # NaN or infinity (not JSON), or a circular structure handed over in memory
            raise RecordError(f"field {field!r} cannot be written as JSON: {exc}") from None
        # Nesting needs an opening bracket per level: few brackets, no walk.
        if text.count("[") + text.count("{") > MAX_DEPTH and deeper_than(value):
            raise RecordError(f"field {field!r} is nested deeper than {MAX_DEPTH} levels (the limit)")
    elif isinstance(value, (int, float, bool, Decimal)):
        text = str(value)  # (a Decimal as its own digits: '14.20', as a database driver read it)
    else:
        raise RecordError(f"field {field!r} has unsupported type {json_type(value)}")
    if (
        text is not None
        and len(text) > MAX_FIELD_BYTES // 4
        and len(text.encode("utf-8", "surrogatepass")) > MAX_FIELD_BYTES
    ):
        raise RecordError(
            f"field {field!r} is {len(text.encode('utf-8', 'surrogatepass'))} bytes (limit {MAX_FIELD_BYTES})"
        )
    if text is not None:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RecordError(f"field {field!r} is not valid UTF-8 ({exc.reason})") from None
    return text


def _attributes(value: Any) -> str | None:
    """Attributes as JSON text: a dict (or JSON text of an object); anything else is a bad record."""
    if value is None or value == {} or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise RecordError("field 'attributes' is text that is not JSON") from None
        if not isinstance(parsed, dict):
            raise RecordError(f"field 'attributes' must be a JSON object (got a JSON {json_type(parsed)})")
        return _text(value, "attributes")
    if not isinstance(value, dict):
        raise RecordError(f"field 'attributes' must be an object (got {json_type(value)})")
    return _text(value, "attributes")


def _written_plainly(text: str) -> bool:
    """Whether a number written as text may be read by Python's ``int()`` / ``float()``, which take more than a log's
    numbers are: any script's digits ('١٢' is no count, '١.٥' no cost) and Python's digit-group underscores ('1_000'
    read as 1000, '0_5' as 5.0). No exporter writes either (JSON has neither); a log that does is malformed, and the
    record is quarantined naming the field, as for 'abc'. (The native whole-file reader sends every number written
    as text here, so both native readers read it alike.)"""
    return text.isascii() and "_" not in text


def _int(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError(f"field {field!r} must be an integer (got a boolean)")
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)  # (a database driver's NUMERIC: Decimal('12'))
    elif isinstance(value, str) and _written_plainly(value):
        try:
            number = int(value)
        except ValueError:
            pass
    if number is None:
        raise RecordError(f"field {field!r} must be an integer (got {json_type(value)} {str(value)[:40]!r})")
    if not -(2**63) <= number < 2**63:
        raise RecordError(f"field {field!r} is out of range ({number})")
    return number


def _float(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError(f"field {field!r} must be a number (got a boolean)")
    number: float | None = None
    if isinstance(value, (int, float, Decimal)):
        try:
            number = float(value)
        except OverflowError:
            raise RecordError(f"field {field!r} is out of range ({str(value)[:40]})") from None
    elif isinstance(value, str) and _written_plainly(value):
        try:
            number = float(value)
        except ValueError:
            pass
    if number is None:
        raise RecordError(f"field {field!r} must be a number (got {json_type(value)} {str(value)[:40]!r})")
    if math.isinf(number):
        if isinstance(value, Decimal) and value.is_finite():  # (Decimal('1E+400'): no float holds it)
            raise RecordError(f"field {field!r} is out of range ({str(value)[:40]})")
        raise RecordError(f"field {field!r} is infinite")
    return number


def _plain_text(value: Any, field: str) -> str | None:
    """A field that must be text when given (names, ids, enums): anything else is a bad record."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"field {field!r} must be text (got a {json_type(value)})")
    return _text(value, field)


def _outcome(value: Any, field: str = "outcome") -> str | None:
    text = _plain_text(value, field)
    if text is not None and text not in OUTCOMES:
        raise RecordError(f"{field} must be success, failure or unknown (got {text[:40]!r})")
    return text


_INT64 = 2**63
_INF = float("inf")


def plain_values(tokens_in: Any, tokens_out: Any, cost: Any, confidence: Any, entropy: Any) -> bool:
    """Whether a step's numbers are plainly what the store keeps as they are (the common case): counts that
    are 64-bit integers of 0 or more, a cost of 0 or more, a confidence in [0, 1], an entropy that is a
    finite number. Anything else goes through :func:`step_row`, which converts it or names why it is quarantined."""
    return (
        (tokens_in is None or (tokens_in.__class__ is int and 0 <= tokens_in < _INT64))
        and (tokens_out is None or (tokens_out.__class__ is int and 0 <= tokens_out < _INT64))
        # (NaN and infinities take step_row's way: NaN is "not given" there, an infinity quarantined)
        and (cost is None or (cost.__class__ is float and 0.0 <= cost < _INF))
        and (confidence is None or (confidence.__class__ is float and 0.0 <= confidence <= 1.0))
        and (entropy is None or (entropy.__class__ is float and -_INF < entropy < _INF))
    )


def id_problem(value: Any, what: str) -> str:
    """Why ``value`` is no run or step id (``what``): a quarantine reason. An id given as a number (``"run_id": 5``)
    was reported "missing or empty", and its producer went looking for a field that was there."""
    if value is None or value == "":
        return f"missing or empty {what}"
    return f"{what} must be a string (got {json_type(value)} {str(value)[:40]!r}; quote it in the log)"


def kind_word(kind: Any) -> Any:
    """A step's or an edge's kind as the store keeps it: read in any case ("TOOL", "Tool" and "tool" are one
    kind, as a user writing them means), kept in lower case. Only a kind of ASCII letters is lowered (as the
    SQL readers lower it: DuckDB's lower() and Python's differ beyond ASCII, where no kind is anyway)."""
    if (
        not isinstance(kind, str) or kind in _KIND_WORDS
    ):  # (the common case, on the guard's path: nothing to do)
        return kind
    return kind.lower() if kind.isascii() and kind.isalpha() else kind


_TIME_WORDS = {"start_ns": "start time", "end_ns": "end time"}


def _as_date(ns: int) -> str:
    """``", 9999-12-31T23:59:58Z"`` for a time out of the store's range that a date can still show, else ``""``."""
    try:
        when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ns // 1000)
    except OverflowError:
        return ""
    return f", {when.replace(tzinfo=None).isoformat(timespec='seconds')}Z"


def step_row(
    file: str | None, line: int, run_id: Any, step_id: Any, fields: dict[str, Any], source: str | None = None
) -> dict[str, Any]:
    """One step's row as the store stages it, each value checked and converted; raises :class:`RecordError`
    (the quarantine reason) for a step the store does not keep. The one check of a step: the ingest stage
    applies it to every record, the live guards to the steps they hear of (a step the store quarantines
    is no step of the backtest's, so neither guard decides on it)."""
    unknown = set(fields) - set(STAGE_STEP_COLUMNS)
    if unknown:
        raise TypeError(f"unknown step fields {sorted(unknown)}")  # a bug in the adapter
    if not isinstance(run_id, str) or not run_id:
        raise RecordError(id_problem(run_id, "run id"))
    if not isinstance(step_id, str) or not step_id:
        raise RecordError(id_problem(step_id, "step id"))
    row: dict[str, Any] = {
        "file": file,
        "line": line,
        "run_id": _text(run_id, "run_id"),
        "step_id": _text(step_id, "step_id"),
    }
    for key in STAGE_STEP_COLUMNS:
        if key in row or key == "raw":
            continue
        value = fields.get(key)
        if key in _INT_FIELDS:
            # (a time past 64 bits, year 9999, is out of the store's range as any other: said so below in the
            # words of a time, not as "field 'start_ns' is out of range", a name the log never wrote)
            row[key] = value if value.__class__ is int and key in _TIME_WORDS else _int(value, key)
        elif key in _FLOAT_FIELDS:
            v = _float(value, key)
            if v is not None and v != v:  # NaN means "not given"
                v = None
            row[key] = v
        elif key == "is_agent":
            row[key] = bool(value)
        elif key == "attributes":
            row[key] = _attributes(value)
        elif key == "source":
            row[key] = value or source
        else:
            row[key] = _text(value, key)
    row["kind"] = "other" if row["kind"] is None else kind_word(row["kind"])
    if row["kind"] not in STEP_KINDS:
        raise RecordError(f"kind must be one of {', '.join(STEP_KINDS)} (got {row['kind'][:40]!r})")
    for key, what in _TIME_WORDS.items():
        ns = row[key]
        if ns is not None and not 0 <= ns < _NS_MAX:
            raise RecordError(
                f"{what} is out of range ({ns} ns since 1970{_as_date(ns)}; the range is 1970 to 2262)"
            )
    if row["status"] not in STEP_STATUSES:
        raise RecordError(f"status must be ok, error or unset (got {row['status']!r})")
    conf = row["confidence"]
    if conf is not None and not 0.0 <= conf <= 1.0:
        raise RecordError(f"confidence must be in [0, 1] (got {conf})")
    # A count or a price below zero is a producer's bug, not a measurement: stored, it would subtract from
    # a run's totals (and pass for a cheap step); quarantined like any number out of range.
    for key in ("tokens_in", "tokens_out", "cost"):
        if row[key] is not None and row[key] < 0:
            raise RecordError(f"{key} must be 0 or more (got {row[key]})")
    return row


def _describe(exc: BaseException) -> str:
    """A quarantine reason for an unexpected failure while reading one record."""
    if isinstance(exc, RecursionError):
        return f"nested too deeply to read (limit {MAX_DEPTH} levels)"
    return f"cannot read record: {type(exc).__name__}: {str(exc)[:300]}"


def _short_id(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value[:512].encode("utf-8", errors="backslashreplace").decode("utf-8")


def _raw_bytes(raw: Any) -> bytes | None:
    if raw is None:
        return None
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="backslashreplace")
    if deeper_than(raw):
        return f"<a {type(raw).__name__} nested deeper than {MAX_DEPTH} levels>".encode()
    try:
        return json.dumps(raw, ensure_ascii=False, default=text_or_placeholder).encode(
            "utf-8", errors="backslashreplace"
        )
    except (TypeError, ValueError, RecursionError):
        try:
            return repr(raw)[:MAX_RAW_BYTES].encode("utf-8", errors="backslashreplace")
        except Exception:  # (a caller's object whose __repr__ raises: its record is still quarantined)
            return f"<a {type(raw).__name__} that cannot be written out>".encode()


def _raw_record(raw: Any) -> tuple[str | None, int | None, str | None]:
    """(text kept in the quarantine, whole length in bytes, SHA-256) of a rejected record's source.

    The text is at most ``MAX_RAW_BYTES`` (cut at a character boundary); bytes that are not UTF-8
    are written as backslash escapes.
    """
    data = _raw_bytes(raw)
    if data is None:
        return None, None, None
    digest = hashlib.sha256(data).hexdigest()
    return data[:MAX_RAW_BYTES].decode("utf-8", errors="backslashreplace"), len(data), digest
