"""A native record's nested objects that repeat a key, kept as written (both members) by the Python reader.

JSON leaves a repeated key's meaning open. DuckDB's readers (the native format's SQL paths) keep every
member of a nested object in the text they store, so ``json_extract`` reads the first; orjson keeps the
last value only. The Python reader therefore stores ``input`` / ``output`` / ``attributes`` as written
too: a record is stored alike whichever path reads it, with no check on the SQL paths (a walk of every
nested value there cost 18 % of a native ingest's CPU), and the store loses no member. (At the top level
a repeated key's last value is the field's, on every path: the SQL paths hand such a line to this reader.
Log-probabilities are numbers the reader computes with: see ``_native_sql``.)

A line can repeat a key only where it holds more key ends (a quote, any whitespace, a colon) than orjson's
writing of its record: the count finds the few lines to parse again (the stdlib's parser, keeping each
object's members). The strings of both hold as many (a quote in a string is written ``\\"``, a space or a
colon as itself) unless the line escapes one of those as ``\\u``: such a line is counted against the keys
of the record instead.
"""

from __future__ import annotations

import json
import re
from contextlib import suppress
from typing import Any

import orjson

#: The fields whose objects are stored as JSON text.
FIELDS = ("input", "output", "attributes")

# A key's end: its closing quote, any whitespace, the colon (or a string's opening quote before a colon:
# a false alarm costs one parse more, never a missed key)
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
# Whitespace after a quote ('":' does not find every key end; a raw newline ends the line), and a quote,
# space or colon written as an escape in a string (the line may then hold fewer matches in strings than
# orjson's writing)
_WS_AFTER_QUOTE = re.compile(rb'"[ \t\r]')
_ESCAPED = (b"\\u0022", b"\\u0020", b"\\u003a", b"\\u003A")
_INT64_MIN, _UINT64_END = -(2**63), 2**64


class _Members(dict):
    """An object that repeats a key: looked up as orjson reads it (the last value), written as it was."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.members = pairs

    def items(self):  # noqa: ANN201 - (json.dumps writes a dict subclass's items())
        return self.members


def _object(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    return out if len(out) == len(pairs) else _Members(pairs)


def _int(text: str) -> int | float:
    # (as orjson reads it: an integer past 64 bits is a double)
    value = int(text)
    return value if _INT64_MIN <= value < _UINT64_END else float(text)


def _keys(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_keys(v) for v in value.values() if isinstance(v, (dict, list)))
    return sum(_keys(v) for v in value if isinstance(v, (dict, list)))


def as_written(rec: dict, line: bytes) -> dict:
    """``rec`` (orjson's reading of ``line``) with its nested objects in ``FIELDS`` holding every member written.

    ``rec`` itself when no such field holds an object or array, or when the line holds no more key ends
    than ``rec`` holds keys (then no object of it repeats a key).
    """
    if not any(isinstance(rec.get(k), (dict, list)) for k in FIELDS):
        return rec
    if b"\\u00" in line and any(e in line for e in _ESCAPED):
        if len(_KEY_END.findall(line)) == _keys(rec):
            return rec
    else:
        with suppress(orjson.JSONEncodeError):
            text = orjson.dumps(rec)
            if _WS_AFTER_QUOTE.search(line) is None:
                if line.count(b'":') == text.count(b'":'):
                    return rec
            elif len(_KEY_END.findall(line)) == len(_KEY_END.findall(text)):
                return rec
    try:
        again = json.loads(line, object_pairs_hook=_object, parse_int=_int)
    except (ValueError, RecursionError):
        return rec  # (orjson read it: the stdlib reader should too; if not, orjson's reading stands)
    out = dict(rec)
    for k in FIELDS:
        if isinstance(out.get(k), (dict, list)):
            out[k] = again[k]
    return out
