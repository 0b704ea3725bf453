"""``Guard.wrap`` of a plain function looks at what the call returned: anything with ``__await__`` is taken for a
call still to be made, and the wrapper hands back a coroutine of its own that awaits it (``_guard_wrap.py``,
``_await_in_step``). A tool that starts work and returns its ``asyncio.Task`` (or a ``Future``) gives its caller a
coroutine instead: ``add_done_callback``, ``cancel``, ``done`` are gone, and a task started to run on its own (never
awaited by the caller) leaves its step open and a "coroutine was never awaited" warning. attack48's, mended by guard48."""

from __future__ import annotations

import asyncio

from workbench import Guard, Policy


async def _fetch(sku: str) -> float:
    return 4.2


def _start(sku: str) -> asyncio.Task:
    return asyncio.ensure_future(_fetch(sku))


def test_a_wrapped_tool_returning_a_task_still_returns_a_task() -> None:
    guard = Guard(Policy())
    start = guard.wrap("pricer", tool="start")(_start)

    async def main() -> tuple[str, float]:
        with guard.run("r"):
            task = start("A")
            return type(task).__name__, await task  # (awaited before the check: nothing left pending)

    kind, price = asyncio.run(main())
    assert price == 4.2
    assert kind in ("Task", "Future")
