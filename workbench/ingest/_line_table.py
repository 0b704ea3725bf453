"""A block of whole JSONL lines as an Arrow table (line number, text), split in C; and lines picked from it.

Both SQL fast paths (native JSONL and OTLP) hand such a table to DuckDB and give the lines it flags back
to their Python reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _jsonio
from ._base import Stage
from ._depth import MAX_DEPTH, may_be_deep, peel_brackets, structure
from ._jsonio import reject_oversize_line

if TYPE_CHECKING:
    import pyarrow as pa


def pick_lines(texts: pa.Table, lines: set[int] | None) -> list[tuple[int, str]]:
    """``(line, text)`` of the given lines of a block table (all of them when None), in file order."""
    if lines is not None:
        if not lines:
            return []
        import pyarrow as pa
        import pyarrow.compute as pc  # (here: its import costs ~0.1 s, and the whole-file paths never get here)

        # (from the buffer: pa.array imports pandas, see block_table)
        wanted = np.array(sorted(lines), dtype=np.int64)
        value_set = pa.Array.from_buffers(pa.int64(), len(wanted), [None, pa.py_buffer(wanted)])
        texts = texts.filter(pc.is_in(texts.column("line"), value_set=value_set))
    return list(zip(texts.column("line").to_pylist(), texts.column("json").to_pylist(), strict=True))


_SPACE = np.zeros(256, bool)
_SPACE[list(b" \t\n\r\x0b\x0c")] = True


def _maybe_deep(block: bytes, n_lines: int) -> list[int]:
    """Indexes of the block's lines that :func:`~._depth.may_be_deep` may flag; the others surely pass.

    The brackets outside strings of the whole block (its newlines kept as separators) are peeled as
    ``may_be_deep`` peels one line's, innermost pairs first, all lines at once: a line emptied there is
    one ``may_be_deep`` passes too (calling it on every line cost ~0.1 CPU s a 32 MB block of OTLP lines).
    """
    shape = peel_brackets(structure(block), MAX_DEPTH)
    if len(shape) == n_lines:
        return []
    return [i for i, part in enumerate(shape.split(b"\n")[:n_lines]) if part]


def _mask(keep: np.ndarray) -> pa.Array:
    """A NumPy bool array as an Arrow one, from its bits (``pa.array`` imports pandas: see block_table)."""
    import pyarrow as pa

    bits = pa.py_buffer(np.packbits(keep, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(keep), [None, bits])


_SLICE = 4 * 1024 * 1024


def line_ends(block: bytes) -> np.ndarray:
    """The offsets just past each newline of ``block``, found a slice at a time: a comparison of the whole
    block held a byte of booleans for each byte of text (32 MB beside a 32 MB block, built while DuckDB
    maps the block before: see _otlp_sql_blocks)."""
    raw = np.frombuffer(block, np.uint8)
    return np.concatenate(
        [np.flatnonzero(raw[i : i + _SLICE] == 10) + (i + 1) for i in range(0, len(raw), _SLICE)]
        or [np.zeros(0, np.intp)]
    )


def block_table(
    first: int,
    block: bytes,
    stage: Stage,
    slow,  # noqa: ANN001
    ends: np.ndarray | None = None,
) -> pa.Table | None:
    """A block of whole lines (each ending in a newline) as an Arrow table (line, json text), split in C.

    ``ends``: the offsets just past each newline (:func:`line_ends`), when the caller has them already.

    Each text keeps its newline (JSON whitespace; Arrow values must be contiguous). Blank lines are
    dropped as :func:`~._jsonio.jsonl_lines` drops them; lines over the length limit are quarantined;
    lines that are not UTF-8 or may nest too deep go to ``slow`` (the Python reader) without it.
    """
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    raw = np.frombuffer(block, np.uint8)
    ends = line_ends(block) if ends is None else ends
    starts = np.concatenate(([0], ends[:-1]))
    numbers = np.arange(first, first + len(ends), dtype=np.int64)
    keep = np.ones(len(ends), bool)
    # A line that starts with whitespace may be blank. An empty line ("\n", "\r\n") is told in numpy: one by
    # one in Python, a file of blank lines (100 MB of newlines after one line over the limit, 100 KB gzipped) cost
    # 40 CPU s. Longer ones are looked at in Python (rare in real logs).
    # (masks, not index arrays: a block of 20M blank lines would hold several arrays of 8 bytes a line)
    width = ends - starts
    spaced = _SPACE[raw[starts]]
    keep[spaced & (width <= 2)] = False  # (the newline and one whitespace byte before it)
    for i in np.flatnonzero(spaced & (width > 2)):
        if not block[starts[i] : ends[i]].strip():
            keep[i] = False
    del spaced
    for i in np.flatnonzero(width - 1 > _jsonio.MAX_LINE_BYTES):
        reject_oversize_line(stage, int(numbers[i]), block[starts[i] : ends[i] - 1])
        keep[i] = False
    del width
    for i in _maybe_deep(block, len(ends)):
        if keep[i]:
            line = block[starts[i] : ends[i] - 1]
            if may_be_deep(line):
                slow(line, int(numbers[i]), stage)
                keep[i] = False
    offsets = pa.py_buffer(np.concatenate(([0], ends)).astype(np.int32))
    # Built as text and validated in place: a cast from binary checks the same UTF-8 several times slower.
    text = pa.Array.from_buffers(pa.string(), len(ends), [None, offsets, pa.py_buffer(block)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        data = pa.Array.from_buffers(pa.binary(), len(ends), [None, offsets, pa.py_buffer(block)])
        for i in np.flatnonzero(keep):
            line = block[starts[i] : ends[i] - 1]
            try:
                line.decode()
            except UnicodeDecodeError:
                slow(line, int(numbers[i]), stage)
                keep[i] = False
        text = data.filter(_mask(keep)).cast(pa.string())
        numbers = numbers[keep]
        keep = np.ones(len(numbers), bool)
    if not keep.all():
        text, numbers = text.filter(_mask(keep)), numbers[keep]
    if not len(text):
        return None
    # From the buffer: any pa.array call imports pandas (pyarrow looks for its types), ~45 MB of RSS and
    # ~0.3 CPU s an ingest whose lines all pass the SQL path never needs.
    numbers = np.ascontiguousarray(numbers, np.int64)
    lines = pa.Array.from_buffers(pa.int64(), len(numbers), [None, pa.py_buffer(numbers)])
    table = pa.table({"line": lines, "json": text})
    # Several record batches let DuckDB parse them on all threads.
    return pa.Table.from_batches(table.to_batches(max_chunksize=2048))
