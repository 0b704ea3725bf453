"""``Guard.wrap`` over a tool whose call is iterated: a sync generator function, a plain function returning a
generator, and an SDK's stream object (OpenAI's and Anthropic's ``Stream`` / ``AsyncStream``: an iterator holding
the HTTP ``response`` it reads, returned by ``create(stream=True)``). The step lasts until the iteration ends or is
closed; an exception raised while iterating is an error step. On main (cc8e98a1) the step ended when the generator
or stream was made: latency 0, output the generator object, and an error during iteration never an error step (a
failing call's retries went uncounted). The guard's clock is a list moved by hand: no sleeps."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

import workbench as wb
from workbench import Guard, Policy
from workbench.policy import Breakers, Budgets

T0 = 1_767_225_600.0


def _slow_guard(now: list[float]) -> Guard:
    return Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])


def test_a_generator_tool_is_one_step_over_its_iteration() -> None:
    now = [T0]
    guard = _slow_guard(now)

    @guard.wrap("searcher", tool="pages")
    def pages(query: str) -> Iterator[str]:
        for page in ("a", "b"):
            now[0] += 1.0  # each page takes a second on the guard's clock
            yield page

    assert inspect.isgeneratorfunction(pages)  # frameworks ask inspect whether to iterate a tool
    with guard.run("r"):
        it = pages(query="x")
        assert next(it) == "a"
        with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
            list(it)  # ended after two seconds: past the 500 ms limit


def test_a_plain_function_returning_a_generator_is_one_step_over_it() -> None:
    now = [T0]
    guard = _slow_guard(now)

    def _pages() -> Iterator[int]:
        now[0] += 2.0
        yield 1

    adapter = guard.wrap("searcher", tool="pages")(lambda: _pages())
    with guard.run("r"), pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        list(adapter())


def test_an_error_while_iterating_is_an_error_step() -> None:
    # max_retries 0: a call failing once may not be made again with the same arguments. The failure comes while
    # iterating; recorded on the step, the second call is a retry and refused
    guard = Guard(Policy(budgets=Budgets(max_retries=0)))

    @guard.wrap("searcher", tool="pages")
    def pages(query: str) -> Iterator[str]:
        yield "a"
        raise ConnectionError("reset by peer")

    with guard.run("r"):
        with pytest.raises(ConnectionError):
            list(pages(query="x"))
        with pytest.raises(wb.PolicyViolation, match="max_retries"):
            list(pages(query="x"))


def test_send_and_the_return_value_pass_through_and_an_early_close_ends_the_step() -> None:
    now = [T0]
    guard = _slow_guard(now)

    @guard.wrap("searcher")
    def echo() -> Any:
        got = yield "ready"
        now[0] += 1.0
        yield f"got {got}"
        now[0] += 1.0
        yield "never read"
        return "done"

    with guard.run("r"):
        it = echo()
        assert next(it) == "ready" and it.send(7) == "got 7"
        it.close()  # the consumer stops: the step ends here (1 s: past the limit), not in error
        with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
            guard.before_step(None, "searcher", "llm")

    quick = Guard(Policy())
    answer = quick.wrap("searcher")(echo.__wrapped__)
    with quick.run("q"):
        it = answer()
        next(it)
        it.send(1)
        next(it)
        with pytest.raises(StopIteration) as stop:
            next(it)
    assert stop.value.value == "done"


class _Response:
    """What an SDK stream holds: the HTTP response it reads (closed when the stream ends or is closed)."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class _Stream:
    """An SDK stream's shape (openai._streaming.Stream): ``response``, ``__next__`` / ``__iter__``, ``close``, used
    in a ``with`` block. Each chunk takes a second on the guard's clock."""

    def __init__(self, now: list[float], chunks: list[str], fail: bool = False) -> None:
        self.response = _Response()
        self._iterator = self._stream(now, chunks, fail)

    def _stream(self, now: list[float], chunks: list[str], fail: bool) -> Iterator[str]:
        for chunk in chunks:
            now[0] += 1.0
            yield chunk
        if fail:
            raise ConnectionError("stream cut")

    def __next__(self) -> str:
        return self._iterator.__next__()

    def __iter__(self) -> Iterator[str]:
        yield from self._iterator

    def __enter__(self) -> _Stream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.response.close()


class _AsyncStream:
    """openai._streaming.AsyncStream's shape: ``response``, ``__anext__`` / ``__aiter__``, ``await close()``."""

    def __init__(self, now: list[float], chunks: list[str]) -> None:
        self.response = _Response()
        self._now, self._chunks = now, list(chunks)

    async def __anext__(self) -> str:
        if not self._chunks:
            raise StopAsyncIteration
        self._now[0] += 1.0
        return self._chunks.pop(0)

    def __aiter__(self) -> _AsyncStream:
        return self

    async def close(self) -> None:
        self.response.close()


def test_an_sdk_stream_is_one_step_over_its_chunks() -> None:
    now = [T0]
    guard = _slow_guard(now)
    create = guard.wrap("writer", kind="llm")(lambda prompt: _Stream(now, ["Hel", "lo"]))
    with guard.run("r"):
        stream = create(prompt="hi")
        assert isinstance(stream.response, _Response)  # the stream's own attributes stay reachable
        with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
            "".join(stream)


def test_an_sdk_stream_closed_by_its_with_block_ends_its_step_and_an_error_is_an_error_step() -> None:
    now = [T0]
    guard = _slow_guard(now)
    create = guard.wrap("writer", kind="llm")(lambda prompt: _Stream(now, ["a", "b", "c"]))
    with guard.run("r"):
        with create(prompt="hi") as stream:
            next(stream)
            next(stream)  # two seconds, then the block leaves: the step ends (past the limit)
        assert stream.response.closed
        with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
            guard.before_step(None, "writer", "llm")

    strict = Guard(Policy(budgets=Budgets(max_retries=0)))
    failing = strict.wrap("writer", tool="fetch")(lambda url: _Stream([T0], ["a"], fail=True))
    with strict.run("s"):
        with pytest.raises(ConnectionError):
            list(failing(url="u"))
        with pytest.raises(wb.PolicyViolation, match="max_retries"):
            failing(url="u")


def test_an_awaited_async_sdk_stream_is_one_step_over_its_chunks() -> None:
    # `await client.chat.completions.create(stream=True)` gives an AsyncStream: the step goes on while it is read
    now = [T0]
    guard = _slow_guard(now)

    @guard.wrap("writer", kind="llm")
    async def create(prompt: str) -> _AsyncStream:
        return _AsyncStream(now, ["Hel", "lo"])

    async def main() -> str:
        with guard.run("r"):
            return "".join([chunk async for chunk in await create(prompt="hi")])

    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        asyncio.run(main())
