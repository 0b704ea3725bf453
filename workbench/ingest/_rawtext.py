"""The source text of native lines rejected at the merge, read again from their files.

The native fast path stages steps and run records without their line's text (keeping it would double
the memory of every ingest for the few records the merge rejects). A rejected record's line is read
again here, only for the rejects, so the quarantine keeps its text, length and hash as the Python
reader's rejects do.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa

from ._jsonio import MAX_RAW_BYTES, jsonl_lines


def fill_raw_text(con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> None:
    """Give rows of ``stage_rejects`` rejected at the merge (``origin`` 1 steps, 2 run records) their line's text.

    ``files`` maps each file as staged (``stage.file``) to the path to read it from.
    """
    wanted: dict[str, set[int]] = {}
    for file, line in con.execute(
            "SELECT DISTINCT file, line FROM stage_rejects WHERE raw IS NULL AND origin IN (1, 2) "
            "AND source = 'native' AND line IS NOT NULL").fetchall():
        if file in files:
            wanted.setdefault(file, set()).add(int(line))
    rows: dict[str, list] = {"file": [], "line": [], "raw": [], "raw_bytes": [], "raw_sha256": []}
    for file, lines in wanted.items():
        last = max(lines)
        for n, data in jsonl_lines(files[file]):
            if n in lines:
                rows["file"].append(file)
                rows["line"].append(n)
                rows["raw"].append(data[:MAX_RAW_BYTES].decode("utf-8", errors="backslashreplace"))
                rows["raw_bytes"].append(len(data))
                rows["raw_sha256"].append(hashlib.sha256(data).hexdigest())
            if n >= last:
                break
    if not rows["file"]:
        return
    con.register("_wb_raw_text", pa.table(rows))
    try:
        con.execute("UPDATE stage_rejects SET raw = t.raw, raw_bytes = t.raw_bytes, raw_sha256 = t.raw_sha256 "
                    "FROM _wb_raw_text t WHERE stage_rejects.file = t.file AND stage_rejects.line = t.line "
                    "AND stage_rejects.raw IS NULL AND stage_rejects.origin IN (1, 2)")
    finally:
        con.unregister("_wb_raw_text")
