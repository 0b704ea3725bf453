"""guard49: the runtime guard as a service runs it: tools handing back futures, many runs at once.

A guarded call returning a ``concurrent.futures.Future`` (``executor.submit``) or any future with a done callback
(dask's, grpc's) gets the same future back, its step ended when the future is done, wherever that is: at the call,
the step took 0 ms, said the future, and its exception was never an error step (main ``1aa0c9e9``).

Many runs at once, in threads and asyncio tasks: each keeps its own steps and budget, exactly; a step begun or
ended in another thread just as its run ends no longer makes the run again (remembered for ever: main, with a
stream read in another thread); runs pushed past ``max_runs`` while still going keep their counts (every budget
started over: main); and 10,000 short runs leave nothing behind.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import contextvars
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from workbench import Guard, InvalidParameterError, Policy, PolicyViolation
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


class _HeldLock:
    """The guard's lock, held up in one thread (``worker``) at its first use until ``ended`` is set: the moment
    between a step's end reading whether its run ended and the guard looking the run up, made to last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.worker: threading.Thread | None = None
        self.at_lock, self.ended = threading.Event(), threading.Event()

    def __enter__(self) -> bool:
        if threading.current_thread() is self.worker and not self.at_lock.is_set():
            self.at_lock.set()
            self.ended.wait(10)
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._lock.__exit__(*exc)


def _pages(n: int) -> Iterator[int]:
    yield from range(n)


@pytest.mark.parametrize("work", ["future", "stream"])
def test_a_step_in_another_thread_as_its_run_ends_leaves_no_run(work: str) -> None:
    # another thread ends a step (a pool's thread its future) or begins one (a server's thread pool reading a
    # streamed response) while the caller's thread leaves `with guard.run`: the run was made again (asked whether
    # it had ended outside the guard's lock, then looked up by its id) and remembered for ever. The stream fails
    # on main 1aa0c9e9; the future, whose step ended at its call there, on this branch before guard.py's mend
    guard = Guard(Policy())
    lock = guard._lock = _HeldLock()  # type: ignore[assignment]
    start = guard.wrap("pricer", tool="start")(lambda: concurrent.futures.Future())
    pages = guard.wrap("pager", tool="pages")(_pages)
    with guard.run("r"):
        if work == "future":
            worker = threading.Thread(target=start().set_result, args=(4.2,))
        else:
            worker = threading.Thread(target=list, args=(pages(3),))
        lock.worker = worker
        worker.start()
        assert lock.at_lock.wait(10)  # (the step is on its way to the guard's lock)
    lock.ended.set()
    worker.join(10)
    assert guard.active_runs() == 0


def test_many_runs_at_once_in_threads_and_tasks_each_keep_their_own() -> None:
    # a service: 12 threads and 40 asyncio tasks, each its own run, their steps interleaved (a barrier, an await in
    # every call), some ending in a pool's threads; one run served by 6 threads at once. Each run's tools run
    # exactly its budget's times, every cut names its own run, and no run is left remembered; nor after 10,000
    # short runs. (A step begun before its run was cut and ending after raises the cut too: counted by the tool
    # bodies that ran, not by the calls that returned.)
    n = 5
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=n)))
    ran: list[str] = []  # (the run of each tool body run: list.append is atomic across threads)
    price = guard.wrap("pricer", tool="price")(lambda run, k: ran.append(run))
    pool = concurrent.futures.ThreadPoolExecutor(2)
    submit = guard.wrap("pricer", tool="submit")(lambda run, k: pool.submit(ran.append, run))

    @guard.wrap("fetcher", tool="fetch")
    async def fetch(run: str, k: int) -> None:
        await asyncio.sleep(0)  # (the other tasks' steps run here)
        ran.append(run)

    strays: list[tuple[str, str | None]] = []

    def call(run: str, tool: Any, k: int) -> None:
        try:
            tool(run, k)
        except PolicyViolation as cut:
            if cut.run_id != run:
                strays.append((run, cut.run_id))

    start = threading.Barrier(12 + 6)

    def own_run(i: int) -> None:
        with guard.run(f"t{i}"):
            start.wait(10)
            for k in range(n + 2):
                call(f"t{i}", submit if k % 2 else price, k)

    ending = threading.Barrier(6)

    def shared_run() -> None:
        with guard.run("shared"):
            ending.wait(10)  # (all six in the run before any leaves it)
            start.wait(10)
            for k in range(3):
                call("shared", price, k)
            ending.wait(10)

    async def task_run(i: int) -> None:
        run = f"a{i}"
        with guard.run(run):
            for k in range(n - 3):
                await fetch(run, k)
            # tasks made in the run (gather copies the run's context), and two calls made in it, awaited after it
            await asyncio.gather(fetch(run, 10), fetch(run, 11))
            late, later = fetch(run, 20), fetch(run, 21)
        await late  # (its budget's last call: while the other tasks are in their runs)
        with pytest.raises(PolicyViolation) as cut:
            await later
        assert cut.value.run_id == run

    async def tasks() -> None:
        await asyncio.gather(*(task_run(i) for i in range(40)))

    threads = [threading.Thread(target=own_run, args=(i,)) for i in range(12)]
    threads += [threading.Thread(target=shared_run) for _ in range(6)]
    for thread in threads:
        thread.start()
    asyncio.run(tasks())
    for thread in threads:
        thread.join(30)
    pool.shutdown(wait=True)  # (the futures' steps end in the pool's threads)

    assert strays == []
    assert collections.Counter(ran) == {
        **{f"t{i}": n for i in range(12)},
        **{f"a{i}": n for i in range(40)},
        "shared": n,
    }
    assert guard.active_runs() == 0

    # 10,000 short runs, each a call and a future done after its run, or every tenth cut: nothing kept per run
    look = guard.wrap("pricer", tool="look")(lambda run, k: None)
    started = guard.wrap("pricer", tool="start")(lambda: concurrent.futures.Future())

    def short(i: int) -> None:
        with guard.run(f"s{i}"):
            look("s", 0)
            if i % 10 == 0:
                for k in range(n):
                    call(f"s{i}", look, k)
                return
            future = started()
        future.set_result(
            i
        )  # (a cut run's future would end in a logged warning: the log kept, not the guard)

    for i in range(4_000):  # (bounded caches filled: the tool call keys' 1,024)
        short(i)
    blocks = sys.getallocatedblocks()
    for i in range(4_000, 10_000):
        short(i)
    grown = sys.getallocatedblocks() - blocks
    assert grown < 2_000, f"{grown} memory blocks more after 6,000 more runs"
    assert guard.active_runs() == 0 and not guard._cuts and strays == []


def test_a_tool_in_a_thread_pool_finds_its_run_when_its_context_goes_along() -> None:
    # (README: Python's context variables stay in their thread unless copied; the guard's current run is one)
    guard = Guard(Policy())
    price = guard.wrap("pricer", tool="price")(lambda sku: 4.2)
    with concurrent.futures.ThreadPoolExecutor(1) as pool, guard.run("r"):
        assert pool.submit(contextvars.copy_context().run, price, "A").result() == 4.2
        with pytest.raises(InvalidParameterError, match="no run"):
            pool.submit(price, "A").result()
    assert guard.active_runs() == 0


def test_a_call_made_in_no_run_and_awaited_in_a_task_of_an_ended_run_keeps_to_that_run() -> None:
    # made outside any run, awaited in a task made in run r that runs after r ended: a step of r as it stood (the
    # run is the await's, as before guard49), not a run r made again and remembered
    guard = Guard(Policy())

    @guard.wrap("pricer", tool="price")
    async def price(sku: str) -> float:
        return 4.2

    async def main() -> float:
        unmade = price("A")
        with guard.run("r"):
            task = asyncio.ensure_future(_awaited(unmade))
        return await task

    assert asyncio.run(main()) == 4.2
    assert guard.active_runs() == 0


async def _awaited(call: Any) -> Any:
    return await call


def test_more_runs_at_once_than_max_runs_keep_their_budgets() -> None:
    # 8 requests at once through a guard remembering 4 runs: each run, forgotten while still going, was made again
    # at its next step with its counts at 0, and every one of its 5 calls ran past its budget of 3 (failing open)
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=3)), max_runs=4)
    ran: list[str] = []

    @guard.wrap("fetcher", tool="fetch")
    async def fetch(run: str, k: int) -> None:
        await asyncio.sleep(0)  # (the other seven runs' steps run here)
        ran.append(run)

    async def request(run: str) -> None:
        with guard.run(run):
            for k in range(5):
                with contextlib.suppress(PolicyViolation):
                    await fetch(run, k)

    async def main() -> None:
        await asyncio.gather(*(request(f"a{i}") for i in range(8)))

    asyncio.run(main())
    assert collections.Counter(ran) == {f"a{i}": 3 for i in range(8)}
    assert guard.active_runs() == 0


def test_a_run_forgotten_past_max_runs_and_read_after_it_ended_is_not_remembered() -> None:
    # run A, forgotten while run B went on inside it, ended; its stream read after that took A back for ever
    guard = Guard(Policy(), max_runs=1)
    tokens = guard.wrap("writer", tool="tokens")(_tokens)
    price = guard.wrap("pricer", tool="price")(lambda sku: 4.2)
    with guard.run("A"):
        later = tokens("p")
        with guard.run("B"):
            price("x")
    assert list(later) == ["a", "b"] and guard.active_runs() == 0


def _tokens(prompt: str) -> Iterator[str]:
    yield from ("a", "b")
