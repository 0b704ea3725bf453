"""JSON the command line writes for machines: valid for anything a log holds.

Log text is data here, never terminal output: control characters stay as JSON escapes (not the stand-ins
``_termtext.clean`` shows a person), a lone surrogate (a log's broken UTF-16, read through
``surrogateescape``) becomes U+FFFD (``\\udc80`` is legal JSON text that strict parsers refuse), a
non-finite number becomes ``null`` (``NaN`` is no JSON), and a string past ``MAX_TEXT`` characters is cut
with a marker saying how much was left out, so one megabyte-long tool output cannot make a CI log of it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, TextIO

#: Characters of one string kept; the rest is replaced by a marker naming how many were cut.
MAX_TEXT = 2000

_SURROGATE = re.compile("[\ud800-\udfff]")


def safe(value: Any, max_text: int = MAX_TEXT) -> Any:
    """``value`` (dicts, lists, tuples, strings, numbers, bools, None) made fit for strict JSON."""
    if isinstance(value, str):
        return _text(value, max_text)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_text(str(k), max_text): safe(v, max_text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe(v, max_text) for v in value]
    if hasattr(value, "item"):  # a numpy scalar from a DataFrame
        return safe(value.item(), max_text)
    return _text(str(value), max_text)


def _text(text: str, max_text: int) -> str:
    text = _SURROGATE.sub("\ufffd", text)
    if len(text) > max_text:
        cut = len(text) - max_text
        text = text[:max_text] + f"…[truncated {cut:,} characters]"
    return text


def dumps(value: Any, indent: int | None = None) -> str:
    """Strict JSON, ASCII only (any terminal encoding and any reader takes it)."""
    return json.dumps(safe(value), ensure_ascii=True, allow_nan=False, indent=indent)


def write_line(out: TextIO, value: Any) -> None:
    """One JSON document on one line of ``out``."""
    out.write(dumps(value) + "\n")
    out.flush()
