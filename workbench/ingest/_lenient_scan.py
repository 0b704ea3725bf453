"""Lines DuckDB's JSON reader reads but the JSON spec (and the Python reader, orjson) does not, found in the raw text.

``read_json`` (yyjson with DuckDB's flags; ``json_valid`` has the same) takes a trailing comma (``{"a": 1,}``,
``[1,]``), ``NaN`` / ``Infinity`` / ``inf`` / ``nan`` in any case, and a number past the range of a double
(``1e999``, read as infinity). In a key the format does not use nothing looks at the value, so such a line
would be stored by the whole-file read and quarantined as broken JSON by the Python reader. The whole-file
read hands the lines found here to the Python reader (:mod:`._native_file`), so both give its verdict.

The scan runs with numpy on the chunks the line count reads anyway, and only looks where a value starts
(after ``:``, ``,`` or ``[``) or at an exponent: the first character of each value, the digits of an
exponent, the characters before it. The same pattern inside a string (``"x": ", }"``) is a false alarm that
costs one hand-back, never a wrong verdict. (Python's ``re`` over the text cost 0.1 CPU s per 91 MB for the
trailing comma alone and 1.4 s for the value forms.)
"""

from __future__ import annotations

import numpy as np

# A line that crosses a chunk boundary is scanned again in a window this wide on each side of it.
_EDGE = 1024
# A number with no exponent of 3 digits is past a double's range only with more than 300 digits; a run of
# this many digits where a value starts is handed back.
_LONG_RUN = 200
_WS = (32, 9, 13)


def _any(b: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    out = b == values[0]
    for v in values[1:]:
        out |= b == v
    return out


def odd_positions(b: np.ndarray) -> np.ndarray:
    """Positions in ``b`` (the bytes of some lines, uint8) of lenient JSON a reader with yyjson's flags takes."""
    n = len(b)
    if n < 2:
        return np.zeros(0, np.int64)
    last = n - 1
    # where values start: after ':' ',' '[' and its whitespace
    start = np.flatnonzero(_any(b, (58, 44, 91)))
    after_comma = b[start] == 44
    at = np.minimum(start + 1, last)
    for _ in range(8):
        ws = _any(b[at], _WS)
        if not ws.any():
            break
        at = np.minimum(at + ws, last)
    c = b[at]
    neg = c == 45
    s = np.minimum(at + neg, last)  # (the value's first character after a minus)
    first, x1, x2, x3 = (b[np.minimum(s + k, last)] | 32 for k in range(4))  # (letters in lower case)
    word_ends = ((x3 < 97) | (x3 > 122)) & (s + 3 <= last)  # (a word cut off by the end: the window sees it)
    hit = ((after_comma & _any(c, (125, 93)))  # a trailing comma
           | ((first == 105) & (x1 == 110) & (x2 == 102) & (word_ends | (x3 == 105)))  # inf, Infinity
           | ((first == 110) & (x1 == 97) & (x2 == 110) & word_ends)  # nan, NaN
           | (_any(c, _WS) & (at < last)))  # (whitespace the loop did not get past: the Python reader's)
    # a long run of digits: a number past a double's range without an exponent
    digit = ((first - 48) < 10) & (s + _LONG_RUN <= last)  # (uint8: below '0' wraps; a digit | 32 is itself)
    if digit.any():
        where = np.flatnonzero(digit)
        long = np.ones(len(where), bool)
        for k in (_LONG_RUN - 1, 150, 100, 50):  # (a few digits far apart first: most numbers are short)
            long &= (b[np.minimum(s[where] + k, last)] - 48) < 10
        where = where[long]
        if len(where):  # (then every digit)
            run = (b[np.minimum(s[where][:, None] + np.arange(_LONG_RUN), last)] - 48) < 10
            hit[where[run.all(axis=1)]] = True
    out = [at[hit]]
    # an exponent of 3 digits or more (1e999, 1E+400): a digit, e or E, an optional +, three digits
    d = (b - 48) < 10
    e = (b | 32) == 101
    p = np.flatnonzero(e[1:-1] & d[:-2] & (d[2:] | (b[2:] == 43))) + 1
    if len(p):
        q = p + 1 + (b[np.minimum(p + 1, last)] == 43)
        p = p[d[np.minimum(q, last)] & d[np.minimum(q + 1, last)] & d[np.minimum(q + 2, last)] & (q + 2 <= last)]
    if len(p):
        # a number only where a value starts: back over its digits, point, sign and whitespace to ':' ',' '['
        # (a hex id in a string, "a3e512", stops at a letter or a quote)
        r = p - 1
        for _ in range(64):
            m = (d[r] | (b[r] == 46)) & (r > 0)
            if not m.any():
                break
            r = r - m
        r = r - ((b[r] == 45) & (r > 0))
        for _ in range(8):
            m = _any(b[r], _WS) & (r > 0)
            if not m.any():
                break
            r = r - m
        out.append(p[_any(b[r], (58, 44, 91)) | d[r]])  # (d: more digits than the walk took)
    return np.concatenate(out)


class LenientScan:
    """The numbers of the lines with lenient JSON in a text read chunk by chunk (:func:`odd_positions`)."""

    def __init__(self) -> None:
        self.lines: list[np.ndarray] = []
        self._tail = b""  # the last bytes of the previous chunk

    def feed(self, chunk: bytes, b: np.ndarray, lines_before: int) -> None:
        """Scan ``chunk`` (``b``: its bytes as uint8), ``lines_before`` newlines before it."""
        pos = odd_positions(b)
        if len(pos):
            newlines = np.flatnonzero(b == 10)
            self.lines.append(lines_before + 1 + np.searchsorted(newlines, pos))
        if self._tail:
            # the line across the boundary: its two halves were each scanned without the other
            head = chunk[:_EDGE]
            window = self._tail + head
            pos = odd_positions(np.frombuffer(window, np.uint8))
            if len(pos):
                t = len(self._tail)
                before = np.array([lines_before + 1 - self._tail.count(b"\n", int(q)) if q < t
                                   else lines_before + 1 + head.count(b"\n", 0, int(q) - t) for q in pos])
                self.lines.append(before)
        self._tail = chunk[-_EDGE:]

    def found(self) -> np.ndarray:
        """The line numbers found, sorted, each once."""
        return np.unique(np.concatenate(self.lines)) if self.lines else np.zeros(0, np.int64)
