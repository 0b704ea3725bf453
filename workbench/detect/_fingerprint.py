"""Which runs changed while ``wb.detect`` computed their findings without the store's write lock.

``wb.detect`` held the workspace's write lock (``ws._writes``, which every ingest, label and live capture takes)
from its first read to its store, so an ingest given meanwhile waited for the whole detect (race47; at 500k steps
26 s instead of 5, bench/detect_lock.py) and a live capture's export with it. It now reads and computes without the
lock and takes it only to store. Each worker reads its chunk of runs in one transaction and keeps, in the same
transaction, the fingerprint of exactly the rows it read (``fingerprints.sql``, section read): its findings are a
function of those rows, the settings and the vocabulary. Under the lock, the runs whose rows now hash otherwise
(section now) changed since: their findings are not stored and they get no ``detected`` mark, so ``detect="auto"``
computes them again (as it does after an ingest). A run that changed and changed back reads as unchanged, which
it is: the findings are those of its rows as they are.

No write ended since before the detect's first read (the lock's :attr:`~workbench.store._write_lock.WriteLock.
generation` did not move): no run changed, and the check (a hash of every step of the scope) is not run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..store._connection import sql_sections

#: The fingerprints of what the workers read: one row per run of the call's scope.
READ = pa.schema([("run_id", pa.string()), ("with_edges", pa.bool_()), ("fp", pa.uint64())])


@lru_cache(maxsize=None)
def _section(name: str) -> str:
    (stmt,) = dict(sql_sections("fingerprints", __package__))[name]
    return stmt


def read_fingerprints(cur: Any, bounds: dict[str, int], with_edges: bool) -> pa.Table:
    """The fingerprints of the runs of ``cur``'s ``det_scope`` (a worker's chunk) as read in the rowid ``bounds`` of
    the chunk; ``with_edges``: the chunk's statements read its edges (the cascade detector). Read in the transaction
    the chunk's statements read in, on a connection whose search path finds the detectors' macros."""
    return cur.sql(_section("read"), params={**bounds, "with_edges": with_edges}).to_arrow_table().cast(READ)


def find_changed(con: Any, reads: list[pa.Table], path: str) -> None:
    """Make ``det_changed``: the runs of ``reads`` (the workers' fingerprints) whose rows now differ from those read.
    Run under the write lock, in the transaction that stores, when some write ended since the reads began (else no
    run changed); ``path``: the search path finding the detectors' macros (``_macros.ensure_macros``)."""
    con.execute(_section("changed"))
    read = pa.concat_tables(reads) if reads else READ.empty_table()
    con.execute("SET search_path = ?", [path])
    # (the runs read without their edges, and those read with them, each compared as read)
    for with_edges in (False, True):
        part = read.filter(pc.equal(read["with_edges"], with_edges))
        if not part.num_rows:
            continue
        con.register("det_read", part)
        try:
            con.execute(_section("now"), {"with_edges": with_edges})
        finally:
            con.unregister("det_read")
