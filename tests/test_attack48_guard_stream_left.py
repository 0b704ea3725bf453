"""A guarded stream (``Guard.wrap`` of an async generator, ``_guard_streams._relaying``) ends its step "when the stream
ends, raises, or is closed". A consumer that stops with ``break`` (``async for chunk in stream: ... break``, the
usual way to stop reading a reply) does not close it: Python leaves an abandoned async generator to be finalized
later (the event loop's asyncgen hooks, at garbage collection or at ``shutdown_asyncgens``). The step then ends after
``guard.run`` has ended and forgotten the run (``end_run``): ``after_step`` on the forgotten run makes its state
again, and the guard remembers one run more for every such stream, for ever (``active_runs()``; a service guarding
every request grows without bound), with the step's latency running to the finalization. attack48's, mended by guard48."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from workbench import Guard, Policy


async def _tokens(prompt: str) -> AsyncIterator[str]:
    for token in ("a", "b", "c"):
        yield token


def test_a_stream_left_early_leaves_no_run_behind() -> None:
    guard = Guard(Policy())
    stream = guard.wrap("writer", kind="llm", tool="tokens")(_tokens)

    async def main() -> None:
        for i in range(3):
            with guard.run(f"r{i}"):
                async for _ in stream(prompt="p"):
                    break  # the consumer stops reading; it does not call aclose()

    asyncio.run(main())  # (its shutdown_asyncgens closes the three streams left open)
    assert guard.active_runs() == 0
