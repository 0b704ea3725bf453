"""``Guard.wrap`` guards an async tool over its await when ``inspect.iscoroutinefunction`` says so of the function or
of an object's ``__call__`` (params46, after attack46 A4). Tools whose call is awaited but that neither test tells:

- ``functools.partial`` of a tool object with an ``async def __call__`` (binding a tool's fixed arguments; the
  partial's ``__call__`` is not async and ``iscoroutinefunction`` unwraps a partial only down to a function);
- a plain function that returns the coroutine of an async one (``lambda **kw: tool.ainvoke(kw)``, a sync adapter);
- an async generator function (a streaming tool): its calls are iterated, not awaited.

Each is wrapped as a plain function: the step ends when the coroutine or generator is made, before any of the
call runs. Its latency is 0, so ``max_step_latency_ms`` never stops a call however long it takes, and its output is
the coroutine object. The guard's clock is a list moved by hand: no sleeps. attack47's strict xfails, made plain tests by mend47 (``workbench/_guard_wrap.py``)."""

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


def test_the_wrapped_tools_stay_what_frameworks_ask_inspect_about() -> None:
    """(mend47) Agent frameworks ask ``inspect`` whether to await or iterate a tool: the wrapper says the same."""
    import inspect

    guard = Guard(Policy())
    assert inspect.iscoroutinefunction(guard.wrap("pricer")(functools.partial(_PriceTool([0.0]), "EUR")))

    async def stream() -> AsyncIterator[int]:
        yield 1

    assert inspect.isasyncgenfunction(guard.wrap("pricer")(stream))


def test_a_stream_closed_early_ends_its_step_and_its_run_is_cut() -> None:
    """(mend47) A consumer that stops reading ends the stream's step there (not as an error): the two seconds it
    took are past the limit, so the run is cut and its next step refused."""
    now = [1_767_225_600.0]
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])

    @guard.wrap("pricer")
    async def stream_prices(sku: str) -> AsyncIterator[float]:
        for price in (4.2, 4.3, 4.4):
            now[0] += 1.0
            yield price

    async def main() -> float:
        with guard.run("r"):
            prices = stream_prices(sku="A")
            first = [await anext(prices), await anext(prices)]
            await prices.aclose()  # (the consumer stops after two prices)
            with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
                guard.before_step(None, "pricer", "llm")
            return first[-1]

    assert asyncio.run(main()) == 4.3
