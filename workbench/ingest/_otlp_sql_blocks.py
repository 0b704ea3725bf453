"""The blocks of an OTLP JSONL file as Arrow tables, the next one prepared on a thread while DuckDB maps this one.

Reading a block (:func:`~._jsonio.line_blocks`) and splitting it into lines (:func:`~._line_table.block_table`,
its depth pre-check included) is Python and NumPy: ~0.2 CPU s a 32 MB block, which in the serial loop waits
for the block before it to be mapped and the mapped block waits for it. Here it runs on a thread of its own,
one block ahead (one block's text more in memory), so both cores have work while the statement is planned and
while the Python runs.

The thread never touches the stage nor DuckDB: what reading a block would do to the stage (a line over the
length limit quarantined, a broken compressed stream, a line handed to the Python reader) is recorded with the
block and done by the caller, in the order the serial loop does it, before the block is mapped. So the
quarantine, its order and the lines' numbers are the serial loop's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._jsonio import line_blocks
from ._line_table import block_table, line_ends

if TYPE_CHECKING:
    import pyarrow as pa

    from ._base import Stage

#: ``slow(line bytes, line number, stage)``: the Python reader of one line (as block_table takes it).
Slow = Callable[[bytes, int, Any], None]


class _Recorded:
    """What the reading of one block asked of the stage, kept to be done later on the caller's thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def reject(self, **fields: Any) -> None:  # (the only Stage method line_blocks and block_table call)
        self.calls.append(("reject", fields))

    def slow(self, line: bytes, n: int, _stage: object) -> None:
        self.calls.append(("slow", (line, n)))

    def take(self) -> list[tuple[str, Any]]:
        calls, self.calls = self.calls, []
        return calls


class _Ends:
    """Counts a block's lines for line_blocks by finding their ends, kept for block_table (the text is
    scanned for newlines once, not twice: ~15 ms a 32 MB block)."""

    def __init__(self) -> None:
        self.last: Any = None

    def __call__(self, block: bytes) -> int:
        self.last = line_ends(block)
        return len(self.last)

    def take(self) -> Any:
        ends, self.last = self.last, None
        return ends


def _tables(path: Path, stage: Any, block_bytes: int, slow: Slow) -> Iterator[pa.Table | None]:
    """The table of each block (None when it has no line for DuckDB), as line_blocks and block_table give them."""
    ends = _Ends()
    for first, block in line_blocks(path, stage, block_bytes, count=ends):
        texts = block_table(first, block, stage, slow, ends.take())
        del block
        yield texts


def _prepared(path: Path, block_bytes: int) -> Iterator[tuple[pa.Table | None, list[tuple[str, Any]]]]:
    """``(table or None, the stage calls since the last block)`` of each block, then one ``(None, calls)``
    for what the end of the file asked (a line over the limit at the end, a broken stream)."""
    recorded = _Recorded()
    for texts in _tables(path, recorded, block_bytes, recorded.slow):
        yield texts, recorded.take()
    yield None, recorded.take()


def _ahead(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, each computed on a thread while the caller works on the one before."""
    end = object()
    with ThreadPoolExecutor(1, thread_name_prefix="workbench-read-ahead") as pool:
        future = pool.submit(next, items, end)
        while (item := future.result()) is not end:
            future = pool.submit(next, items, end)
            yield item
            del item  # (not held while the caller waits for the next one)


def blocks(path: Path, stage: Stage, block_bytes: int, slow: Slow, ahead: bool) -> Iterator[pa.Table]:
    """The Arrow table (line, json) of each block of ``path`` that has lines for DuckDB.

    Lines over the length limit and a broken stream are quarantined on ``stage`` and lines for the Python
    reader go to ``slow``, as :func:`~._jsonio.line_blocks` and :func:`~._line_table.block_table` do; with
    ``ahead``, the next block is read on a thread meanwhile and those calls are made here, on the caller's
    thread, before its table is handed out.
    """
    if not ahead:
        yield from (texts for texts in _tables(path, stage, block_bytes, slow) if texts is not None)
        return
    for texts, calls in _ahead(_prepared(path, block_bytes)):
        for what, args in calls:
            if what == "reject":
                stage.reject(**args)
            else:
                slow(*args, stage)
        if texts is not None:
            yield texts
