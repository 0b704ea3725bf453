"""Batch attribution shared between this process and warm worker processes, beside other work.

``workbench investigate`` has two independent jobs after the ingest: the detectors (SQL in this
process's store) and the replays of every failed run (pure Python, no store). A pool started before
the ingest has its workers' imports done by the time the runs are known; :meth:`AttributionPool.start`
hands them batches of runs from a shared queue while this process runs the detectors, and
:meth:`AttributionPool.finish` makes this process take batches from the same queue until it is empty,
then writes the verdicts. On two cores the replays then cost about what is left of them once the
detectors are done, instead of their whole time.

Each run's attribution is the one :func:`attribute_many` computes (the same function on the same
rows); only where it runs differs. A worker that dies loses nothing: its batch goes back to the queue.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from tqdm.auto import tqdm

from ._many import _SAVE_EVERY, _work, pending_work

_BATCH = 8  # runs per batch: small, so that the last batches spread over every process
_REPLAY: list[Callable] = []  # in a worker: the replay function it was started with


def _init_worker(replay: Callable) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers must not print tracebacks
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import _attribute  # noqa: F401 - the imports a batch needs, done while the parent ingests

    _REPLAY.append(replay)


def _ready() -> int:
    return os.getpid()


def _run_batch(batch: list, options: dict[str, Any]) -> list:
    return _work(batch, _REPLAY[0], options)


class AttributionPool:
    """Replays of many runs in this process and in ``workers`` worker processes at once.

    Parameters
    ----------
    replay : callable
        ``replay(run_id, intervention)``, picklable (workers get a copy when they start).
    workers : int
        Worker processes besides this one (started now, with the ``spawn`` method: nothing of this
        process's state, its DuckDB connection included, is shared with them).
    """

    def __init__(self, replay: Callable, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.replay = replay
        self.workers = workers
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker, initargs=(replay,))
        self._warm = [self._executor.submit(_ready) for _ in range(workers)]  # starts them now
        self._queue: deque[list] = deque()
        self._lock = threading.Lock()
        self._out: list = []
        self._feeders: list[threading.Thread] = []
        self._options: dict[str, Any] = {}
        self._bar: Any = None
        self._order: dict[str, int] = {}
        #: runs attributed by the worker processes in the last ``start``/``finish`` (the rest: here)
        self.by_workers = 0

    def start(self, ws, run_ids: Sequence[str] | None = None, skip_stored: bool = True,  # noqa: ANN001
              progress: bool = False, **options: Any) -> int:
        """Queue the runs :func:`attribute_many` would attribute (read from ``ws`` now, in this
        thread) and start the workers on them; returns how many runs were queued."""
        work = pending_work(ws, run_ids, skip_stored, options)
        self._out, self.by_workers = [], 0
        self._options = options
        self._order = {r: i for i, (r, _) in enumerate(work)}
        self._queue.extend(work[i:i + _BATCH] for i in range(0, len(work), _BATCH))
        self._bar = tqdm(total=len(work), desc="attribute", unit="run", disable=not progress)
        self._feeders = [threading.Thread(target=self._feed, daemon=True, name=f"attribution-feeder-{i}")
                         for i in range(self.workers)]
        for t in self._feeders:
            t.start()
        return len(work)

    def _take(self) -> list | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _done(self, out: list, worker: bool = False) -> None:
        with self._lock:
            self._out.extend(out)
            self.by_workers += len(out) if worker else 0
        self._bar.update(len(out))

    def _feed(self) -> None:
        while (batch := self._take()) is not None:
            try:
                out = self._executor.submit(_run_batch, batch, self._options).result()
            except Exception:  # noqa: BLE001 - a broken worker: this process replays its batch instead
                with self._lock:
                    self._queue.appendleft(batch)
                return
            self._done(out, worker=True)

    def finish(self, ws, store: bool = True) -> tuple[list, dict[str, str]]:  # noqa: ANN001
        """Replay what is left of the queue in this process, wait for the workers' last batches,
        write the new attributions (a hundred runs per transaction) and return them with the runs
        that could not be attributed, as :func:`attribute_many` does."""
        from ._attribute import Attribution, save

        try:
            while True:
                while (batch := self._take()) is not None:
                    self._done(_work(batch, self.replay, self._options))
                for t in self._feeders:
                    t.join()
                if not self._queue:  # a feeder whose worker broke put its batch back
                    break
        finally:
            if self._bar is not None:
                self._bar.close()
        results = sorted((a for a in self._out if isinstance(a, Attribution)), key=lambda a: self._order[a.run_id])
        errors = {item[0]: item[1] for item in self._out if not isinstance(item, Attribution)}
        if store:
            for i in range(0, len(results), _SAVE_EVERY):
                save(ws, results[i:i + _SAVE_EVERY])
        return results, errors

    def close(self) -> None:
        """Stop the workers (queued batches that no worker took are dropped)."""
        with self._lock:
            self._queue.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> AttributionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
