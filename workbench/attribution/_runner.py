"""Carrying out replays: cached per coalition, in parallel through joblib, each one contained.

Replays are the expensive part (in production each is a real LLM re-run), so every distinct
intervention is replayed at most once per cache, independent replays go to joblib (whose
backend may be Dask or Ray, spreading them over a cluster: ``with joblib.parallel_backend("dask")``),
and a replay that raises or runs past ``timeout`` is recorded as failed while the rest go on.

A failed replay is evidence of nothing: it is never counted as a failure (or a success) of the
run. Its value is NaN here, it stays out of the shared cache (another call may retry it), and the
caller decides what an unknown outcome means for its result (see :func:`attribute`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ReplayError
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
    failed: dict[frozenset, str] = field(default_factory=dict)


def _contained(replay: Callable, run_id: str, intervention: Intervention, timeout: float | None) -> tuple:
    """Run one replay; return (value, replayed steps, error). Never raises."""
    start = time.perf_counter()
    try:
        if timeout is None:
            result = replay(run_id, intervention)
        else:
            result = _within(replay, run_id, intervention, timeout)
            if result is _TIMED_OUT:
                return None, None, f"timed out after {timeout:g} s", time.perf_counter() - start
        return outcome_value(result), replayed_steps(result), None, time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a user's replay may fail in any way; it is recorded
        return None, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start


_TIMED_OUT = object()


def _within(replay: Callable, run_id: str, intervention: Intervention, timeout: float) -> Any:
    """``replay(run_id, intervention)``, or ``_TIMED_OUT`` when it runs past ``timeout`` seconds.

    A thread, not a process: the replay function need not be picklable. A replay that hangs is
    abandoned (a thread cannot be killed) while the others go on, so the thread is a daemon: a
    ThreadPoolExecutor's worker is joined at interpreter exit, and one hung replay kept the script
    or CLI that had given up on it from ever exiting."""
    box: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            box.append((True, replay(run_id, intervention)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, as a future's result() would
            box.append((False, exc))

    thread = threading.Thread(target=target, name=f"workbench-replay-{run_id}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not box:  # checked apart from the replay's own errors: a replay may itself raise TimeoutError
        return _TIMED_OUT
    ok, value = box[0]
    if not ok:
        raise value
    return value


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
    cache : dict, optional
        Shared across calls (and attributions of the same run) to never replay a coalition twice.
    """

    def __init__(
        self,
        replay: Callable,
        run_id: str,
        mode: str = "repair",
        unit: str = "agent",
        timeout: float | None = None,
        n_jobs: int = 1,
        cache: dict | None = None,
        progress: bool = False,
    ) -> None:
        self.replay = replay
        self.run_id = run_id
        self.mode = mode
        self.unit = unit
        self.timeout = timeout
        self.n_jobs = n_jobs
        self.cache: dict[Hashable, float] = cache if cache is not None else {}
        self.log = ReplayLog()
        # no bar object at all without progress: one per attributed run was measurable in batches
        self._bar = None
        if progress:
            from tqdm.auto import tqdm  # here: a worker process replaying batches never shows a bar

            self._bar = tqdm(desc=f"replays {run_id}", unit="replay")

    def _key(self, replaced: frozenset[str]) -> tuple:
        # nothing replaced is the same replay whether agents or steps are the units: one cache entry, so the
        # decisive-step search reads the agent game's replay of the recorded run instead of making it again
        return (self.run_id, self.unit if replaced else "", self.mode, replaced)

    def _intervention(self, replaced: frozenset[str]) -> Intervention:
        if self.unit == "agent":
            return Intervention(agents=replaced, mode=self.mode)  # type: ignore[arg-type]
        return Intervention(steps=replaced, mode=self.mode)  # type: ignore[arg-type]

    def values(self, replaced_sets: Sequence[frozenset[str]]) -> list[float]:
        """Success values of the run with each set of units replaced (1 success, 0 failure, NaN when
        the replay failed: see ``log.failed`` for why)."""
        todo = []
        seen = set()
        for replaced in replaced_sets:
            key = self._key(replaced)
            if key in self.cache or replaced in self.log.failed:
                self.log.cached += 1
            elif key not in seen:
                seen.add(key)
                todo.append(replaced)
        if todo:
            start = time.perf_counter()
            if self.n_jobs == 1 or len(todo) == 1:
                results = [
                    _contained(self.replay, self.run_id, self._intervention(r), self.timeout) for r in todo
                ]
            else:
                from joblib import Parallel, delayed  # only for replays in threads (n_jobs > 1)

                jobs = (
                    delayed(_contained)(self.replay, self.run_id, self._intervention(r), self.timeout)
                    for r in todo
                )
                results = Parallel(n_jobs=self.n_jobs, prefer="threads")(jobs)
            for replaced, (value, steps, error, _sec) in zip(todo, results, strict=True):
                self.log.replays += 1
                if steps is not None:
                    self.log.replayed_steps += steps
                if error is not None:
                    self.log.errors.append(f"replacing {sorted(replaced)}: {error}")
                    self.log.failed[replaced] = error
                    log.warning("replay of %s replacing %s failed: %s", self.run_id, sorted(replaced), error)
                    continue
                self.cache[self._key(replaced)] = float(value)
            self.log.seconds += time.perf_counter() - start
            if self._bar is not None:
                self._bar.update(len(todo))
        return [math.nan if r in self.log.failed else self.cache[self._key(r)] for r in replaced_sets]

    def value(self, replaced: frozenset[str]) -> float:
        """Success value of one replay."""
        if replaced not in self.log.failed:  # the games ask for each coalition again and again
            v = self.cache.get(self._key(replaced))
            if v is not None:
                self.log.cached += 1
                return v
        return self.values([replaced])[0]

    def close(self) -> None:
        """Close the progress bar."""
        if self._bar is not None:
            self._bar.close()


def kept_game(
    runner: ReplayRunner, players: Sequence[str], fill: float | None = None
) -> Callable[[Any], float]:
    """v(S) = success of the run with the players in S kept as recorded and the others replaced.

    A coalition whose replay failed is worth ``fill`` (a stand-in for an unknown outcome, used to
    bound the values); without ``fill`` it raises :class:`ReplayError`.
    """
    everyone = frozenset(players)

    def value(coalition: Any) -> float:
        replaced = everyone - frozenset(coalition)
        v = runner.value(replaced)
        if math.isnan(v):
            if fill is None:
                raise ReplayError(f"replacing {sorted(replaced)}: {runner.log.failed[replaced]}")
            return fill
        return v

    return value
