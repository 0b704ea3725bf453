"""``Guard.wrap``'s wrappers: one guarded step per call of a tool, lasting as long as the call does.

A call is not over when the function returns if what it returned is awaited or iterated: the step then lasts
until the await ends (an ``async def`` tool, a tool object with an async ``__call__``, a ``functools.partial`` of
either, a plain function returning a coroutine or any awaitable) or until the stream ends or is closed (an async
generator: a streaming tool). Ended when the coroutine or generator was made, the step's latency was 0 (every
latency limit and HITL rule passed), its output was the coroutine object, and an exception raised later was never
an error step (attack46 A4, attack47 D1).

Kept out of ``guard.py`` (which must stay light and small); the guard's own step logic is :class:`StepScope`'s.
"""

from __future__ import annotations

import functools
import inspect
import logging
import types
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .exceptions import PolicyViolation

if TYPE_CHECKING:
    from .guard import Guard, StepScope

_log = logging.getLogger("workbench.guard")

# Items of a stream kept as its step's output (for the loop and repeated-reply rules), at most: a stream that
# never ends (an event feed) must not hold the guard's memory without bound. Past it, the output is the first ones.
MAX_STREAM_ITEMS = 4096


def call_form(fn: Any) -> str:
    """How a call of ``fn`` is finished, as far as its type tells: ``"await"`` (a coroutine function, an object
    whose ``__call__`` is one, or a partial of either), ``"stream"`` (an async generator function, likewise), or
    ``"call"`` (anything else: what the call returns is then looked at, see :func:`wrap_call`)."""
    while isinstance(
        fn, functools.partial
    ):  # (iscoroutinefunction unwraps a partial only down to a function)
        fn = fn.func
    call = fn if inspect.isroutine(fn) or isinstance(fn, type) else type(fn).__call__
    if inspect.iscoroutinefunction(call):
        return "await"
    if inspect.isasyncgenfunction(call):
        return "stream"
    return "call"


def _call_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # a step's arguments as the loop and retry rules key them: the keywords, else the positional ones, else none
    return kwargs or (list(args) if args else None)


def wrap_call(guard: Guard, fn: Callable[..., Any], agent: str | None, kind: str, name: str | None) -> Any:
    """``fn`` guarded: each call one step of the guard's current run, over the whole call (its await, its stream).
    An async tool stays a coroutine function and a streaming one an async generator function (agent frameworks
    ask ``inspect`` which a tool is, to know whether to await or iterate it)."""
    form = call_form(fn)
    if form == "await":

        @functools.wraps(fn)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            with guard.step(None, agent, kind, name, _call_args(args, kwargs)) as scope:
                result = scope.output = await fn(*args, **kwargs)
                return result

        return guarded_async

    if form == "stream":

        def begin(*args: Any, **kwargs: Any) -> tuple[StepScope, Any]:
            scope = guard.step(None, agent, kind, name, _call_args(args, kwargs))
            scope.__enter__()
            try:
                return scope, fn(*args, **kwargs)
            except BaseException as exc:
                scope.__exit__(type(exc), exc, exc.__traceback__)
                raise

        return functools.wraps(fn)(_relaying(begin))

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        scope = guard.step(None, agent, kind, name, _call_args(args, kwargs))
        scope.__enter__()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            scope.__exit__(
                type(exc), exc, exc.__traceback__
            )  # (a violation it raises goes up over the error)
            raise
        cls = result.__class__
        # a plain function can hand back the call still to be made (a sync adapter: `lambda **kw: tool.ainvoke(kw)`,
        # a partial of an async generator function): the step lasts until it is
        if cls is types.AsyncGeneratorType:
            return _relay(scope, result)
        if getattr(cls, "__await__", None) is not None:
            return _await_in_step(scope, result)
        scope.output = result  # what the call said, for the loop rules
        scope.__exit__(None, None, None)
        return result

    return guarded


async def _await_in_step(scope: StepScope, awaitable: Awaitable[Any]) -> Any:
    """Await what a guarded call returned, then end its step (an error step when the await raised)."""
    try:
        result = await awaitable
    except BaseException as exc:
        scope.__exit__(type(exc), exc, exc.__traceback__)
        raise
    scope.output = result
    scope.__exit__(None, None, None)
    return result


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
            scope.output = _said(items)
            try:
                scope.__exit__(None, None, None)
            except PolicyViolation as exc:  # (the run is cut all the same: its next step raises)
                _log.warning("workbench guard: %s (a stream closed before its end)", exc)
            raise
        except BaseException as exc:
            scope.output = _said(items)
            scope.__exit__(type(exc), exc, exc.__traceback__)
            raise
        scope.output = _said(items)
        scope.__exit__(None, None, None)

    return relay


# a stream a plain function returned, its step already begun
_relay = _relaying(lambda scope, stream: (scope, stream))


def _said(items: list[Any]) -> Any:
    if items and all(item.__class__ is str for item in items):
        return "".join(items)
    return items or None
