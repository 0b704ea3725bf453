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

It also finds the lines that may nest deeper than the depth limit: more than ``MAX_DEPTH`` opening brackets
(in a key the format does not use too, which no check of the typed columns sees; the Python reader
quarantines such a record whole). A line with no more opening brackets cannot nest deeper; brackets in
strings are counted too, so a false alarm again costs only a hand-back.
"""

from __future__ import annotations

import numpy as np

from ._depth import MAX_DEPTH

# A line that crosses a chunk boundary is scanned again in a window this wide on each side of it.
_EDGE = 1024
# A number with no exponent of 3 digits is past a double's range only with more than 300 digits; a run of
# this many digits is handed back (looked for at every _STRIDE-th byte first: _RUN_PROBES of them in a row)
_LONG_RUN = 200
_STRIDE, _RUN_PROBES = 32, 6
_WS = (32, 9, 13)
# A chunk is scanned in pieces of this many bytes, each as a chunk of its own (the boundaries between them handled
# as between chunks, as any chunking a gzip stream gives): the ~35 passes over a piece and its 11 masks then stay
# nearer the CPU, where a 1 MiB chunk's went out to memory and back on every pass. The line count and scan of the
# bench's 100k-step native file (87 MiB, one thread, load 23-25, least of 4 interleaved runs): 0.60 CPU s in 1 MiB
# pieces, 0.52 in 512 KiB, 0.52 in 256 KiB (median 0.55 against 0.67), 0.54 in 128 KiB.
_PIECE = 256 * 1024


def _any(b: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    out = b == values[0]
    for v in values[1:]:
        out |= b == v
    return out


class _Scratch:
    """Arrays the masks of one chunk are written into, kept from chunk to chunk.

    (A fresh 1 MiB array for each step cost more than the step: glibc hands it back to the system when freed,
    and each page is faulted in again: 2.3 against 0.2 ms for ``(b - 48) < 10``.)
    """

    def __init__(self) -> None:
        self.size = -1
        self.u8: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []

    def get(self, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        if n > self.size:
            self.size = max(n, 1 << 20)
            self.u8 = [np.empty(self.size, np.uint8) for _ in range(2)]
            self.masks = [np.empty(self.size, bool) for _ in range(9)]
        return [a[:n] for a in self.u8], [a[:n] for a in self.masks]


def odd_positions(b: np.ndarray, scratch: _Scratch | None = None) -> np.ndarray:
    """Positions in ``b`` (the bytes of some lines, uint8) of lenient JSON a reader with yyjson's flags takes.

    Each form is first looked for with a few comparisons over the whole chunk (numpy's vectorised ones,
    written into ``scratch``'s arrays), which leave the few places a clean file has (``null``, ``"a, in"``);
    only those are looked at one by one. (``np.flatnonzero`` of a dense mask, every value start, and the
    checks on each cost several times as much. A 256-entry class table, ``np.take(table, b)``, and bit tests
    instead of the comparisons gave the same candidates at 3.4 times the CPU: the look-up alone costs 1.0 ms a
    MiB, as much as ~30 of these comparisons; numpy 2.4, perf42.)
    """
    n = len(b)
    if n < 8:
        b = np.concatenate([b, np.full(8 - n, 32, np.uint8)])  # (room for the shifted views below)
    last = len(b) - 1
    (x, u), (digit, ni, first, space, value, comma, odd, t, t2) = (scratch or _Scratch()).get(len(b))
    np.bitwise_or(b, 32, out=x)  # (a letter in lower case; also '}' ']' alike, ' ' NUL, '-' CR, ')' tab)
    np.less(np.subtract(b, 48, out=u), 10, out=digit)  # (uint8: below '0' wraps round)
    prev, cur, nxt = slice(0, -2), slice(1, -1), slice(2, None)
    m = len(b) - 2
    value, comma, odd, t, t2 = value[:m], comma[:m], odd[:m], t[:m], t2[:m]
    np.equal(b[prev], 58, out=value)
    value |= np.equal(b[prev], 91, out=t)
    np.equal(b[prev], 44, out=comma)
    value |= comma  # where a value starts (and a key, after a comma)
    np.equal(x, 110, out=ni)
    ni |= np.equal(x, 105, out=first)  # n, N, i, I: nan, inf (and null)
    # a value's first character that may be lenient: a letter of those, '}' ']' (after a comma), tab, CR,
    # '-' before a letter; one space before it is looked past (json.dumps writes ': ' and ', ': without that
    # every value of such a file was looked at one by one, 3.7 times the cost)
    np.equal(x, 125, out=first)
    first |= ni
    first |= np.equal(x, 41, out=space)  # tab (and ')')
    first |= np.equal(b, 13, out=space)  # CR
    first[:-1] |= np.logical_and(np.equal(x[:-1], 45, out=space[:-1]), ni[1:], out=space[:-1])  # -inf, -nan
    np.equal(b, 32, out=space)
    np.logical_or(first[nxt], space[nxt], out=odd)  # (two spaces: looked at one by one)
    odd &= space[cur]
    odd |= first[cur]
    odd &= value
    start = np.flatnonzero(odd)  # (the ':' ',' '[' before each)
    out = []
    if len(start):
        after_comma = b[start] == 44
        at = np.minimum(start + 1, last)
        for _ in range(8):
            w = _any(b[at], _WS)
            if not w.any():
                break
            at = np.minimum(at + w, last)
        c = b[at]
        neg = c == 45
        s = np.minimum(at + neg, last)  # (the value's first character after a minus)
        first, x1, x2, x3 = (x[np.minimum(s + k, last)] for k in range(4))
        word_ends = ((x3 < 97) | (x3 > 122)) & (
            s + 3 <= last
        )  # (a word cut off by the end: the window sees it)
        hit = (
            (after_comma & _any(c, (125, 93)))  # a trailing comma
            | ((first == 105) & (x1 == 110) & (x2 == 102) & (word_ends | (x3 == 105)))  # inf, Infinity
            | ((first == 110) & (x1 == 97) & (x2 == 110) & word_ends)  # nan, NaN
            | (_any(c, _WS) & (at < last))
        )  # (whitespace the loop did not get past: the Python reader's)
        out.append(at[hit])
    # a long run of digits: a number past a double's range without an exponent
    probe = digit[::_STRIDE]
    k = max(len(probe) - _RUN_PROBES + 1, 0)
    runs = probe[:k].copy()
    for j in range(1, _RUN_PROBES):
        runs &= probe[j : j + k]
    for r in np.flatnonzero(runs).tolist():
        i = r * _STRIDE
        lo, hi = i, i + (_RUN_PROBES - 1) * _STRIDE
        while lo > 0 and digit[lo - 1]:
            lo -= 1
        while hi < last and digit[hi + 1]:
            hi += 1
        if hi - lo + 1 >= _LONG_RUN and hi < last:
            out.append(np.array([lo], np.int64))
    # an exponent of 3 digits or more (1e999, 1E+400): a digit, e or E, an optional +, three digits
    np.equal(x[cur], 101, out=t)
    t &= digit[prev]
    np.equal(b[nxt], 43, out=t2)
    t2 |= digit[nxt]
    t &= t2
    p = np.flatnonzero(t) + 1
    if len(p):
        q = p + 1 + (b[np.minimum(p + 1, last)] == 43)
        p = p[
            digit[np.minimum(q, last)]
            & digit[np.minimum(q + 1, last)]
            & digit[np.minimum(q + 2, last)]
            & (q + 2 <= last)
        ]
    if len(p):
        # a number only where a value starts: back over its digits, point, sign and whitespace to ':' ',' '['
        # (a hex id in a string, "a3e512", stops at a letter or a quote)
        r = p - 1
        for _ in range(64):
            m = (digit[r] | (b[r] == 46)) & (r > 0)
            if not m.any():
                break
            r = r - m
        r = r - ((b[r] == 45) & (r > 0))
        for _ in range(8):
            m = _any(b[r], _WS) & (r > 0)
            if not m.any():
                break
            r = r - m
        # (digit or whitespace: more than the walk took)
        out.append(p[_any(b[r], (58, 44, 91, *_WS)) | digit[r]])
    found = np.concatenate(out) if out else np.zeros(0, np.int64)
    return found[found < n]


class LenientScan:
    """The numbers of the lines with lenient JSON in a text read chunk by chunk (:func:`odd_positions`)."""

    def __init__(self) -> None:
        self.lines: list[np.ndarray] = []
        self._tail = b""  # the last bytes of the previous chunk
        self._scratch = _Scratch()
        self._opens = 0  # opening brackets of the line the last chunk ended in
        self._newlines = 0  # newlines fed so far

    def feed(self, chunk: bytes, b: np.ndarray, lines_before: int) -> int:
        """Scan ``chunk`` (``b``: its bytes as uint8), ``lines_before`` newlines before it (in pieces: _PIECE); the
        newlines it holds (each piece's found once, by :meth:`_deep_lines`: the line count reads them here rather
        than counting them again)."""
        if len(chunk) <= _PIECE:
            return self._feed(chunk, b, lines_before)
        start = lines_before
        for at in range(0, len(chunk), _PIECE):
            lines_before += self._feed(chunk[at : at + _PIECE], b[at : at + _PIECE], lines_before)
        return lines_before - start

    def _feed(self, chunk: bytes, b: np.ndarray, lines_before: int) -> int:
        pos = odd_positions(b, self._scratch)
        newlines = self._deep_lines(chunk, b, lines_before)
        if len(pos):
            self.lines.append(lines_before + 1 + np.searchsorted(newlines, pos))
        if self._tail:
            # the line across the boundary: its two halves were each scanned without the other
            head = chunk[:_EDGE]
            window = self._tail + head
            pos = odd_positions(np.frombuffer(window, np.uint8), self._scratch)
            if len(pos):
                t = len(self._tail)
                before = np.array(
                    [
                        lines_before + 1 - self._tail.count(b"\n", int(q))
                        if q < t
                        else lines_before + 1 + head.count(b"\n", 0, int(q) - t)
                        for q in pos
                    ]
                )
                self.lines.append(before)
        # (a chunk shorter than the window, as a gzip stream may give, adds to the last one's tail)
        self._tail = (self._tail + chunk)[-_EDGE:] if len(chunk) < _EDGE else chunk[-_EDGE:]
        return len(newlines)

    def _deep_lines(self, chunk: bytes, b: np.ndarray, lines_before: int) -> np.ndarray:
        """Add the lines with more than ``MAX_DEPTH`` opening brackets, a line across chunks counted whole; the
        positions of the chunk's newlines.

        Runs after :func:`odd_positions`, which left ``b | 32`` in the scratch's first array (0.6 against 1.3
        ms per MiB with a fresh one and the brackets' positions looked up line by line).
        """
        n = len(b)
        (x, _), (opening, newline, *_) = self._scratch.get(n)
        np.equal(x[:n], 123, out=opening[:n])  # '[' and '{'
        opening = opening[:n]
        last = chunk.rfind(b"\n")
        if last < 0:
            self._opens += int(np.count_nonzero(opening))
            return np.zeros(0, np.int64)
        newlines = np.flatnonzero(np.equal(b, 10, out=newline[:n]))
        starts = newlines + 1
        self._newlines = lines_before + len(starts)
        # (each line with its newline, counted as the brackets before its end less those before its start: the
        # brackets' positions looked up, where np.add.reduceat summed the whole mask: the count and scan of the
        # bench's 100k-step file 0.29-0.36 against 0.31-0.41 CPU s, of its nested file 0.43-0.53 against 0.49-0.58)
        ends = np.searchsorted(np.flatnonzero(opening[: last + 1]), np.concatenate(([0], starts)))
        counts = np.diff(ends)
        counts[0] += self._opens
        self._opens = int(np.count_nonzero(opening[last + 1 :]))
        deep = np.flatnonzero(counts > MAX_DEPTH)
        if len(deep):
            self.lines.append(lines_before + 1 + deep)
        return newlines

    def found(self) -> np.ndarray:
        """The line numbers found, sorted, each once."""
        if self._opens > MAX_DEPTH:  # (the last line, when no newline ends it)
            self.lines.append(np.array([self._newlines + 1], np.int64))
            self._opens = 0
        return np.unique(np.concatenate(self.lines)) if self.lines else np.zeros(0, np.int64)
