"""The streams of ``Guard.wrap``'s steps: a guarded step that lasts until a generator, an async generator or an
SDK's HTTP stream object (OpenAI's / Anthropic's ``Stream``, ``AsyncStream``) runs out, raises or is closed, its
output the items it yielded (at most :data:`MAX_STREAM_ITEMS`).

Apart from :mod:`._guard_wrap` (which decides, per call, whether a result ends the step now, is awaited, handed
back as a future or iterated) so that each module holds one job: this one passes a stream's items on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from .exceptions import PolicyViolation

if TYPE_CHECKING:
    from .guard import StepScope

_log = logging.getLogger("workbench.guard")

# Items of a stream kept as its step's output (for the loop and repeated-reply rules), at most: a stream that
# never ends (an event feed) must not hold the guard's memory without bound. Past it, the output is the first ones.
MAX_STREAM_ITEMS = 4096


def _relaying(begin: Callable[..., tuple[StepScope, Any]]) -> Callable[..., AsyncIterator[Any]]:
    """An async generator function (a new one each time: ``functools.wraps`` names it) whose calls begin a step and
    its stream with ``begin`` and pass the stream on: the stream's items out, what the caller sends or throws in."""

    async def relay(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """Pass a stream's items on (and what the caller sends or throws in), then end the step entered for it: when the
        stream ends, raises, or is closed (a consumer that stops early). The step's output is what the stream yielded:
        its text when every item is text (an LLM's streamed reply), else the list of them."""
        scope, stream = begin(*args, **kwargs)
        items: list[Any] = []
        sent: Any = None
        thrown: BaseException | None = None
        try:
            while True:
                try:
                    item = await (stream.asend(sent) if thrown is None else stream.athrow(thrown))
                except StopAsyncIteration:
                    break
                thrown = sent = None
                if len(items) < MAX_STREAM_ITEMS:
                    items.append(item)
                try:
                    sent = yield item
                except GeneratorExit:
                    raise
                except BaseException as exc:  # (thrown in by the caller: the stream's to handle)
                    thrown = exc
        except GeneratorExit:
            # closed before its end (the consumer stopped): the step ends here, not in error
            await stream.aclose()
            _closed(scope, items)
            raise
        except BaseException as exc:
            _ended(scope, items, exc)
            raise
        _ended(scope, items)

    return relay


# a stream a plain function returned, its step already begun
_relay = _relaying(lambda scope, stream: (scope, stream))


def _iterating(begin: Callable[..., tuple[StepScope, Any]]) -> Callable[..., Iterator[Any]]:
    """A generator function (sync; as :func:`_relaying` is for async generators) whose calls begin a step and its
    generator with ``begin`` and pass the generator on: its items out, what the caller sends or throws in, its
    return value back. The step ends when the generator ends (an error step when it raised) or is closed. Ended
    when the generator was made, the step's latency was 0 and its output the generator object; an exception raised
    while iterating was never an error step (a failing call's retries went uncounted)."""

    def iterate(*args: Any, **kwargs: Any) -> Iterator[Any]:
        scope, gen = begin(*args, **kwargs)
        items: list[Any] = []
        sent: Any = None
        thrown: BaseException | None = None
        try:
            while True:
                try:
                    item = gen.send(sent) if thrown is None else gen.throw(thrown)
                except StopIteration as stop:
                    returned = stop.value
                    break
                thrown = sent = None
                if len(items) < MAX_STREAM_ITEMS:
                    items.append(item)
                try:
                    sent = yield item
                except GeneratorExit:
                    raise
                except BaseException as exc:  # (thrown in by the caller: the generator's to handle)
                    thrown = exc
        except GeneratorExit:
            gen.close()
            _closed(scope, items)
            raise
        except BaseException as exc:
            _ended(scope, items, exc)
            raise
        _ended(scope, items)
        return returned

    return iterate


# a generator a plain function returned, its step already begun
_iterate = _iterating(lambda scope, gen: (scope, gen))


def _ended(scope: StepScope, items: list[Any], exc: BaseException | None = None) -> None:
    """End the step of a stream that ran out (``exc`` None) or raised ``exc`` (an error step), its output what it
    yielded. (The relaying loops themselves stay two, one sync and one async: a generator's ``yield`` cannot be
    shared between the two kinds.)"""
    scope.output = _said(items)
    scope.__exit__(None if exc is None else type(exc), exc, None if exc is None else exc.__traceback__)


def _closed(scope: StepScope, items: list[Any]) -> None:
    """End the step of a stream closed before its end (the consumer stopped): not an error; a limit broken then is
    logged, not raised (the run is cut all the same: its next step raises)."""
    scope.output = _said(items)
    try:
        scope.__exit__(None, None, None)
    except PolicyViolation as exc:
        _log.warning("workbench guard: %s (a stream closed before its end)", exc)


def _is_sdk_stream(obj: Any) -> bool:
    """An SDK's HTTP stream object: an iterator (or async iterator) with a ``close`` and the ``response`` it reads
    (OpenAI's and Anthropic's ``Stream`` / ``AsyncStream``, returned by ``create(stream=True)``). Asked of the
    class's methods and the object's ``response`` only: a file or a list iterator is no such stream."""
    cls = obj.__class__
    return (
        (hasattr(cls, "__next__") or hasattr(cls, "__anext__"))
        and callable(getattr(cls, "close", None))
        and "response" in getattr(obj, "__dict__", {})
    )


_OWN = frozenset({"_scope", "_stream", "_items", "_open"})


class _StreamStep:
    """What :class:`_SyncStream` and :class:`_AsyncStream` share: the SDK's stream, its step, the items kept as the
    step's output (up to ``MAX_STREAM_ITEMS``), and the step ended once, when the stream runs out, raises or is
    closed. Any other attribute (``response``) is the stream's own."""

    def __init__(self, scope: StepScope, stream: Any) -> None:
        self._scope, self._stream, self._items, self._open = scope, stream, [], True

    def __getattr__(self, name: str) -> Any:
        if name in _OWN:  # (not set yet: a copy being made)
            raise AttributeError(name)
        return getattr(self._stream, name)

    def _kept(self, item: Any) -> Any:
        if len(self._items) < MAX_STREAM_ITEMS:
            self._items.append(item)
        return item

    def _end(self, exc: BaseException | None) -> None:
        if self._open:
            self._open = False
            _ended(self._scope, self._items, exc)

    def _close_step(self) -> None:
        if self._open:
            self._open = False
            _closed(self._scope, self._items)


class _SyncStream(_StreamStep):
    """An SDK's stream passed on in its step: iterated item by item, the step ended when the stream runs out (an
    error step when it raises) or is closed (``close()``, or the ``with`` block it is used in)."""

    def __iter__(self) -> _SyncStream:
        return self

    def __next__(self) -> Any:
        try:
            item = next(self._stream)
        except StopIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        return self._kept(item)

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._close_step()

    def __enter__(self) -> _SyncStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _AsyncStream(_StreamStep):
    """:class:`_SyncStream` for an SDK's async stream (``async for``, ``await close()``, ``async with``)."""

    def __aiter__(self) -> _AsyncStream:
        return self

    async def __anext__(self) -> Any:
        try:
            item = await self._stream.__anext__()
        except StopAsyncIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        return self._kept(item)

    async def close(self) -> None:
        try:
            await self._stream.close()
        finally:
            self._close_step()

    aclose = close

    async def __aenter__(self) -> _AsyncStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def _said(items: list[Any]) -> Any:
    if items and all(item.__class__ is str for item in items):
        return "".join(items)
    return items or None
