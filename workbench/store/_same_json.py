"""When two JSON texts of a step (its input, output or attributes) say the same: the merge's last test.

Two copies of one step reach the store by different paths: a native file writes its objects with sorted keys,
the same records given as Python objects keep their insertion order, another exporter writes ``1`` where the
first wrote ``1.0``. Read twice, the same log must add nothing, so "the same JSON" is the same value:

- an object is the same whatever the order of its keys (nested objects too);
- an array is the same only in the same order;
- a number is the same as another of the same value, whatever its form: ``1``, ``1.0``, ``1e0`` and ``10E-1``
  are one value (JSON has one number type), compared exactly (``9007199254740993.0`` is not
  ``9007199254740992``, though a double cannot tell them apart);
- ``true`` and ``false`` are not numbers (``true`` is not ``1``);
- a string is its characters once escapes are read (``"\\u00e9"`` is ``"é"``); no Unicode normalisation
  (a decomposed ``e`` + accent is other characters);
- an object giving a key twice means what a JSON reader makes of it: the last value.

step_differs.sql's ``same_json`` tries the cheap tests first, in SQL (the same text; DuckDB's ``json()``, which
drops spaces and reads escapes but keeps key order and number forms) and calls ``wb_same_json`` (this module)
only on the pairs they could not match, so re-ingesting the same file parses nothing in Python.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import duckdb
import orjson

FUNCTION = "wb_same_json"
_NUMBERS = (int, float, Decimal)
# Where orjson's double would not be the number written, both texts are read exactly (Decimal):
# - 16 digits or more with a fraction or an exponent: 15 significant digits is all a double always keeps apart
#   (counted with the point and any leading zeros: a few more texts than need it take the exact reader);
# - an exponent of 3 digits: past a double's range (1e400 is infinity, 1e-400 zero) or in its subnormals, where
#   it keeps fewer digits (0.000...1 with 300 zeros has 16 digits above);
# - an integer past 64 bits, which orjson reads as a double: 20 digits, or 19 with a minus sign (-2**63 - 1).
# A 19-digit integer (a nanosecond timestamp) orjson reads exactly, and so takes the fast reader. A run found
# inside a string or a word (a hex id's "123e4567") is no number: a JSON number starts after ":", ",", "[" or a
# space, or at the text's start. (One pattern saying all of this, with the start in a look-behind, took 3x the
# time of these two steps: Python's re looks fast only for a pattern that begins with a set of characters.)
_LONG_RUN = re.compile(r"\d[\d.]{15,}[eE]?|\d[eE][+-]?\d{3}")
_NUMBER_AFTER = frozenset(":,[ \t\r\n")
_DIGITS = frozenset("0123456789.")


def _needs_exact(text: str) -> bool:
    for run in _LONG_RUN.finditer(text):
        start, end = run.span()
        while start and text[start - 1] in _DIGITS:  # an exponent's match starts at the digit before its "e"
            start -= 1
        minus = text[start - 1 : start] == "-"
        if start > minus and text[start - minus - 1] not in _NUMBER_AFTER:
            continue
        digits = text[start:end]
        if not digits.isdigit() or len(digits) >= 20 or (minus and len(digits) >= 19):
            return True
    return False


# an integer a double beside it may stand for without being it: past 2**53, doubles skip integers
_EXACT_INT = 2**53


class _Inexact(Exception):
    """A double (read by orjson) met an integer past 2**53: only the exact reader can tell them apart."""


def _exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def _load_pair(x: str, y: str) -> tuple[Any, Any] | None:
    """Both texts read by orjson, or ``None`` where they need the exact reader."""
    if _needs_exact(x) or _needs_exact(y):
        return None
    try:
        return orjson.loads(x), orjson.loads(y)
    except orjson.JSONDecodeError:
        # orjson refuses what a JSON reader takes (a lone surrogate escape "\ud800")
        return None


def _same(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is not tb:
        # 1 and 1.0 (bool is a subclass of int: type() keeps true apart from 1)
        if ta not in _NUMBERS or tb not in _NUMBERS:
            return False
        if (
            float in (ta, tb)
            and int in (ta, tb)
            and abs(a if ta is int else b) > _EXACT_INT
            and math.isfinite(a if ta is float else b)
        ):
            raise _Inexact
        return a == b
    if ta is dict:
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if ta is list:
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def same_json(x: str, y: str) -> bool:
    """Whether two JSON texts hold the same value (module docstring); ``False`` when either is not JSON."""
    try:
        pair = _load_pair(x, y)
        if pair is not None:
            try:
                return _same(*pair)
            except _Inexact:
                pass
        return _same(_exact(x), _exact(y))
    except (ValueError, RecursionError):
        return False


def register_same_json(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``wb_same_json(x, y)`` callable in SQL on ``con``'s database instance: by every connection and cursor
    of it, after ``con`` closes too (DuckDB keeps a Python function in the instance's catalog).

    Called when a workspace connects, outside any transaction: a failed CREATE inside the ingest's transaction
    (the function made already) aborted it, and asking the catalog first (duckdb_functions()) cost 43 ms a call.
    """
    try:
        con.create_function(FUNCTION, same_json, ["VARCHAR", "VARCHAR"], "BOOLEAN", side_effects=False)
    except duckdb.CatalogException as exc:
        # another connection to the same file in this process shares its instance, and made it
        if "already exists" not in str(exc):
            raise
