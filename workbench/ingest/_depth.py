"""The nesting-depth limit of one record, and the cheap pre-check that spares most records the exact check.

:func:`deeper_than` is the exact check, on a parsed value; :func:`may_be_deep` looks at the record's
text first (in C, through ``bytes`` methods) and says "surely not" for nearly every record;
:func:`structure` is what it looks at: the brackets outside strings.
"""

from __future__ import annotations

import re
from typing import Any

#: Deepest nesting of arrays and objects within one record.
MAX_DEPTH = 100


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when arrays / objects in ``value`` nest more than ``limit`` levels (no recursion)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# The reduced text: brackets, quotes, newlines and backslashes kept; the characters an escape may end in
# besides a quote or a backslash ("/bfnrtu") kept as one marker, "x"; everything else dropped. In JSON a
# backslash is followed by what it escapes, so the reduced text keeps every escape whole, at a quarter
# of the size: escapes are resolved there, and the markers and their backslashes dropped after.
_ESCAPE_ENDS = b"/bfnrtu"
_TO_MARKER = bytes.maketrans(_ESCAPE_ENDS, b"x" * len(_ESCAPE_ENDS))
_NOT_REDUCED = bytes(b for b in range(256) if b not in b'[]{}"\n\\' + _ESCAPE_ENDS)
# An escape of the reduced text: a backslash and what it escapes (a quote, a backslash or a marker). Never
# a backslash and a newline (not JSON): a block's lines must stay apart.
_ESCAPE = re.compile(rb"\\.")
# A string of the reduced text (brackets, quotes, newlines): a string never holds a raw newline.
_STRING = re.compile(rb'"[^"\n]*"')
# Above one backslash in this many bytes of the reduced text, escapes are dropped by replace (see _structure):
# with few escapes the regex is faster (a generated block, 0.7 % backslashes: 38 against 48 ms).
_MANY_ESCAPES = 50
# Reduced a slice at a time, so that removing escapes copies a slice of a block, not the whole block.
_SLICE_BYTES = 1024 * 1024


def structure(text: bytes) -> bytes:
    """The brackets and newlines of JSON ``text`` that are outside its strings.

    Brackets inside strings are not structure, and counting them lets a crafted record hide nesting:
    ``["]", ["]", [...], "["], "["]`` is as deep as its real brackets, but with the quoted ones its
    brackets pair off two levels deep at most. The text is cut to brackets, quotes, newlines and escapes;
    the escapes are dropped, so that every quote left opens or closes a string; then each string is. A
    quote that closes no string on its line (text that is not JSON) is kept, so that such a line is
    never taken for a shallow one.
    """
    parts, pos = [], 0
    while pos < len(text):
        end = text.find(b"\n", pos + _SLICE_BYTES)  # escapes and strings never span a newline
        end = len(text) if end < 0 else end + 1
        parts.append(_structure(text[pos:end]))  # (the whole text when it is one slice: no copy)
        pos = end
    return b"".join(parts)


def _structure(text: bytes) -> bytes:
    shape = text.translate(_TO_MARKER, _NOT_REDUCED)
    escapes = shape.count(b"\\")
    if escapes * _MANY_ESCAPES > len(shape):
        # Many escapes (JSON within strings: an SDK's exported spans): escaped backslashes dropped first, left
        # to right as the escapes pair up, then escaped quotes; the backslashes left escape markers, dropped
        # with them. The same text as the regex below for JSON's escapes, in three C passes instead of a
        # match object per escape (an SDK block, 6 % backslashes: 43 against 130 ms, load 9).
        shape = shape.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, b"x\\")
    else:
        if escapes:
            shape = _ESCAPE.sub(b"", shape)
        shape = shape.translate(None, b"x")
    # A string without brackets is now two quotes side by side; so are the end of one and the start
    # of the next with no bracket between: dropping such pairs keeps every other quote's parity.
    shape = shape.replace(b'""', b"")
    return _STRING.sub(b"", shape) if b'"' in shape else shape


def may_be_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """False when ``raw`` JSON text surely nests no deeper than ``limit`` (a cheap pre-check in C).

    Text with at most ``2 * limit`` brackets passes at once; otherwise the brackets outside strings
    (:func:`structure`) have their innermost pairs peeled off (:func:`peel_brackets`): what is left
    is too deep, or not JSON, and goes to the exact check on the parsed value.
    """
    if len(raw.translate(None, _NOT_BRACKETS)) <= 2 * limit:
        return False
    return bool(peel_brackets(structure(raw), limit))


def peel_brackets(shape: bytes, levels: int) -> bytes:
    """``shape`` (brackets, perhaps newlines) with innermost ``[]`` / ``{}`` pairs peeled off, at most
    ``levels`` levels deep: a shape nested deeper than ``levels`` is never emptied.

    A pass peels ``[]`` and then ``{}``, so ``[{}]`` loses two levels in one pass: only ``levels // 2``
    passes run (a shape between ``levels // 2`` and ``levels`` deep may be left over, which only sends
    it to the exact check).
    """
    for _ in range(levels // 2):
        peeled = shape.replace(b"[]", b"").replace(b"{}", b"")
        if len(peeled) == len(shape):
            break
        shape = peeled
    return shape


def depth_error(value: Any, raw: bytes | None = None, limit: int = MAX_DEPTH) -> str | None:
    """The quarantine reason when a parsed record nests past ``limit``, else None."""
    if raw is not None and not may_be_deep(raw, limit):
        return None
    if deeper_than(value, limit):
        return f"nested deeper than {limit} levels of arrays and objects (the limit)"
    return None
