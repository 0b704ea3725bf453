"""The guard around a call that does not end normally, and around async tools that are not ``async def`` functions
(claims45 made ``Guard.wrap`` of an ``async def`` guard the awaited call).

- ``StepScope.__exit__`` (``guard.py``) records a block that raised *anything* as an error step and lets
  ``after_step`` raise a :class:`PolicyViolation` from the exit: for a cancelled task (``asyncio.wait_for``'s
  timeout, ``task.cancel()`` at shutdown) or a ``KeyboardInterrupt`` the violation replaces the
  ``CancelledError`` / interrupt, and a slow call, the very one a timeout or a Ctrl-C stops, is the one that
  breaches the latency limit. The task is then not cancelled (``task.cancelled()`` False), ``wait_for`` raises no
  ``TimeoutError``, and an agent loop that catches ``PolicyViolation`` (the guard's own way to stop a run) carries
  on past the user's interrupt.
- ``Guard.wrap`` tells an async tool by ``inspect.iscoroutinefunction``: a tool object with an ``async def
  __call__`` (a common way to write tools with state) is wrapped as a plain function, its step ending when the
  coroutine is made: latency 0, every latency limit passed (and without ``tool=`` it fails with a bare
  ``AttributeError: '__name__'``).

attack46's strict xfails, fixed by params46 (``StepScope.__exit__`` raises no violation over a ``BaseException``
that is no ``Exception``; ``wrap`` reads an object's ``__call__``); the guard's clock is a list moved by hand: no sleeps."""

from __future__ import annotations

import asyncio

import pytest

import workbench as wb
from workbench import Guard, Policy
from workbench.policy import Breakers


def _guard(now: list[float]) -> Guard:
    return Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])


def test_a_cancelled_guarded_async_call_stays_cancelled() -> None:
    now = [1_767_225_600.0]
    guard = _guard(now)
    never = asyncio.Event()

    @guard.wrap("pricer")
    async def get_price(sku: str) -> float:
        await never.wait()  # a call that hangs: the caller gives up on it
        return 4.2

    async def main() -> asyncio.Task:
        with guard.run("r"):
            task = asyncio.ensure_future(get_price(sku="A"))
            await asyncio.sleep(0)  # (the call starts: its step is open)
            now[0] += 2.0  # two seconds on the guard's clock, then the caller cancels it
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return task

    task = asyncio.run(main())
    assert task.cancelled(), f"the task ended with {task.exception()!r}, not cancelled"


def test_an_interrupted_guarded_step_raises_the_interrupt() -> None:
    now = [1_767_225_600.0]
    guard = _guard(now)
    with pytest.raises(KeyboardInterrupt), guard.step("r", "pricer", "tool", tool="get_price"):
        now[0] += 2.0
        raise KeyboardInterrupt


class _PriceTool:
    """A tool object whose call is async (its state: the clock it moves)."""

    def __init__(self, now: list[float]) -> None:
        self.now = now

    async def __call__(self, sku: str) -> float:
        self.now[0] += 2.0  # the awaited call takes two seconds
        return 4.2


def test_wrap_guards_an_async_tool_object_over_its_await() -> None:
    now = [1_767_225_600.0]
    guard = _guard(now)
    get_price = guard.wrap("pricer", tool="get_price")(_PriceTool(now))

    async def main() -> None:
        with guard.run("r"):
            await get_price(sku="A")

    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        asyncio.run(main())
