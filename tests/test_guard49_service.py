"""guard49: the runtime guard as a service runs it: tools handing back futures, many runs at once.

A guarded call returning a ``concurrent.futures.Future`` (``executor.submit``) or any future with a done callback
(dask's, grpc's) gets the same future back, its step ended when the future is done, wherever that is: at the call,
the step took 0 ms, said the future, and its exception was never an error step (main ``1aa0c9e9``).
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest

from workbench import Guard, Policy, PolicyViolation
from workbench.policy import Breakers, Budgets, HitlRule

T0 = 1_767_225_600.0


def test_a_concurrent_future_ends_its_step_when_done() -> None:
    # the work takes 2 s after the call returned: its step is 2 s (past the 1.5 s HITL rule), its output the result
    now = [T0]
    seen: list[tuple[str, float]] = []
    guard = Guard(
        Policy(hitl=(HitlRule("latency_ms", 1500.0),)),
        on_escalate=lambda e: seen.append((e.run_id, e.value)),
        clock=lambda: now[0],
    )
    made: list[concurrent.futures.Future[float]] = []
    start = guard.wrap("pricer", tool="start")(lambda: made.append(concurrent.futures.Future()) or made[-1])

    with guard.run("r"):
        future = start()
        assert future is made[0] and not future.done()  # (the same future, its work still going)
        assert seen == []
    now[0] += 2.0
    future.set_result(4.2)  # (done after its run ended: recorded in that run, not a run made again)
    assert seen == [("r", 2000.0)]
    assert future.result() == 4.2 and guard.active_runs() == 0


def test_a_failed_or_cancelled_future_is_an_error_step() -> None:
    # no retry allowed: a future that raised (or was cancelled) is a failed call, so the same call again is a retry
    guard = Guard(Policy(budgets=Budgets(max_retries=0)))
    start = guard.wrap("pricer", tool="start")(lambda: concurrent.futures.Future())
    with guard.run("r"):
        start().set_exception(TimeoutError("upstream"))
        with pytest.raises(PolicyViolation, match="max_retries"):
            start()
    with guard.run("c"):
        assert start().cancel()
        with pytest.raises(PolicyViolation, match="max_retries"):
            start()


class _DaskLike:
    """A future that can also be awaited (dask's ``distributed.Future``): a sync caller gets it back as it is."""

    def __init__(self) -> None:
        self._done: list[Any] = []
        self._callbacks: list[Any] = []

    def done(self) -> bool:
        return bool(self._done)

    def result(self) -> Any:
        return self._done[0]

    def exception(self) -> BaseException | None:
        return None

    def add_done_callback(self, fn: Any) -> None:
        self._callbacks.append(fn)

    def finish(self, value: Any) -> None:
        self._done.append(value)
        for fn in self._callbacks:
            fn(self)

    def __await__(self) -> Any:
        yield from ()
        return self.result()


def test_an_awaitable_future_given_to_a_sync_caller_is_that_future() -> None:
    # it came back a coroutine of the guard's (no .result() for a sync caller), its step ended only if awaited
    now = [T0]
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=1000.0)), clock=lambda: now[0])
    submit = guard.wrap("pricer", tool="submit")(_DaskLike)
    with guard.run("r"):
        future = submit()
        assert isinstance(future, _DaskLike)
        now[0] += 2.0
        future.finish(7)  # (2 s: past the step limit; no caller to raise to, the run is cut)
        with pytest.raises(PolicyViolation, match="max_step_latency_ms"):
            submit()
    assert future.result() == 7


def test_a_future_done_at_the_call_raises_its_limit_to_the_caller() -> None:
    now = [T0]
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=1000.0)), clock=lambda: now[0])

    def slow_cached() -> concurrent.futures.Future[int]:
        now[0] += 2.0
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        future.set_result(1)
        return future

    with guard.run("r"), pytest.raises(PolicyViolation, match="max_step_latency_ms is 2000"):
        guard.wrap("pricer", tool="cached")(slow_cached)()
