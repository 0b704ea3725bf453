"""Batch attribution shared between this process and warm worker processes, beside other work.

``workbench investigate`` has two independent jobs after the ingest: the detectors (SQL in this
process's store) and the replays of every failed run (pure Python, no store). A pool started before
the ingest has its workers' imports done by the time the runs are known; :meth:`AttributionPool.start`
hands them batches of runs from a shared queue while this process runs the detectors, and
:meth:`AttributionPool.finish` makes this process take batches from the same queue until it is empty,
then writes the verdicts. On two cores the replays then cost about what is left of them once the
detectors are done, instead of their whole time.

When the runs can be read from their source before the store holds them (the demo file),
:meth:`AttributionPool.prefetch` has a worker read them and start replaying during the ingest; the
store stays the judge: :meth:`start` keeps a result only where the run's rows in the store are the
ones it was computed from, and queues the rest again.

Each run's attribution is the one :func:`attribute_many` computes (the same function on the same
rows); only where it runs differs. A worker that dies loses nothing: its batch goes back to the queue.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# _many (pandas, joblib, the attribution code) and tqdm are imported where used: investigate starts
# the pool first thing, so that its worker's start-up overlaps this process's own imports

_BATCH = 8  # runs per batch: small, so that the last batches spread over every process
_NICE = 10  # workers' niceness above the parent's
_WAIT_LAST = 0.25  # seconds the parent waits for a worker's last batch before replaying it itself
_REPLAY: list[Callable] = []  # in a worker: the replay function it was started with
_STOP: list[Any] = []  # in a worker: the pool's event set when it closes


def _init_worker(replay: Callable, stop: Any = None) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers must not print tracebacks
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker only soaks up CPU this process leaves: the parent's ingest and detectors are the
    # critical path, and whatever the worker has not replayed when the parent is free, the parent does.
    if hasattr(os, "nice"):
        try:
            os.nice(_NICE)
        except OSError:  # not allowed here: run at the parent's priority
            pass
    from . import _attribute  # noqa: F401 - the imports a batch needs, done while the parent ingests

    _REPLAY.append(replay)
    if stop is not None:
        _STOP.append(stop)


def _ready() -> int:
    return os.getpid()


def _run_batch(batch: list, options: dict[str, Any]) -> list:
    from ._many import _work

    out: list = []
    for item in batch:
        if _STOP and _STOP[0].is_set():
            break  # the pool is closing: nothing more of this batch is wanted, and close() waits for it
        out.extend(_work([item], _REPLAY[0], options))
    return out


def _batches(work: Sequence) -> list[list]:
    return [list(work[i : i + _BATCH]) for i in range(0, len(work), _BATCH)]


class AttributionPool:
    """Replays of many runs in this process and in ``workers`` worker processes at once.

    Parameters
    ----------
    replay : callable
        ``replay(run_id, intervention)``, picklable (workers get a copy when they start).
    workers : int
        Worker processes besides this one (started now, with the ``spawn`` method: nothing of this
        process's state, its DuckDB connection included, is shared with them). With 0, every
        replay is this process's, in :meth:`finish` (which can run in a thread beside other work).
    """

    def __init__(self, replay: Callable, workers: int = 1) -> None:
        if workers < 0:
            raise ValueError(f"workers must be >= 0 (got {workers})")
        self.replay = replay
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        if workers:
            context = multiprocessing.get_context("spawn")
            self._stop = context.Event()
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(replay, self._stop),
            )
            for _ in range(workers):
                self._executor.submit(_ready)  # starts them now
        self._queue: deque[list] = deque()
        self._lock = threading.Lock()
        self._active = 0  # feeder threads running
        self._gen = 0  # bumped when the options change: results of older batches are dropped
        self._options: dict[str, Any] = {}
        # run -> (steps it was replayed from, Attribution or (run_id, error)), this generation's
        self._produced: dict[str, tuple[list, Any]] = {}
        self._claimed: dict[str, list] = {}  # run -> steps of a batch taken (in a worker or done)
        self._from_worker: set[str] = set()
        self._expected: dict[str, list] | None = None  # the store's runs, once start() has read them
        self._bar: Any = None
        #: runs attributed by the worker processes in the last ``start``/``finish`` (the rest: here)
        self.by_workers = 0

    def prefetch(self, loader: Callable[[], list], **options: Any) -> None:
        """Have a worker call ``loader`` (picklable; it returns ``[(run_id, steps), ...]`` as
        :func:`~workbench.attribution._many.pending_work` would, e.g. from the file about to be
        ingested) and start replaying those runs at once, before the store holds them.

        A guess costs nothing when wrong: :meth:`start` keeps only results computed from the rows
        the store then holds, with the same ``options``."""
        if self._executor is None:
            raise ValueError("prefetch() needs a worker process (workers >= 1)")
        future = self._executor.submit(loader)

        def arrive() -> None:
            try:
                work = future.result()
            except BaseException:  # noqa: BLE001 - no head start: start() queues the store's runs
                return
            with self._lock:
                if self._expected is not None or self._gen != gen:  # start() came first
                    return
                self._queue.extend(_batches(work))
            self._ensure_feeders()

        with self._lock:
            self._options = options
            gen = self._gen
        threading.Thread(target=arrive, daemon=True, name="attribution-prefetch").start()

    def start(
        self,
        ws,
        run_ids: Sequence[str] | None = None,
        skip_stored: bool = True,  # noqa: ANN001
        progress: bool = False,
        **options: Any,
    ) -> int:
        """Queue the runs :func:`attribute_many` would attribute (read from ``ws`` now, in this
        thread) and start the workers on them; returns how many runs were queued. Results of a
        :meth:`prefetch` are kept where the store holds the same rows."""
        from tqdm.auto import tqdm

        from ._many import pending_work

        work = pending_work(ws, run_ids, skip_stored, options)
        with self._lock:
            if options != self._options:
                self._gen += 1
                self._queue.clear()
                self._produced, self._claimed = {}, {}
                self._options = options
            expected = dict(work)
            self._expected = expected
            kept = [item for batch in self._queue for item in batch if expected.get(item[0]) == item[1]]
            covered = {r for r, _ in kept}
            covered |= {r for r, steps in self._claimed.items() if expected.get(r) == steps}
            missing = [item for item in work if item[0] not in covered]
            self._queue.clear()
            self._queue.extend(_batches(kept) + _batches(missing))
            done = {r for r, (steps, _) in self._produced.items() if expected.get(r) == steps}
            self.by_workers = len(done & self._from_worker)
        self._bar = tqdm(
            total=len(work), initial=len(done), desc="attribute", unit="run", disable=not progress
        )
        self._ensure_feeders()
        return len(work)

    def _ensure_feeders(self) -> None:
        with self._lock:
            new = self.workers - self._active
            self._active += new
        for i in range(new):
            threading.Thread(target=self._feed, daemon=True, name=f"attribution-feeder-{i}").start()

    def _take(self, feeder: bool = False) -> tuple[list, int, dict] | None:
        with self._lock:
            if not self._queue:
                self._active -= feeder
                return None
            batch = self._queue.popleft()
            self._claimed.update(batch)
            return batch, self._gen, self._options

    def _done(self, batch: list, out: list, gen: int, worker: bool = False) -> None:
        with self._lock:
            if gen != self._gen:
                return
            for (run_id, steps), item in zip(batch, out, strict=True):
                if self._expected is not None and self._expected.get(run_id) != steps:
                    continue  # replayed from rows the store does not hold
                self._produced[run_id] = (steps, item)
                if worker:
                    self._from_worker.add(run_id)
                    self.by_workers += self._expected is not None
                else:
                    self._from_worker.discard(run_id)
            bar = self._bar
        if bar is not None:
            bar.update(len(out))

    def _feed(self) -> None:
        while (taken := self._take(feeder=True)) is not None:
            batch, gen, options = taken
            try:
                out = self._executor.submit(_run_batch, batch, options).result()
            except Exception:  # noqa: BLE001 - a broken worker: this process replays its batch instead
                with self._lock:
                    self._queue.appendleft(batch)
                    self._active -= 1
                return
            if len(out) < len(batch):  # cut short by close(): its results are no longer wanted
                with self._lock:
                    self._active -= 1
                return
            self._done(batch, out, gen, worker=True)

    def finish(self, ws, store: bool = True) -> tuple[list, dict[str, str]]:  # noqa: ANN001
        """Replay what is left of the queue in this process, wait for the workers' last batches,
        write the new attributions (a hundred runs per transaction) and return them with the runs
        that could not be attributed, as :func:`attribute_many` does."""
        from ._attribute import Attribution
        from ._many import _work, save_in_batches

        if self._expected is None:
            raise RuntimeError("AttributionPool.finish() before start()")
        deadline = float("inf")
        try:
            while True:
                while (taken := self._take()) is not None:
                    batch, gen, options = taken
                    self._done(batch, _work(batch, self.replay, options), gen)
                deadline = min(deadline, time.monotonic() + _WAIT_LAST)
                with self._lock:
                    idle = not self._active and not self._queue
                if idle or time.monotonic() > deadline:
                    break
                time.sleep(0.005)  # a worker's last batch, or one it gave back
            with self._lock:
                expected, produced, options = self._expected, dict(self._produced), self._options
                self.by_workers = sum(
                    1
                    for r in expected
                    if r in self._from_worker and r in produced and produced[r][0] == expected[r]
                )
            # a run only a stale guess covered (its batch was in a worker when start() read the store),
            # or one in a batch a worker (busy or starved of CPU) did not return in time: replayed here
            late = [
                (r, steps) for r, steps in expected.items() if r not in produced or produced[r][0] != steps
            ]
            if late:
                self._done(late, _work(late, self.replay, options), self._gen)
        finally:
            if self._bar is not None:
                self._bar.close()
        with self._lock:
            out = [self._produced[r][1] for r in expected]
        results = [a for a in out if isinstance(a, Attribution)]
        errors = {item[0]: item[1] for item in out if not isinstance(item, Attribution)}
        with self._lock:  # ready for the next start()
            self._expected, self._produced, self._claimed, self._from_worker = None, {}, {}, set()
        if store:
            save_in_batches(ws, results)
        return results, errors

    def close(self) -> None:
        """Stop the workers (queued batches that no worker took are dropped; a batch a worker is
        replaying stops after its current run, instead of making this wait for the whole batch,
        whose results nobody wants any more: after :meth:`finish`, this process replayed it itself)."""
        with self._lock:
            self._queue.clear()
            self._gen += 1
        if self._executor is not None:
            self._stop.set()
            self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> AttributionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
