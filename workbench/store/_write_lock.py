"""The write lock of a store file (``ws._writes``): one write at a time, and a count of the writes that ended.

Every write of the workbench (an ingest, a label, a labels file, the live capture's batches, ``wb.detect``'s store)
takes it. ``wb.detect`` computes its findings without it, so that an ingest or a capture given meanwhile is not kept
waiting for the whole detect (bench/detect_lock.py), and takes it only to store them: :attr:`WriteLock.generation`
then tells whether any write ended since its reads began. None did: every run reads as it did, its findings are
stored as they are. Some did: each run's findings are stored only when the run still holds the rows they were
computed from (detect/_runner.py's fingerprint check).
"""

from __future__ import annotations

import threading


class WriteLock:
    """A re-entrant lock counting the holds that ended (:attr:`generation`); used as ``threading.RLock`` is."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0  # (changed only by the thread holding the lock)
        #: How many outermost holds have ended (the write committed or failed): a write that ends after a reader
        #: read it moves it, so an unchanged generation means nothing was written in between.
        self.generation = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._lock.acquire(blocking, timeout)
        if got:
            self._depth += 1
        return got

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.generation += 1  # (before the release: a reader that then takes the lock sees it moved)
        self._lock.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
