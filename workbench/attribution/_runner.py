"""Carrying out replays: cached per coalition, in parallel through joblib, each one contained.

Replays are the expensive part (in production each is a real LLM re-run), so every distinct
intervention is replayed at most once per cache, independent replays go to joblib (whose
backend may be Dask or Ray, spreading them over a cluster: ``with joblib.parallel_backend("dask")``),
and a replay that raises or runs past ``timeout`` is recorded as an error while the rest go on.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ..replay import Intervention, outcome_value, replayed_steps

log = logging.getLogger(__name__)


@dataclass
class ReplayLog:
    """What the replays of one attribution cost."""

    replays: int = 0
    cached: int = 0
    replayed_steps: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _contained(replay: Callable, run_id: str, intervention: Intervention, timeout: float | None) -> tuple:
    """Run one replay; return (value, replayed steps, error). Never raises."""
    start = time.perf_counter()
    try:
        if timeout is None:
            result = replay(run_id, intervention)
        else:
            # A thread, not a process: the replay function need not be picklable, and a replay
            # that hangs is abandoned (it cannot be killed) while the others go on.
            pool = cf.ThreadPoolExecutor(max_workers=1)
            try:
                result = pool.submit(replay, run_id, intervention).result(timeout=timeout)
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
        return outcome_value(result), replayed_steps(result), None, time.perf_counter() - start
    except cf.TimeoutError:
        return None, None, f"timed out after {timeout:g} s", time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a user's replay may fail in any way; it is recorded
        return None, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start


class ReplayRunner:
    """Replays one run under interventions, with a cache keyed by the replaced units.

    Parameters
    ----------
    replay : callable
        ``replay(run_id, intervention)``.
    run_id : str
        The recorded run.
    mode : {"repair", "baseline"}
        What the replaced units are replaced by.
    unit : {"agent", "step"}
        Whether keys name agents or steps.
    timeout : float, optional
        Seconds one replay may take.
    n_jobs : int
        joblib workers for independent replays (1 = in this process).
    failed_value : float
        Value given to a replay that errored (0.0: count it as a failure, the conservative reading).
    cache : dict, optional
        Shared across calls (and attributions of the same run) to never replay a coalition twice.
    """

    def __init__(self, replay: Callable, run_id: str, mode: str = "repair", unit: str = "agent",
                 timeout: float | None = None, n_jobs: int = 1, failed_value: float = 0.0,
                 cache: dict | None = None, progress: bool = False) -> None:
        self.replay = replay
        self.run_id = run_id
        self.mode = mode
        self.unit = unit
        self.timeout = timeout
        self.n_jobs = n_jobs
        self.failed_value = failed_value
        self.cache: dict[Hashable, float] = cache if cache is not None else {}
        self.log = ReplayLog()
        self._bar = tqdm(desc=f"replays {run_id}", unit="replay", disable=not progress)

    def _key(self, replaced: frozenset[str]) -> tuple:
        return (self.run_id, self.unit, self.mode, replaced)

    def _intervention(self, replaced: frozenset[str]) -> Intervention:
        if self.unit == "agent":
            return Intervention(agents=replaced, mode=self.mode)  # type: ignore[arg-type]
        return Intervention(steps=replaced, mode=self.mode)  # type: ignore[arg-type]

    def values(self, replaced_sets: Sequence[frozenset[str]]) -> list[float]:
        """Success values of the run with each set of units replaced (1 success, 0 failure)."""
        todo = []
        seen = set()
        for replaced in replaced_sets:
            key = self._key(replaced)
            if key in self.cache:
                self.log.cached += 1
            elif key not in seen:
                seen.add(key)
                todo.append(replaced)
        if todo:
            start = time.perf_counter()
            jobs = (delayed(_contained)(self.replay, self.run_id, self._intervention(r), self.timeout)
                    for r in todo)
            if self.n_jobs == 1 or len(todo) == 1:
                results = [_contained(self.replay, self.run_id, self._intervention(r), self.timeout)
                           for r in todo]
            else:
                results = Parallel(n_jobs=self.n_jobs, prefer="threads")(jobs)
            for replaced, (value, steps, error, _sec) in zip(todo, results, strict=True):
                self.log.replays += 1
                if steps is not None:
                    self.log.replayed_steps += steps
                if error is not None:
                    self.log.errors.append(f"replacing {sorted(replaced)}: {error}")
                    log.warning("replay of %s replacing %s failed: %s", self.run_id, sorted(replaced), error)
                    value = self.failed_value
                self.cache[self._key(replaced)] = float(value)
            self.log.seconds += time.perf_counter() - start
            self._bar.update(len(todo))
        return [self.cache[self._key(r)] for r in replaced_sets]

    def value(self, replaced: frozenset[str]) -> float:
        """Success value of one replay."""
        return self.values([replaced])[0]

    def close(self) -> None:
        """Close the progress bar."""
        self._bar.close()


def kept_game(runner: ReplayRunner, players: Sequence[str]) -> Callable[[Any], float]:
    """v(S) = success of the run with the players in S kept as recorded and the others replaced."""
    everyone = frozenset(players)

    def value(coalition: Any) -> float:
        return runner.value(everyone - frozenset(coalition))

    return value
