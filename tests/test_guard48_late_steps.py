"""guard48: steps that end (or begin) after ``with guard.run(...)`` ended their run, and tools returning a task.

A guarded stream is decided on in the run it was made in, whenever it is read (``_guard_wrap._ToolInRun``): a
stream read after its run counts in that run's budgets, never in a later run of the same id, and leaves no run
remembered (``StepScope`` records a step whose run ended against that run's state). A tool returning an asyncio
``Task`` hands the task back (``_future_in_step``), its step ended when the task is done. The async-generator and
task tests fail on main ``cc8e98a1`` ('no run', a new run of the same id cut, a coroutine handed back); the sync
generator, method and inspect tests guard what ux48's generator wrapper (lead48) and a function's binding did. The
last (a bare coroutine made in a run and awaited after it, 'no run' on main ``1aa0c9e9``) was guard48's strict xfail,
mended by guard49 (an async tool decides its run at the call too).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Iterator

import pytest

from workbench import Guard, Policy, PolicyViolation
from workbench.policy import Budgets, HitlRule


async def _tokens(prompt: str) -> AsyncIterator[str]:
    for token in ("a", "b"):
        yield token


def test_a_stream_read_after_its_run_counts_in_that_run() -> None:
    # one tool call allowed per run: the run's first call, then a stream made in it and read after it is the second
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))
    price = guard.wrap("pricer", tool="price")(lambda sku: 4.2)
    stream = guard.wrap("writer", tool="tokens")(_tokens)

    async def main() -> None:
        with guard.run("req1"):
            price("A")
            later = stream("p")
        with pytest.raises(PolicyViolation, match="run 'req1'.*max_tool_calls_run is 2, the limit is 1"):
            [token async for token in later]

    asyncio.run(main())
    assert guard.active_runs() == 0


def test_a_late_stream_is_not_counted_in_a_new_run_of_the_same_id() -> None:
    # a service reusing run ids: the old run's stream, read during the new run, is the old run's one call
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))
    price = guard.wrap("pricer", tool="price")(lambda sku: 4.2)
    stream = guard.wrap("writer", tool="tokens")(_tokens)

    async def main() -> list[str]:
        with guard.run("r"):
            old = stream("p")
        with guard.run("r"):
            price("A")  # the new run's one call
            return [token async for token in old]

    assert asyncio.run(main()) == ["a", "b"]
    assert guard.active_runs() == 0


def test_a_sync_generator_made_in_a_run_streams_after_it() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=5)))

    @guard.wrap("pager", tool="pages")
    def pages(n: int) -> Iterator[int]:
        yield from range(n)

    with guard.run("r"):
        later = pages(3)  # (a StreamingResponse over a sync generator: read by the server after the handler)
    assert list(later) == [0, 1, 2]
    assert guard.active_runs() == 0


def test_a_guarded_stream_method_binds_and_says_what_it_is() -> None:
    guard = Guard(Policy())

    class Writer:
        prefix = ">"

        @guard.wrap("writer", kind="llm")
        async def reply(self, prompt: str) -> AsyncIterator[str]:
            yield self.prefix + prompt

    async def main() -> list[str]:
        with guard.run("r"):
            return [chunk async for chunk in Writer().reply("hi")]

    assert asyncio.run(main()) == [">hi"]
    assert inspect.isasyncgenfunction(Writer.reply) and inspect.isasyncgenfunction(Writer().reply)
    assert list(inspect.signature(Writer().reply).parameters) == ["prompt"]
    assert inspect.isasyncgenfunction(guard.wrap("w")(functools.partial(_tokens, "p")))


def test_a_task_a_tool_starts_ends_its_step_when_done() -> None:
    # fire and forget: the caller never awaits the task; its step ends when it is done, with the task's time
    now = [1_767_225_600.0]
    seen: list[tuple[str, float]] = []
    guard = Guard(
        Policy(hitl=(HitlRule("latency_ms", 1500.0),)),
        on_escalate=lambda e: seen.append((e.run_id, e.value)),
        clock=lambda: now[0],
    )

    async def fetch() -> float:
        now[0] += 2.0
        return 4.2

    start = guard.wrap("pricer", tool="start")(lambda: asyncio.ensure_future(fetch()))

    async def main() -> None:
        with guard.run("r"):
            task = start()
            task.add_done_callback(lambda t: None)
        await asyncio.sleep(0)  # (the task runs, then its done callbacks)
        await asyncio.sleep(0)

    asyncio.run(main())
    assert seen == [("r", 2000.0)]
    assert guard.active_runs() == 0


def test_a_cancelled_task_is_an_error_step_and_the_caller_can_cancel_it() -> None:
    # no retry allowed: the cancelled task's step is an error, so the same call again is a retry, and cut
    guard = Guard(Policy(budgets=Budgets(max_retries=0)))

    async def never() -> None:
        await asyncio.Event().wait()

    start = guard.wrap("pricer", tool="start")(lambda: asyncio.ensure_future(never()))

    async def main() -> None:
        with guard.run("r"):
            task = start()
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0)  # (its done callbacks)
            with pytest.raises(PolicyViolation, match="max_retries"):
                start()

    asyncio.run(main())


def test_a_task_made_in_a_run_and_run_after_it_counts_in_that_run() -> None:
    # asyncio.ensure_future in the run: the task copies the run, and runs once `with guard.run` has ended it
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))

    @guard.wrap("pricer", tool="price")
    async def price(sku: str) -> float:
        return 4.2

    async def main() -> None:
        with guard.run("r"):
            price_now = asyncio.ensure_future(price("A"))
            stream_later = asyncio.ensure_future(_read(guard.wrap("writer", tool="tokens")(_tokens)))
        assert await price_now == 4.2
        with pytest.raises(PolicyViolation, match="run 'r'.*max_tool_calls_run is 2"):
            await stream_later

    asyncio.run(main())
    assert guard.active_runs() == 0


async def _read(stream) -> list[str]:  # noqa: ANN001
    return [token async for token in stream("p")]


def test_a_coroutine_made_in_a_run_and_awaited_after_it_is_a_step_of_that_run() -> None:
    # one call allowed per run: a coroutine made in the run and awaited after it is that run's second call, cut there
    # (not a step of no run: 'no run' on main)
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))

    @guard.wrap("pricer", tool="price")
    async def price(sku: str) -> float:
        return 4.2

    async def main() -> None:
        with guard.run("r"):
            early = price("A")
            late = price("B")
            assert await early == 4.2
        with pytest.raises(PolicyViolation, match="run 'r'.*max_tool_calls_run is 2, the limit is 1"):
            await late
        with guard.run("r"):
            assert await price("C") == 4.2  # a new run of the same id: the late call was not counted in it
        unmade = price("D")  # made in no run: its run is the one it is awaited in
        with guard.run("q"):
            assert await unmade == 4.2

    asyncio.run(main())
    assert guard.active_runs() == 0
