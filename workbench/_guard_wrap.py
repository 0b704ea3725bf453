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
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._guard_streams import (
    _AsyncStream,
    _is_sdk_stream,
    _iterate,
    _iterating,
    _relay,
    _relaying,
    _SyncStream,
)
from .exceptions import PolicyViolation

if TYPE_CHECKING:
    from .guard import Guard, StepScope
    from .policy._core import RunState

_log = logging.getLogger("workbench.guard")


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
    if inspect.isgeneratorfunction(call):
        return "iterate"
    return "call"


def _call_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # a step's arguments as the loop and retry rules key them: the keywords, else the positional ones, else none
    return kwargs or (list(args) if args else None)


def wrap_call(guard: Guard, fn: Callable[..., Any], agent: str | None, kind: str, name: str | None) -> Any:
    """``fn`` guarded: each call one step of the guard's current run, over the whole call (its await, its stream).
    An async tool stays a coroutine function and a streaming one an async generator function (agent frameworks
    ask ``inspect`` which a tool is, to know whether to await or iterate it)."""
    form = call_form(fn)
    if form != "call":
        from .guard import StepScope  # (guard.py imports this module: here, once per wrapped tool)

        def scope_of(
            run: str | None, st: RunState | None, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> Any:
            # the step of a call made in run `run` (its state `st`), begun at the await or the first item; made in
            # no run, the run current then, as guard.step(None) finds it (a task's, whose run may have ended)
            if run is None:
                return guard.step(None, agent, kind, name, _call_args(args, kwargs))
            return StepScope(guard, run, agent, kind, name, _call_args(args, kwargs), None, st)

    if form == "await":

        async def awaiting(
            run: str | None, st: RunState | None, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> Any:
            scope = scope_of(run, st, args, kwargs)  # (at the await, as the coroutine's own code runs)
            scope.__enter__()
            try:  # (awaited here, not in a coroutine of _await_in_step's: one coroutine less per call)
                result = await fn(*args, **kwargs)
            except BaseException as exc:  # (a call with arguments the tool does not take too: TypeError)
                scope.__exit__(type(exc), exc, exc.__traceback__)
                raise
            form = _FORMS.get(result.__class__)
            if form is None:
                form = _form_of(result.__class__)
            if form != _ITEMS:  # (an awaitable it gave is what it said, as a coroutine's result always was)
                scope.output = result
                scope.__exit__(None, None, None)
                return result
            return _finish(scope, result)  # (`await client.chat.completions.create(stream=True)`: its stream)

        return _ToolInRun(guard, fn, awaiting)

    if form in ("stream", "iterate"):

        def begin(run: str | None, st: RunState | None, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            scope = scope_of(run, st, args, kwargs)  # (at the first item, as the generator's own code runs)
            scope.__enter__()
            try:
                return scope, fn(*args, **kwargs)
            except BaseException as exc:
                scope.__exit__(type(exc), exc, exc.__traceback__)
                raise

        return _ToolInRun(guard, fn, (_relaying if form == "stream" else _iterating)(begin))

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
        # a plain function can hand back the call still to be made (a sync adapter: `lambda **kw: tool.ainvoke(kw)`,
        # a partial of an async generator function, `client.chat.completions.create(stream=True)`): the step lasts
        # until it is
        form = _FORMS.get(result.__class__)
        if form is None:
            form = _form_of(result.__class__)
        if form == _PLAIN:
            scope.output = result  # what the call said, for the loop rules
            scope.__exit__(None, None, None)
            return result
        if form == _AWAIT:
            return _await_in_step(scope, result)
        if form == _FUTURE:
            return _future_in_step(scope, result)
        return _finish(scope, result)

    return guarded


class _ToolInRun:
    """A guarded async tool or generator function (async or sync) whose calls decide their run where the coroutine
    or generator is made: the current run of ``with guard.run`` at the call. (Their own code runs only at the await
    or the first item: a stream made in a run and read after it, a streaming HTTP response, or a coroutine made in
    a run and awaited after it, found no run then: 'no run'.) The step begins at the await or the first item;
    without a run at the call, in the run current then. An object, not a function, to run at the call; ``inspect``
    still calls it a coroutine or generator function (asked of its ``__code__``, as of a Cython function: agent
    frameworks ask it whether to await or iterate a tool), and it binds as a method as a function does."""

    # (what inspect reads of a function-like object besides its __code__)
    __defaults__ = __kwdefaults__ = None

    def __init__(self, guard: Guard, fn: Any, make: Callable[..., Any]) -> None:
        # make(run, state, args, kwargs): the async def or generator function whose coroutine or generator a call
        # hands back (its __code__ is what inspect reads)
        from .guard import (
            _current_run,
            _current_state,
        )  # (guard.py imports this module: once per wrapped tool)

        inner = fn
        while isinstance(inner, functools.partial):
            inner = inner.func
        # (named by its function, for a tool object or a partial too: inspect needs a name)
        self.__name__ = self.__qualname__ = getattr(inner, "__name__", None) or type(inner).__name__
        functools.update_wrapper(self, fn)  # (first: a tool object's attributes are copied, ours must win)
        self._guard, self._make, self._runvar, self._statevar = guard, make, _current_run, _current_state
        self.__code__ = make.__code__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        guard = self._guard
        run = self._runvar.get()
        st = None
        if run is not None:
            # the run's state too (guard.run's own, when the call is in a task it made that outlived it): a run
            # ended before the await or the first item is decided on as it stood, never made again
            held = self._statevar.get()
            st = held[1] if held is not None and held[0] is guard else guard._state(run)
        return self._make(run, st, args, kwargs)

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        return self if obj is None else types.MethodType(self, obj)

    def __repr__(self) -> str:
        return f"<guarded {self.__qualname__}>"


def _future_in_step(scope: StepScope, future: Any) -> Any:
    """A future a guarded call returned, handed back as it is (its caller may cancel it, add callbacks, or never
    wait for it: work started to run on its own), its step ended when it is done: an error step when it raised or
    was cancelled. An asyncio ``Future`` or ``Task``, a ``concurrent.futures.Future`` (``executor.submit``: its
    step then ends in the thread that finished it), or any future with the same ``add_done_callback``, ``done``,
    ``result`` and ``exception`` (dask's, grpc's). (An asyncio one awaited in a coroutine of the guard's, the caller
    got a coroutine: no ``cancel``, no ``add_done_callback``, and a task never awaited left its step open; a
    concurrent one ended its step at the call: latency 0, its output the future, its exception never an error.)
    One already done at the call ends its step now, a limit it breaks raised to the caller as any call's."""
    if future.done():
        _future_ended(scope, future)
        return future

    def done(fut: Any) -> None:
        try:
            _future_ended(scope, fut)
        except PolicyViolation as violation:  # (no caller to raise to: said, and the run is cut all the same)
            _log.warning("workbench guard: %s (a future done after its call returned)", violation)

    future.add_done_callback(done)
    return future


def _future_ended(scope: StepScope, fut: Any) -> None:
    try:
        exc = fut.exception()
    except BaseException as cancelled:  # (a cancelled one raises its CancelledError: an error step too)
        exc = cancelled
    if exc is None:
        scope.output = fut.result()
    scope.__exit__(None if exc is None else type(exc), exc, None)


# What a guarded call's result asks of its step, by its class, asked once per class (a plain value's class was asked
# at every call for the three or four attributes it lacks, a raised and cleared AttributeError each): ended now
# (_PLAIN), awaited (_AWAIT), a future or task handed back (_FUTURE: any with a done callback), or maybe iterated
# (_ITEMS: _finish looks).
_PLAIN, _AWAIT, _FUTURE, _ITEMS = 0, 1, 2, 3
_FORMS: dict[type, int] = {}


def _form_of(cls: type) -> int:
    # (a future first: dask's is awaitable too, and awaited for a sync caller it came back a coroutine)
    if all(
        callable(getattr(cls, method, None))
        for method in ("add_done_callback", "done", "result", "exception")
    ):
        form = _FUTURE
    elif getattr(cls, "__await__", None) is not None:
        form = _AWAIT
    elif hasattr(cls, "__next__") or hasattr(cls, "__anext__"):  # (generators, SDK streams; a file too)
        form = _ITEMS
    else:
        form = _PLAIN
    if len(_FORMS) < 4096:  # (bounded: classes made at run time are classes too)
        _FORMS[cls] = form
    return form


def _finish(scope: StepScope, result: Any) -> Any:
    """What a guarded call gave, its step ended now, or passed on with its step going on while it is iterated: a
    generator, an async generator, or an SDK's stream object (OpenAI-style: an iterator holding its HTTP
    ``response``, see :class:`_SyncStream`)."""
    cls = result.__class__
    if cls is types.AsyncGeneratorType:
        return _relay(scope, result)
    if cls is types.GeneratorType:
        return _iterate(scope, result)
    if _is_sdk_stream(result):
        return (_SyncStream if hasattr(cls, "__next__") else _AsyncStream)(scope, result)
    scope.output = result  # what the call said, for the loop rules
    scope.__exit__(None, None, None)
    return result


async def _await_in_step(scope: StepScope, awaitable: Awaitable[Any]) -> Any:
    """Await what a guarded call returned, then end its step (an error step when the await raised), or, when the
    await gave a stream (``await client.chat.completions.create(stream=True)``), when that ends."""
    try:
        result = await awaitable
    except BaseException as exc:
        scope.__exit__(type(exc), exc, exc.__traceback__)
        raise
    return _finish(scope, result)
