"""JSON text whose writer escaped characters JSON lets stand, written with the characters themselves.

Serializers escape more than JSON asks: .NET's ``System.Text.Json`` writes ``'``, ``+``, ``<``, ``>`` and ``&``
as ``\\u0027``, ``\\u002B`` … and every non-ASCII character as ``\\uXXXX`` by default; Python's ``json.dumps``
(``ensure_ascii``, its default) every non-ASCII one. A step's input or output that arrives as such text is kept
as text (the value it encodes is not re-serialized: its layout stays as written), and then an answer reading
``I couldn\\u0027t retrieve the report`` or ``Zürich`` written ``Z\\u00fcrich`` hides its words from every rule
that reads text. Here only those needless ``\\uXXXX`` escapes are replaced by their characters; the escapes
JSON needs (``\\"``, ``\\\\``, control characters, an unpaired surrogate) and everything else stay as written,
and the text must still decode to the same value, or it is returned unchanged.

The rule, for every adapter: a value is JSON text when it parses as JSON (orjson: standard JSON, nothing more);
a value that does not (a plain string whose writer typed ``\\u0027``, a truncated object, a JSON text with an
invalid escape) is data, kept byte for byte, and so is JSON text whose only ``\\u`` escapes are ones JSON needs.
It is applied where every reader's rows pass, whichever reader staged them (the OTLP and native SQL fast
paths, the OTLP Python reader, OpenInference, Langfuse and the others alike, and the tool calls read out of a
model's messages): the staged steps' ``input`` and ``output`` as the merge reads them (``finalize.sql``'s
``stage_n``, through :func:`register_unescape`), the staged runs' ``task`` (:func:`unescape_staged_tasks`), and
the tool texts the merge takes from OTLP log records (``_span_logs_attach``). The attributes, the error text and the
raw record are kept as written.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import orjson

from ..store._connection import sql_statements
from ._stage_checks import holds

# One escape sequence at a time, left to right, so that ``\\\\u0027`` (an escaped backslash, then "u0027")
# is read as the two-character escape it is and not as a ``\\u`` escape.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?|.)", re.DOTALL)


def _character(match: re.Match[str]) -> str:
    if match.group(1) is None:
        return match.group(0)
    code = int(match.group(1), 16)
    if 0xD800 <= code < 0xDC00 and match.group(2) is not None:  # a surrogate pair: one character
        return chr(0x10000 + ((code - 0xD800) << 10) + (int(match.group(2), 16) - 0xDC00))
    if code < 0x20 or code in (0x22, 0x5C) or 0xD800 <= code < 0xE000:
        return match.group(0)  # an escape JSON needs, or a surrogate with no pair: kept
    return chr(code) + (match.group(0)[6:] if match.group(2) is not None else "")


def unescaped_json_text(value: Any) -> Any:
    """``value`` with needless ``\\uXXXX`` escapes written as their characters, when it is JSON text.

    Anything else (not a string, not JSON, no such escape) is returned as it is.
    """
    if not isinstance(value, str) or "\\u" not in value:
        return value
    try:
        decoded = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value  # not JSON: a backslash in it is the writer's own character
    plain = _ESCAPE.sub(_character, value)
    if plain == value:
        return value
    try:
        return plain if orjson.loads(plain) == decoded else value
    except orjson.JSONDecodeError:
        return value


def _unescaped_or_kept(value: str) -> str:
    """:func:`unescaped_json_text` as the store's SQL calls it: a value it cannot read is kept, never an error
    (one odd value must not cost the ingest call)."""
    try:
        return unescaped_json_text(value)
    except Exception:  # noqa: BLE001 - the value stays as written
        return value


def register_unescape(con: duckdb.DuckDBPyConnection) -> None:
    """Make :func:`unescaped_json_text` the SQL function ``wb_unescaped_json_text(VARCHAR)`` (NULL gives NULL),
    as the merge (``finalize.sql``'s ``stage_n``) and :func:`unescape_staged_tasks` call it.

    A Python function rather than a SQL macro: the same rule written in SQL (regular expressions, a list of the
    escapes, ``chr``) cost 21.6 CPU s a million escaped values against 3.2 for this, and DuckDB's
    ``json_valid`` takes text orjson does not (a trailing comma, ``NaN``)."""
    try:
        # (a Python function is the DuckDB instance's, not the cursor's: registered once for every connection)
        con.create_function(
            "wb_unescaped_json_text", _unescaped_or_kept, ["VARCHAR"], "VARCHAR", side_effects=False
        )
    except (duckdb.CatalogException, duckdb.NotImplementedException):
        pass  # registered by an earlier call on this instance (through another cursor, or this one)


def unescape_staged_tasks(con: duckdb.DuckDBPyConnection) -> int:
    """Write the staged run tasks that are JSON text with needless escapes with their characters
    (``store/sql/json_escapes.sql``); the runs written again (0 when no staged task has a ``\\u``: then this
    asked one question, the stage fact ``escapes``)."""
    if not holds(con, "escapes"):
        return 0
    register_unescape(con)
    return sum(con.execute(stmt).fetchall()[0][0] for stmt in sql_statements("json_escapes"))
