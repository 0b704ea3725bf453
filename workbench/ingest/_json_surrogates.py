"""JSON text's lone surrogate escapes written as U+FFFD's escape, before any reader parses it.

``"\\ud83d"`` alone is grammatical JSON (RFC 8259 lets any ``\\uXXXX`` stand) and what ``json.dumps`` (Python) and
``JSON.stringify`` (Node) write for a text cut inside a surrogate pair: a model's reply truncated to a budget, say.
Neither parser of the store takes it (orjson: "no low surrogate in string"; DuckDB's reader likewise), so one such
value cost its whole record: a whole OTLP document, three traces. Written ``\\ufffd`` (the same six bytes: every
offset and length stays as read), the value is kept with the replacement character, as the capture writes a lone
surrogate of a span it is handed (``capture._text``). A pair, and every other escape, stays as written; a
backslash escaped before a ``u`` (``\\\\ud83d``: text, no escape) too, as escapes are read left to right.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# One escape at a time, left to right: a high surrogate with its low one (a pair, kept), a high or low one alone,
# or any other escape (kept: it consumes the character after its backslash, a backslash too).
_ESCAPE = re.compile(
    rb"\\(?:u([dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|(u[dD][c-fC-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)
_LONGEST = 12  # bytes of the longest escape read here: a pair
_MAX_CARRY = 64 * 1024  # (a run of backslashes longer than this across a chunk's end is not held whole)


def _mended(match: re.Match[bytes]) -> bytes:
    if (match.group(1) is None or match.group(2) is not None) and match.group(3) is None:
        return match.group(0)  # (another escape, or a pair)
    return b"\\ufffd"


def mended(chunk: bytes) -> bytes:
    """``chunk`` with each lone surrogate escape as ``\\ufffd`` (the chunk itself when it has none)."""
    if b"\\ud" not in chunk and b"\\uD" not in chunk:
        return chunk  # (nearly every chunk: two scans in C)
    return _ESCAPE.sub(_mended, chunk)


def mended_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Each chunk :func:`mended`, an escape that runs over a chunk's end read whole (the chunk's end from
    :func:`_cut` waits for the next chunk)."""
    carry = b""
    for chunk in chunks:
        if carry:
            chunk, carry = carry + chunk, b""
        cut = _cut(chunk)
        chunk, carry = chunk[:cut], chunk[cut:]
        if chunk:
            yield mended(chunk)
    if carry:
        yield mended(carry)


_HIGH = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _cut(chunk: bytes) -> int:
    """Where ``chunk`` may end with no escape cut and no high half parted from a low one after it: before the run of
    backslashes holding the first backslash of its last ``_LONGEST`` bytes (a run starts its escapes afresh: the
    byte before it is no backslash), and before the high surrogate escapes right before that. The chunk's length
    when the rest would be more than ``_MAX_CARRY`` bytes (a run of backslashes that long is not held whole)."""
    cut = chunk.find(b"\\", max(0, len(chunk) - _LONGEST))
    if cut < 0:
        return len(chunk)
    while len(chunk) - cut <= _MAX_CARRY:
        while cut and chunk[cut - 1] == 0x5C:
            cut -= 1
        if cut < 6 or _HIGH.fullmatch(chunk, cut - 6, cut) is None:
            return cut
        cut -= 6
    return len(chunk)
