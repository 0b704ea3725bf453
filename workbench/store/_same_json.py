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
import re
from decimal import Decimal
from typing import Any

import duckdb
import orjson

FUNCTION = "wb_same_json"
_NUMBERS = (int, float, Decimal)
# 16 significant digits (a decimal point among them) is where a double may stop telling numbers apart
_LONG_DIGITS = re.compile(r"(?:\d\.?){16}")


def _exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def _load_pair(x: str, y: str) -> tuple[Any, Any]:
    # orjson reads every number with a fraction as a double, and an integer past 64 bits too: where either text
    # has a number that long, both are read exactly (a double beside a Decimal would compare its binary value)
    if _LONG_DIGITS.search(x) or _LONG_DIGITS.search(y):
        return _exact(x), _exact(y)
    try:
        return orjson.loads(x), orjson.loads(y)
    except orjson.JSONDecodeError:
        # orjson refuses what a JSON reader takes (a lone surrogate escape "\ud800")
        return _exact(x), _exact(y)


def _same(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is not tb:
        # 1 and 1.0 (bool is a subclass of int: type() keeps true apart from 1)
        return ta in _NUMBERS and tb in _NUMBERS and a == b
    if ta is dict:
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if ta is list:
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def same_json(x: str, y: str) -> bool:
    """Whether two JSON texts hold the same value (module docstring); ``False`` when either is not JSON."""
    try:
        return _same(*_load_pair(x, y))
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
