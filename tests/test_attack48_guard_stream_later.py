"""A guarded stream iterated after the ``with guard.run(...)`` block it was made in: a streaming HTTP response (the
handler returns the generator, the server iterates it once the handler returned), a generator handed to a caller.
Unguarded, the tool streams. Guarded (``_guard_streams._relaying``), an async generator function's step begins at the
stream's first item, not at the call, and reads the current run then: there is none, and the first ``__anext__``
raises ``InvalidParameterError: run_id: no run`` — adding the guard breaks the endpoint. (A sync adapter returning
the stream begins its step at the call, in the run; it ends after ``guard.run`` forgot the run, whose state
``after_step`` then makes again and keeps: ``active_runs()`` 1.) attack48's, mended by guard48 (``_guard_wrap._GeneratorTool``, ``StepScope``'s ended run)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from workbench import Guard, Policy


async def _tokens(prompt: str) -> AsyncIterator[str]:
    for token in ("a", "b"):
        yield token


def _adapter(prompt: str) -> AsyncIterator[str]:
    return _tokens(prompt)


def _streamed_after_its_run(tool) -> tuple[list[str], Guard]:  # noqa: ANN001
    guard = Guard(Policy())
    stream = guard.wrap("writer", kind="llm", tool="tokens")(tool)

    async def handler() -> AsyncIterator[str]:
        with guard.run("req1"):
            return stream(prompt="p")  # (iterated by the server once the handler returned)

    async def main() -> list[str]:
        return [token async for token in await handler()]

    return asyncio.run(main()), guard


def test_a_guarded_stream_made_in_a_run_streams_after_it() -> None:
    tokens, _ = _streamed_after_its_run(_tokens)
    assert tokens == ["a", "b"]


def test_a_stream_ending_after_its_run_leaves_no_run_behind() -> None:
    tokens, guard = _streamed_after_its_run(_adapter)
    assert tokens == ["a", "b"]
    assert guard.active_runs() == 0
