"""The source text of native lines rejected at the merge, read again from their files.

The native fast path stages steps and run records without their line's text (keeping it would double
the memory of every ingest for the few records the merge rejects). A rejected record's line is read
again here, only for the rejects, so the quarantine keeps its text, length and hash as the Python
reader's rejects do. The wanted lines are picked from the file a chunk at a time, its newlines found by
numpy (:func:`lines_of`), not split line by line in Python: one reject on the last line of the 1M-step
native file cost 2.2 CPU s that way, against 0.3 here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np

from ._jsonio import MAX_RAW_BYTES, _Stream


def fill_raw_text(con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> None:
    """Give rows of ``stage_rejects`` rejected at the merge (``origin`` 1 steps, 2 run records) their line's text.

    ``files`` maps each file as staged (``stage.file``) to the path to read it from.
    """
    wanted: dict[str, set[int]] = {}
    for file, line in con.execute(
        "SELECT DISTINCT file, line FROM stage_rejects WHERE raw IS NULL AND origin IN (1, 2) "
        "AND source = 'native' AND line IS NOT NULL"
    ).fetchall():
        if file in files:
            wanted.setdefault(file, set()).add(int(line))
    rows: dict[str, list] = {"file": [], "line": [], "raw": [], "raw_bytes": [], "raw_sha256": []}
    for file, lines in wanted.items():
        for n, data in lines_of(files[file], np.array(sorted(lines), np.int64)):
            if not data.strip():
                continue  # (a blank line is no record: never a reject's)
            rows["file"].append(file)
            rows["line"].append(n)
            rows["raw"].append(data[:MAX_RAW_BYTES].decode("utf-8", errors="backslashreplace"))
            rows["raw_bytes"].append(len(data))
            rows["raw_sha256"].append(hashlib.sha256(data).hexdigest())
    if not rows["file"]:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con.register("_wb_raw_text", pa.table(rows))
    try:
        con.execute(
            "UPDATE stage_rejects SET raw = t.raw, raw_bytes = t.raw_bytes, raw_sha256 = t.raw_sha256 "
            "FROM _wb_raw_text t WHERE stage_rejects.file = t.file AND stage_rejects.line = t.line "
            "AND stage_rejects.raw IS NULL AND stage_rejects.origin IN (1, 2)"
        )
    finally:
        con.unregister("_wb_raw_text")


def lines_of(path: Path, wanted: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """``(number, bytes without the newline)`` of the ``wanted`` lines (sorted, distinct numbers) of ``path``.

    The file is read as :func:`~._jsonio.jsonl_lines` reads it (gunzipped, without a byte-order mark,
    lines numbered from 1 at each newline) and only as far as the last wanted line. A line that runs
    over several chunks is joined only when it is wanted; the last line counts without a newline unless
    the compressed stream broke in it.
    """
    stream = _Stream(path)
    first = 1  # the number of the line the current chunk starts in
    carry: list[bytes] = []  # the start of that line, from earlier chunks, when it is wanted
    k = 0  # wanted[k] is the next line to give
    for chunk in stream.chunks():
        if k == len(wanted):
            return
        ends = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10)
        hi = int(np.searchsorted(wanted, first + len(ends)))  # wanted[k:hi] end in this chunk
        for n in wanted[k:hi].tolist():
            i = n - first
            piece = chunk[int(ends[i - 1]) + 1 if i else 0 : int(ends[i])]
            yield n, b"".join([*carry, piece]) if i == 0 and carry else piece
        k = hi
        start = 0
        if len(ends):
            carry = []
            first += len(ends)
            start = int(ends[-1]) + 1
        if k < len(wanted) and wanted[k] == first and start < len(chunk):
            carry.append(chunk[start:])
    if k < len(wanted) and wanted[k] == first and carry and stream.broken is None:
        yield first, b"".join(carry)
