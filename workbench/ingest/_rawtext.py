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
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np

from ..store._connection import sql_sections
from ._jsonio import MAX_RAW_BYTES, _Stream


def fill_raw_text(
    con: duckdb.DuckDBPyConnection,
    files: dict[str, Path],
    *,
    source: str = "native",
    origins: tuple[int, ...] = (1, 2),
    text_of: Callable[[bytes], bytes] | None = None,
) -> None:
    """Give rows of ``stage_rejects`` rejected at the merge (of ``origins``: 1 steps, 2 run records, staged by
    ``source``) their line's text.

    ``files`` maps each file as staged (``stage.file``) to the path to read it from. By default a row keeps its
    line as written, with the whole line's length and hash; ``text_of`` gives the text kept instead (records in
    memory spooled to a file keep the text the Python reader keeps of a record), its length and hash then those
    of the text kept, as the merge gives a staged step's.
    """
    wanted: dict[str, set[int]] = {}
    params = {"source": source, "origins": list(origins)}
    for file, line in con.execute(_sql("wanted"), params).fetchall():
        if file in files:
            wanted.setdefault(file, set()).add(int(line))
    rows: dict[str, list] = {"file": [], "line": [], "raw": [], "raw_bytes": [], "raw_sha256": []}
    for file, lines in wanted.items():
        for n, data in lines_of(files[file], np.array(sorted(lines), np.int64)):
            if not data.strip():
                continue  # (a blank line is no record: never a reject's)
            raw = (data if text_of is None else text_of(data))[:MAX_RAW_BYTES].decode(
                "utf-8", errors="backslashreplace"
            )
            measured = data if text_of is None else raw.encode("utf-8")
            rows["file"].append(file)
            rows["line"].append(n)
            rows["raw"].append(raw)
            rows["raw_bytes"].append(len(measured))
            rows["raw_sha256"].append(hashlib.sha256(measured).hexdigest())
    if not rows["file"]:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con.register("_wb_raw_text", pa.table(rows))
    try:
        con.execute(_sql("give"), {"origins": list(origins)})
    finally:
        con.unregister("_wb_raw_text")


def _sql(section: str) -> str:
    (stmt,) = dict(sql_sections("raw_text", "workbench.store"))[section]
    return stmt


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
