"""``json.loads`` without its depth limit: what DuckDB's JSON reader takes, the live guard must read too.

Python's ``json`` parses arrays and objects by recursion and raises ``RecursionError`` past the interpreter's limit
(1,000 frames by default, fewer when the caller is already deep), where DuckDB's reader (yyjson, a loop) takes any
depth: a tool's output nested 20k deep (a web page handed back, untrusted) is valid JSON to the store's rules and
was a crash to the span guard reading the same value. :func:`loads` parses as ``json.loads`` does (the same
strings, numbers, constants, last of a duplicate key, the same errors for what is not JSON) and, only when that
recursion gives up, walks the text again with a stack of its own.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import math
import re
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")  # (json.decoder's WHITESPACE)
_NUMBER = json.scanner.NUMBER_RE
_WORDS = (("null", None), ("true", True), ("false", False), ("NaN", math.nan))
_WORDS += (("Infinity", math.inf), ("-Infinity", -math.inf))


def loads(text: str) -> Any:
    """``json.loads(text)``, at any depth (``ValueError`` when ``text`` is not JSON)."""
    try:
        return json.loads(text)
    except RecursionError:
        return _walk(text)


def _walk(s: str) -> Any:
    """The value of JSON text ``s`` parsed with a stack, no recursion."""
    # open containers, innermost last, each with the key its next value goes under (None in an array)
    stack: list[tuple[dict[str, Any] | list[Any], str | None]] = []
    pos = _WS.match(s, 0).end()
    while True:
        c = s[pos : pos + 1]
        if c == "{":
            pos = _WS.match(s, pos + 1).end()
            if s[pos : pos + 1] != "}":
                key, pos = _key(s, pos)
                stack.append(({}, key))
                continue
            value: Any = {}
            pos += 1
        elif c == "[":
            pos = _WS.match(s, pos + 1).end()
            if s[pos : pos + 1] != "]":
                stack.append(([], None))
                continue
            value = []
            pos += 1
        else:
            value, pos = _scalar(s, pos)
        # a value read: put it in its container; close each container that ends right after it
        while True:
            pos = _WS.match(s, pos).end()
            if not stack:
                if pos != len(s):
                    raise json.JSONDecodeError("Extra data", s, pos)
                return value
            container, key = stack[-1]
            if key is None:
                container.append(value)  # type: ignore[union-attr]
            else:
                container[key] = value  # type: ignore[call-overload]
            c = s[pos : pos + 1]
            if c == ",":
                pos = _WS.match(s, pos + 1).end()
                if key is not None:
                    key, pos = _key(s, pos)
                    stack[-1] = (container, key)
                break
            if c != ("]" if key is None else "}"):
                raise json.JSONDecodeError("Expecting ',' delimiter", s, pos)
            stack.pop()
            value = container
            pos += 1


def _key(s: str, pos: int) -> tuple[str, int]:
    """An object's key at ``pos`` and where its value starts (past the colon)."""
    if s[pos : pos + 1] != '"':
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", s, pos)
    key, pos = json.decoder.scanstring(s, pos + 1)
    pos = _WS.match(s, pos).end()
    if s[pos : pos + 1] != ":":
        raise json.JSONDecodeError("Expecting ':' delimiter", s, pos)
    return key, _WS.match(s, pos + 1).end()


def _scalar(s: str, pos: int) -> tuple[Any, int]:
    """A string, number or constant at ``pos`` and where it ends, read as ``json.loads`` reads it."""
    if s[pos : pos + 1] == '"':
        return json.decoder.scanstring(s, pos + 1)
    for word, value in _WORDS[:3]:
        if s.startswith(word, pos):
            return value, pos + len(word)
    m = _NUMBER.match(s, pos)
    if m is not None:
        whole, frac, exp = m.groups()
        number = float(whole + (frac or "") + (exp or "")) if frac or exp else int(whole)
        return number, m.end()
    for word, value in _WORDS[3:]:
        if s.startswith(word, pos):
            return value, pos + len(word)
    raise json.JSONDecodeError("Expecting value", s, pos)
