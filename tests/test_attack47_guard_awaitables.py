"""``Guard.wrap`` guards an async tool over its await when ``inspect.iscoroutinefunction`` says so of the function or
of an object's ``__call__`` (params46, after attack46 A4). Tools whose call is awaited but that neither test tells:

- ``functools.partial`` of a tool object with an ``async def __call__`` (binding a tool's fixed arguments; the
  partial's ``__call__`` is not async and ``iscoroutinefunction`` unwraps a partial only down to a function);
- a plain function that returns the coroutine of an async one (``lambda **kw: tool.ainvoke(kw)``, a sync adapter);
- an async generator function (a streaming tool): its calls are iterated, not awaited.

Each is wrapped as a plain function: the step ends when the coroutine or generator is made, before any of the
call runs. Its latency is 0, so ``max_step_latency_ms`` never stops a call however long it takes, and its output is
the coroutine object. The guard's clock is a list moved by hand: no sleeps. attack47's strict xfails."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import workbench as wb
from workbench import Guard, Policy
from workbench.policy import Breakers


class _PriceTool:
    def __init__(self, now: list[float]) -> None:
        self.now = now

    async def __call__(self, currency: str, sku: str) -> float:
        self.now[0] += 2.0  # the awaited call takes two seconds on the guard's clock
        return 4.2


async def _price(now: list[float], sku: str) -> float:
    now[0] += 2.0
    return 4.2


_MAKERS: dict[str, Callable[[list[float]], Any]] = {
    "partial_of_async_object": lambda now: functools.partial(_PriceTool(now), "EUR"),
    "sync_adapter_of_async": lambda now: lambda sku: _price(now, sku),
}


@pytest.mark.xfail(
    strict=True,
    reason="attack47: Guard.wrap (guard.py) takes a partial of an async tool object, or a function returning a "
    "coroutine, for a sync tool: the step ends before the await (latency 0, max_step_latency_ms never applies)",
)
@pytest.mark.parametrize("made", sorted(_MAKERS))
def test_an_awaited_tool_call_is_one_step_over_its_await(made: str) -> None:
    now = [1_767_225_600.0]
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])
    get_price = guard.wrap("pricer", tool="get_price")(_MAKERS[made](now))

    async def main() -> float:
        with guard.run("r"):
            return await get_price(sku="A")

    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        asyncio.run(main())


@pytest.mark.xfail(
    strict=True,
    reason="attack47: Guard.wrap (guard.py) of an async generator (a streaming tool) ends the step when the "
    "generator is made: latency 0 however long the stream takes",
)
def test_a_streaming_tool_is_one_step_over_its_stream() -> None:
    now = [1_767_225_600.0]
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])

    @guard.wrap("pricer", tool="stream_prices")
    async def stream_prices(sku: str) -> AsyncIterator[float]:
        now[0] += 2.0
        yield 4.2

    async def main() -> list[float]:
        with guard.run("r"):
            return [price async for price in stream_prices(sku="A")]

    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        asyncio.run(main())
