"""The store's checkpoint after a large ingest, run within the merge's memory limit.

DuckDB writes the rows of a large transaction to the store file as it goes and leaves the rest (the row
groups finished and compressed, the write-ahead log folded in) to the next checkpoint: usually the one
``ws.close()`` runs, when the ingest's memory budget has been set back to the user's limit or DuckDB's
default (80 % of the machine's memory), and DuckDB's buffer pool holds what it reads there. 5M generated
OTLP spans at e0db886 (load 14-16): peak RSS 377 MB through the whole ingest, then 960 MB in
``ws.close()`` (5.0 CPU s): the peak the bench reports for the call (848-1,119 MB at stop 32, against
519 MB for the bare DuckDB read of the file). Run at the end of the ingest within the limit the merge ran
in (``_driver.MERGE_MEMORY``), the same checkpoint costs the same CPU, holds no more than the merge did, and
leaves ``close()`` nothing to do: 5M generated spans, ingest and close, two interleaved pairs at load 0.7-2.9,
peak RSS 846 / 832 -> 562 / 562 MB, CPU 161.7 / 150.1 -> 149.1 / 159.2 s (no difference). A small call leaves it to DuckDB (its
automatic checkpoint, or the close): a checkpoint writes and syncs the file, a cost a small call would pay
every time for no memory.

The limit is the one the call's merge was given (``_driver``: OTLP_MERGE_MEMORY for a call of OTLP files only,
MERGE_MEMORY otherwise), not the retry's: at MERGE_MEMORY after an OTLP merge within 192MB, the checkpoint filled
the larger pool and set the call's peak. 5M SDK-written OTLP spans, one run each at load 15-25: 388 -> 551 MB in
the checkpoint at 400MB (1.85 CPU s), 379 MB through the whole call at 192MB (the checkpoint 2.26 CPU s; the
staging's peak), the bare DuckDB read of the file 451-467 MB.

What the checkpoint itself cost (0.04-0.67 CPU s after 1M generated spans, 2.87 after 5M, growing with the chunks)
was DuckDB's vacuum: it merges neighbouring row groups that fit in fewer, rewriting their rows, and each chunk's
INSERT on two threads had left part-filled ones. A chunked merge now appends on one thread (``_driver._ONE_THREAD``)
and leaves full row groups. Turning the vacuum off here (``max_vacuum_tasks = 0``) only put the rewrite off: the
next checkpoint after any change to the table did it (a reopened store, one row inserted: 1.73 CPU s).
"""

from __future__ import annotations

from contextlib import suppress

import duckdb

from ..store._own_connection import own_cursor
from . import _timings

#: Steps an ingest call adds from which the store is checkpointed at its end (the merge's chunk: a
#: call of fewer steps never raised the peak at the close, 1M generated spans 340 MB before and after).
CHECKPOINT_STEPS = 500_000


def checkpoint_within(con: duckdb.DuckDBPyConnection, limit: str, added: int) -> None:
    """Checkpoint the store of ``con`` under the memory limit ``limit`` when the call added ``added`` steps
    (at least :data:`CHECKPOINT_STEPS`); the caller sets its limit back after.

    A failed checkpoint (another connection's transaction in the way) loses nothing: the rows are committed,
    and DuckDB checkpoints them later, as it did before; so does a limit DuckDB cannot set (it holds more
    than that now).
    """
    if added < CHECKPOINT_STEPS:
        return
    with own_cursor(con) as cur, suppress(duckdb.Error):
        cur.execute("SET memory_limit = ?", [limit])
        _timings.execute(cur, "CHECKPOINT", tag="merge")
