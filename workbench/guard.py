"""The runtime Guard: a policy enforced around each step of a live agent system.

It runs inside someone else's process, so it imports nothing heavy (no duckdb, pandas, numpy or
Jupyter), keeps bounded memory per run, is safe to call from many threads at once (one short lock
finds a run; each run's steps are decided under that run's own lock, and arguments and outputs are
serialised before either), and costs a few microseconds per step (``bench/guard.py``). Its decisions come from the same core as
:func:`workbench.backtest`, so the guard does in production what the backtest said it would.

Examples
--------
>>> from workbench.policy import Policy, Budgets
>>> guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))
>>> guard.before_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"}).action
'allow'
>>> guard.before_step("r1", "pricer", "tool", tool="get_price", args={"sku": "B"})
Traceback (most recent call last):
...
workbench.exceptions.PolicyViolation: run 'r1', agent 'pricer', tool 'get_price': max_tool_calls_run is 2, the limit is 1
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ._guard_wrap import wrap_call
from ._params import integer_at_least, is_number
from .exceptions import InvalidParameterError, PolicyViolation
from .ingest._fields import SHORT_CHARS as _BIG
from .ingest._fields import RecordError, field_text, kind_word, plain_values, step_row
from .ingest._frame_records import python_values
from .policy._bounce import as_text
from .policy._core import ALLOW, Core, Decision, RunState, digest_of, encode
from .policy._model import Policy

__all__ = ["Escalation", "Guard", "PolicyViolation"]

_log = logging.getLogger("workbench.guard")
_current_run: contextvars.ContextVar[str | None] = contextvars.ContextVar("workbench_guard_run", default=None)
# the guard and state of that run: a task made in the run (it copies the context) and run after it ended finds the
# ended run's state, so its steps are recorded there rather than making the run again (kept for ever)
_current_state: contextvars.ContextVar[tuple[Guard, RunState] | None] = contextvars.ContextVar(
    "workbench_guard_run_state", default=None
)


def policy_of(policy: Policy | str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> Policy:
    """A policy, or the one a ``.json`` or YAML file holds (both guards take either)."""
    if isinstance(policy, Policy):
        return policy
    try:
        text = os.fsdecode(policy)  # (a bytes path too: os.fspath kept it bytes, and ".json" failed on it)
    except TypeError:
        raise TypeError(
            f"policy must be a Policy, or the path of a .json or YAML file holding one "
            f"(got {type(policy).__name__})"
        ) from None
    return Policy.from_json(text) if text.lower().endswith(".json") else Policy.from_yaml(text)


def max_runs_of(max_runs: object) -> int:
    """``max_runs`` as both guards take it: an integer, 1 or more (InvalidParameterError naming it if not)."""
    # (numbers.Integral: a NumPy count read from a frame or a config is an integer too, as the other checks take it)
    return integer_at_least(max_runs, "max_runs", 1)


@dataclass(frozen=True)
class Escalation:
    """What the escalation hook receives: the run, the agent, and the HITL rule that fired."""

    run_id: str
    agent: str | None
    kind: str | None
    tool: str | None
    rule: str
    value: float
    limit: float


def keep_cut(cuts: OrderedDict[str, Decision], run_id: str, cut: Decision | None, most: int) -> None:
    """Remember the cut of a run forgotten past ``max_runs`` (at most ``most`` cuts, least recently forgotten
    dropped first): the run may still be going, and it must stay cut. (Under the guard's lock.)"""
    if cut is not None:
        cuts[run_id] = cut
        if len(cuts) > most:
            cuts.popitem(last=False)


class Guard:
    """Enforce a :class:`~workbench.policy.Policy` around the steps of running agents.

    Parameters
    ----------
    policy : Policy or path
        The policy, or a YAML / JSON file holding one (validated against the schema).
    on_escalate : callable, optional
        Called with an :class:`Escalation` when a HITL rule fires (outside the guard's lock). Without
        one, escalations are logged and returned.
    max_runs : int
        Runs remembered at once; the least recently used run is forgotten beyond this (call
        :meth:`end_run` when a run finishes to free it at once). A run forgotten while cut keeps its cut
        (the decision alone, for up to ``max_runs`` such runs): its later steps are still refused. A run
        forgotten while still going inside ``with guard.run`` (more runs at once than ``max_runs``) is taken
        back whole at its next step of :meth:`step` (``run_id`` None) or :meth:`wrap` there: its budgets and
        limits do not start over (``before_step`` with the run's id makes it anew, as it always did).
    clock : callable
        Seconds since the epoch, used when a step gives no ``started_at`` / ``ended_at``.

    A step the store would quarantine (a confidence outside [0, 1], negative tokens or cost, a time
    outside 1970-2262: ``ingest/_fields.step_row``, the same check) is no step of the backtest's: the call
    returns ``allow`` without deciding, and ``quarantined`` counts it. (When only ``after_step`` shows it, its
    ``before_step`` was decided.) Arguments or an output the store cannot keep (past its field limit, nested past
    its limit, NaN, circular) are the exception: the step is decided on with a digest of the whole value standing
    for it (``quarantined`` counts it too), so a tool call looping with a huge argument counts in the budgets and
    loop limits; the backtest never sees such a step (its report counts them per run).
    """

    def __init__(
        self,
        policy: Policy | str | os.PathLike[str],
        on_escalate: Callable[[Escalation], Any] | None = None,
        max_runs: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        policy = policy_of(policy)
        max_runs = max_runs_of(max_runs)
        self.policy = policy
        self.on_escalate = on_escalate
        self.max_runs = max_runs
        self._clock = clock
        self._core = Core(policy)
        self._runs: OrderedDict[str, RunState] = OrderedDict()
        # the cut of each run forgotten past max_runs while cut (at most max_runs of them): the run may still be
        # going, and forgetting the cut with the rest of its state let its next step through (failing open)
        self._cuts: OrderedDict[str, Decision] = OrderedDict()
        self._lock = threading.Lock()
        self.quarantined = 0  # steps the store would quarantine (a value out of range, a field too big)

    # -- the two calls around a step ---------------------------------------------------------
    def before_step(
        self,
        run_id: str | None,
        agent: str | None,
        kind: str | None,
        tool: str | None = None,
        args: Any = None,
        *,
        depth: int | None = None,
        started_at: float | None = None,
        step_id: str | None = None,
        parent_id: str | None = None,
        _run_state: RunState | None = None,
    ) -> Decision:
        """Check a step before it runs. Raises :class:`PolicyViolation` when a breaker, budget or
        loop limit is past (and for every later step of that run); else returns the decision. ``run_id``
        None: the current run of ``with guard.run(...)`` (an :class:`InvalidParameterError` outside one).

        ``step_id`` / ``parent_id``: the step's id and the id of the step it runs under (a span's and its
        parent's), given to :meth:`after_step` too: then the steps that enclose others are those a step
        named, exactly as the store's parent links say for the backtest."""
        # (a NaN time is none given, as the store reads it: taken as the run's start it turned off the run's
        # latency breaker, every later time compared against NaN)
        if (
            run_id is None
        ):  # the current run, as step() and wrap() take it (it was a run named None, shared by all)
            run_id = self._run_id(run_id)
        when = self._clock() if started_at is None or started_at != started_at else started_at
        kind = kind_word(kind)  # ("TOOL" is a tool call, as the store reads it for the backtest)
        # (_run_state: a StepScope's run, looked up by it already, or ended while the step was open: see StepScope)
        st = self._state(run_id) if _run_state is None else _run_state
        unkept = None
        if kind == "tool" and args is not None:
            text, unkept = _args_text(args)  # serialised outside any lock: arguments can be large
            st.raw_args = (args, text, unkept)  # after_step gets the same object: serialised once
            args = text
        if (args.__class__ is str and len(args) > _BIG) or not 0 <= when < _SECONDS_MAX:
            reason = _unkept(args, None, when, None, "start_ns")
            if reason is not None:
                _count_open(st, _step_key(agent, kind, tool, step_id))
                return self._quarantined(run_id, reason)
        if unkept is not None:
            _count_open(st, _step_key(agent, kind, tool, step_id))
            self._unkept_args(run_id, unkept)
        with st.lock:
            decision = self._core.before(st, agent, kind, tool, args, depth, when, step_id, parent_id)
        if decision.action == "cut":
            raise _violation(run_id, agent, decision, tool, step_id)
        return decision

    def after_step(
        self,
        run_id: str | None,
        agent: str | None,
        kind: str | None,
        tool: str | None = None,
        args: Any = None,
        *,
        status: str = "ok",
        latency_ms: float | None = None,
        confidence: float | None = None,
        entropy: float | None = None,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        cost: float | None = None,
        ended_at: float | None = None,
        output: Any = None,
        encloses: bool | None = None,
        step_id: str | None = None,
        _run_state: RunState | None = None,
    ) -> Decision:
        """Record how a step ended. Raises :class:`PolicyViolation` past a latency limit or a
        repeated-reply limit; calls the escalation hook when a HITL rule fires; returns the decision.

        ``output``: what the step returned or said (a string, or a message / result as a dict or
        list); the ping-pong and repeated-reply rules read the outputs of tool calls, LLM calls,
        hand-offs, human turns and agent steps, the hand-off breaker the values any step states and the
        tool results. Without it those rules see nothing said.

        ``encloses``: whether the step enclosed other steps (then no limit or HITL rule is read at it:
        its latency is theirs), e.g. a trace's root span reported when it ends. By default, for an agent
        or system step, whether a step of the run began between this step's ``before_step`` and now: an
        agent turn that is one message (AG2, Magentic-One) is read like any other step. For any other
        step, whether a deeper step (by ``depth``) began while it was open, as the store's parent
        links say for the backtest (a trace's root span reported when it ends); without depths, a chain,
        root or untyped step encloses the steps begun while it was open, and an LLM call, tool call,
        retrieval, human or hand-off step encloses nothing (parallel calls overlap without nesting).
        With ``step_id`` (and the steps' ``parent_id`` to :meth:`before_step`): whether a step named it as
        its parent, for any kind (an agent span left open beside its sibling's work encloses nothing).

        ``latency_ms``: the step's time in milliseconds, a finite number of 0 or more, or None when not known. NaN,
        an infinity, a negative number or a non-number (a string, a bool) raises :class:`InvalidParameterError`
        naming the field, before the step is recorded: such a value passed every latency limit unseen."""
        if run_id is None:
            run_id = self._run_id(run_id)
        if latency_ms is not None and (latency_ms.__class__ is not float or not 0.0 <= latency_ms < _INF):
            latency_ms = _latency(latency_ms, run_id, agent, step_id)
        if ended_at is not None and ended_at.__class__ is not float:
            ended_at = _ended_at(ended_at, run_id, agent, step_id)
        plain = plain_values(tokens_in, tokens_out, cost, confidence, entropy)
        if not plain:
            # (numpy's numbers as the Python numbers they hold, a NaN as not given, as ws.ingest reads a record's:
            # np.float32(0.1) or a NaN count was taken for a step the store quarantines, and no rule read it)
            given = python_values(
                {
                    "tokens_in": tokens_in,
                    "tokens_out": tokens_out,
                    "cost": cost,
                    "confidence": confidence,
                    "entropy": entropy,
                }
            )
            tokens_in, tokens_out, cost, confidence, entropy = (
                given.get(k) for k in ("tokens_in", "tokens_out", "cost", "confidence", "entropy")
            )
            plain = plain_values(tokens_in, tokens_out, cost, confidence, entropy)
        when = self._clock() if ended_at is None or ended_at != ended_at else ended_at
        signals = {
            "confidence": confidence,
            "entropy": entropy,
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost": cost,
        }
        kind = kind_word(kind)
        # (_run_state: the StepScope's run: kept when it has ended, else looked up by its id, see StepScope)
        st = self._state(run_id, _run_state)
        unkept = None
        if kind == "tool" and args is not None:
            given = st.raw_args  # one read: another thread may replace the triple
            args, unkept = given[1:] if given is not None and given[0] is args else _args_text(args)
            st.raw_args = None
        # a step its before_step counted as quarantined (its arguments, its start time): one step, counted once
        # (each such step was counted again here, whatever its end showed)
        counted = st.counted is not None and _uncount_open(st, _step_key(agent, kind, tool, step_id))
        # (an output read by no rule is still checked for size: the step is decided on by its digest, not dropped,
        # and a call answered past the field limit again and again is still a repeat)
        if output is not None and (
            self._core.listen or st.hand is not None or (output.__class__ is str and len(output) > _BIG)
        ):
            output, said = _output_text(output)  # outside any lock: outputs can be large
            unkept = unkept or said
        if (
            not plain
            or not 0 <= when < _SECONDS_MAX
            or (args.__class__ is str and len(args) > _BIG)
            or (output.__class__ is str and len(output) > _BIG)
        ):
            reason = _unkept(args, output if output.__class__ is str else None, when, signals)
            if reason is not None:
                return ALLOW if counted else self._quarantined(run_id, reason)
        if unkept is not None and not counted:
            self._unkept_args(run_id, unkept)
        with st.lock:
            decision = self._core.after(
                st, agent, kind, tool, args, status, latency_ms, when, signals, output, encloses, step_id
            )
        if decision is ALLOW:
            return decision
        if decision.action == "cut":
            raise _violation(run_id, agent, decision, tool, step_id)
        event = Escalation(
            run_id,
            agent,
            kind,
            tool,
            decision.rule or "",
            float(decision.value or 0.0),
            float(decision.limit or 0.0),
        )
        if self.on_escalate is not None:
            self.on_escalate(event)
        else:
            _log.warning("escalate run %r (agent %r): %s", run_id, agent, decision)
        return decision

    # -- conveniences ------------------------------------------------------------------------
    def step(
        self,
        run_id: str | None,
        agent: str | None,
        kind: str | None,
        tool: str | None = None,
        args: Any = None,
        *,
        depth: int | None = None,
    ) -> StepScope:
        """``with guard.step(run_id, "pricer", "tool", tool="get_price", args=a) as s:`` checks before,
        times the block, and records it after (status ``error`` when it raised). Set ``s.confidence``,
        ``s.entropy``, ``s.tokens_in`` … inside the block to hand signals over, ``s.output`` to hand
        over what the step said."""
        state = None
        if run_id is None:
            held = _current_state.get()
            if held is not None and held[0] is self:
                state = held[1]
        return StepScope(self, self._run_id(run_id), agent, kind, tool, args, depth, state)

    def wrap(self, agent: str | None, kind: str = "tool", tool: str | None = None) -> Callable[[Any], Any]:
        """Decorator: guard every call of a function as one step of the current run (set with
        :meth:`run`); the call's keyword arguments are the step's arguments, its result the output. The step
        lasts as long as the call: to the end of its await (an async tool, a partial of one, a function returning
        a coroutine or any awaitable) or of its stream (an async or sync generator, an SDK's ``Stream``, until it
        ends or is closed)."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            # (a tool object has no __name__: its class names it; it was a bare AttributeError; a partial: its function)
            inner = fn
            while isinstance(inner, functools.partial):
                inner = inner.func
            name = tool or (
                getattr(inner, "__name__", None) or type(inner).__name__
                if kind_word(kind) == "tool"
                else None
            )
            # the step lasts as long as the call: over an await or a stream (_guard_wrap)
            return wrap_call(self, fn, agent, kind, name)

        return decorate

    def start_run(self, run_id: str, *, task: Any = None) -> None:
        """Tell the guard what a run was asked (its task, a string or message): the hand-off breaker
        takes no value the task states for news when a step says it again, as the detector does."""
        st = self._state(run_id)
        text = as_text(task)  # outside any lock, as a step's output is
        with st.lock:
            self._core.given(st, text)

    @contextmanager
    def run(self, run_id: str, *, task: Any = None) -> Iterator[str]:
        """``with guard.run(run_id):`` makes ``run_id`` the current run of :meth:`wrap` and
        :meth:`step` (``run_id=None``) in this thread or task, and ends the run on exit. ``task``:
        what the run was asked (see :meth:`start_run`)."""
        if task is not None:
            self.start_run(run_id, task=task)
        token = _current_run.set(run_id)
        state = self._state(run_id)
        held = _current_state.set((self, state))
        try:
            yield run_id
        finally:
            _current_state.reset(held)
            _current_run.reset(token)
            self.end_run(run_id)
            if not state.ended:
                # (forgotten past max_runs while it went on: its own state ended too, or a step of it still open,
                # a stream read later, took the run back and it stayed remembered for ever)
                with self._lock:
                    state.ended = True
                    # (and put back meanwhile, by a step of it in another thread looking its state up after end_run:
                    # forgotten now, or it stayed remembered, and a later run of the same id took over its counts)
                    if self._runs.get(run_id) is state:
                        del self._runs[run_id]

    def end_run(self, run_id: str) -> None:
        """Forget a finished run. A step of it still open (a guarded stream read after ``with guard.run``, or left
        with ``break`` and closed later) is recorded against the ended run when it ends: the run is not made again
        (it was, and kept for ever: one run more remembered per such stream)."""
        with self._lock:
            st = self._runs.pop(run_id, None)
            self._cuts.pop(run_id, None)
            if st is not None:
                st.ended = True

    def active_runs(self) -> int:
        """Runs the guard currently remembers."""
        with self._lock:
            return len(self._runs)

    def __repr__(self) -> str:
        return f"<Guard {self.policy}>"

    # -- internals ---------------------------------------------------------------------------
    def _unkept_args(self, run_id: str, reason: str) -> None:
        """A tool call (or a step's output) the store would quarantine for its size, nesting or JSON: decided on
        all the same, with a digest of the whole value standing for it, so a call looping with a huge argument
        counts in the budgets and loop limits (it escaped them all). The backtest never sees such a step: its
        report counts the quarantined steps of each run (``quarantined``), where the two can differ."""
        with self._lock:
            self.quarantined += 1
        _log.info(
            "workbench guard: run %r: a step the store quarantines (%s): checked by its digest",
            run_id,
            reason,
        )

    def _quarantined(self, run_id: str, reason: str) -> Decision:
        """A step the store would quarantine: no step of the backtest's, so not decided on (its
        ``before_step``, when that passed, was)."""
        with self._lock:
            self.quarantined += 1
        _log.info("workbench guard: run %r: a step the store quarantines (%s): not checked", run_id, reason)
        return ALLOW

    def _state(self, run_id: str, held: RunState | None = None) -> RunState:
        """The run's state, under the guard's lock (held only for this lookup). The decision is then
        made under the run's own lock, so a step reading a long text holds up only its own run. ``held``: the
        state a step already holds (its run's at the call, or at its start): itself when that run has ended,
        asked under the lock :meth:`end_run` takes, so a step ending in another thread (a future's) as its run
        ends is recorded in it (asked before the lookup, the run was made again between the two and kept); and
        itself again when the run, still going, was forgotten past ``max_runs``."""
        with self._lock:
            if held is not None and held.ended:
                return held
            runs = self._runs
            st = runs.get(run_id)
            if st is None:
                if held is not None:
                    # a run still going (its `with guard.run` holds it) forgotten past max_runs by more runs at once:
                    # itself again, its counts kept (a new state let its budgets and limits start over: failing open)
                    st = runs[run_id] = held
                    self._cuts.pop(run_id, None)
                else:
                    st = runs[run_id] = self._core.new_run()
                    st.lock = threading.Lock()
                    st.cut = self._cuts.pop(run_id, None)  # a run that was cut stays cut
                if len(runs) > self.max_runs:
                    gone, old = runs.popitem(last=False)
                    keep_cut(self._cuts, gone, old.cut, self.max_runs)
            else:
                runs.move_to_end(run_id)
            return st

    @staticmethod
    def _run_id(run_id: str | None) -> str:
        run = run_id if run_id is not None else _current_run.get()
        if run is None:
            raise InvalidParameterError(
                "run_id: no run: pass run_id, or call inside `with guard.run(run_id):`"
            )
        return run


class StepScope:
    """One guarded step (from :meth:`Guard.step`): signals the block hands over, and the decision."""

    __slots__ = (
        "_guard",
        "_run",
        "_agent",
        "_kind",
        "_tool",
        "_args",
        "_depth",
        "_started",
        "_st",
        "confidence",
        "entropy",
        "tokens_in",
        "tokens_out",
        "cost",
        "output",
        "decision",
    )

    def __init__(
        self,
        guard: Guard,
        run: str,
        agent: str | None,
        kind: str | None,
        tool: str | None,
        args: Any,
        depth: int | None,
        state: RunState | None = None,
    ) -> None:
        self._guard, self._run, self._agent, self._kind = guard, run, agent, kind
        self._tool, self._args, self._depth = tool, args, depth
        # the run's state: looked up when the step begins, or given (the run's at the call that made a stream)
        self._st = state
        self.confidence: float | None = None
        self.entropy: float | None = None
        self.tokens_in: int | None = None
        self.tokens_out: int | None = None
        self.cost: float | None = None
        self.output: Any = None
        self.decision: Decision = ALLOW

    def __enter__(self) -> StepScope:
        g = self._guard
        # (the state held, when its run ended: a stream made in its run and read after it, decided on that run)
        st = self._st = g._state(self._run, self._st)
        self._started = g._clock()
        g.before_step(
            self._run,
            self._agent,
            self._kind,
            self._tool,
            self._args,
            depth=self._depth,
            started_at=self._started,
            _run_state=st,
        )
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        g = self._guard
        ended = g._clock()
        # A block that raised is recorded as an error step; a violation from after_step then wins over an error,
        # never over a cancellation, an interrupt or an exit (BaseException, no Exception): the run is cut all
        # the same, and the CancelledError / KeyboardInterrupt goes on (a timed-out call is the slow one, and the
        # violation raised over it left the task not cancelled and a Ctrl-C caught as a policy stop)
        status = "error" if exc_type is not None and not issubclass(exc_type, PolicyViolation) else "ok"
        # A step ending after its run ended (end_run: a stream read after `with guard.run`, one left with `break`
        # and closed later, a task done later) is recorded against that run: looked up by its id, the run was made
        # again and kept for ever (active_runs grew by one per such step). Else by its id, as any step's end: both
        # decided in after_step, under the guard's lock (asked here, a run ending in another thread in between was
        # made again all the same)
        try:
            self.decision = g.after_step(
                self._run,
                self._agent,
                self._kind,
                self._tool,
                self._args,
                status=status,
                latency_ms=(ended - self._started) * 1000.0,
                confidence=self.confidence,
                entropy=self.entropy,
                tokens_in=self.tokens_in,
                tokens_out=self.tokens_out,
                cost=self.cost,
                ended_at=ended,
                output=self.output,
                _run_state=self._st,
            )
        except PolicyViolation:
            if exc_type is None or issubclass(exc_type, Exception):
                raise
            _log.warning(
                "workbench guard: run %r cut at a step ended by %s (raised on)", self._run, exc_type.__name__
            )


_SECONDS_MAX = 2**63 / 1e9  # the store holds times up to 2262
_MAX_COUNTED = 1024  # steps counted as quarantined at their start and not yet ended, remembered per run


def _step_key(agent: Any, kind: Any, tool: Any, step_id: Any) -> Any:
    """What tells a step's ``after_step`` from another's: its agent, kind, tool and id (as text when one of them
    is no hashable value: a caller's list for a tool name is still a step)."""
    key = (agent, kind, tool, step_id)
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def _count_open(st: RunState, key: Any) -> None:
    """Remember that a step, by its agent, kind, tool and id, was counted as quarantined at its start: its end is
    the same step of the store's (one row), not counted again. Bounded: a step never ended is forgotten in time."""
    with st.lock:
        counted = st.counted
        if counted is None:
            counted = st.counted = {}
        counted[key] = counted.get(key, 0) + 1
        if len(counted) > _MAX_COUNTED:
            del counted[next(iter(counted))]


def _uncount_open(st: RunState, key: Any) -> bool:
    """Whether the step ending was counted at its start (then it is no more open)."""
    with st.lock:
        counted = st.counted
        n = counted.get(key) if counted is not None else None
        if not n:
            return False
        if n == 1:
            del counted[key]
        else:
            counted[key] = n - 1
        return True


def _args_text(args: Any) -> tuple[str, str | None]:
    """A tool call's arguments as the store keeps them (as :func:`~workbench.policy._core.encode` writes them), and
    None; or, for arguments the store does not keep (past its 4 MiB field limit, nested past its limit, holding NaN
    or infinity, circular: it quarantines the step), a digest of the whole arguments, computed before any
    truncation, and the reason. The same arguments give the same digest, so such a call is still counted and
    still a repeat of itself (it was decided on by no rule, and a loop of it escaped every limit)."""
    try:
        text = field_text(args, "input") if isinstance(args, (dict, list)) else encode(args)
        if len(text) > _BIG:
            field_text(text, "input")  # (the size check of a text)
    except RecordError as exc:
        return digest_of(args), str(exc)
    except TypeError as exc:  # a key json cannot write (a tuple): raised into the agent's own call
        return digest_of(args), f"field 'input' cannot be written as JSON: {exc}"
    except (
        Exception
    ) as exc:  # an object whose __str__ raises: judged by a placeholder, never raised into the agent
        return digest_of(args), _unwritable("input", exc)
    return text, None


def _unwritable(field: str, exc: Exception) -> str:
    """Why a value whose conversion to text raised (an object whose ``__str__`` raises) is not kept, naming the field;
    it is judged by :func:`digest_of`, each such object standing as its type's placeholder (``_unprintable.py``)."""
    return f"field {field!r} cannot be written as JSON: converting it raised {type(exc).__name__}"


def _output_text(output: Any) -> tuple[str | None, str | None]:
    """A step's output as the store keeps it (``as_text``) and None; or its digest and the reason, for one the
    store does not keep (past the field limit, or not writable as JSON): judged by the digest, as arguments are."""
    try:
        text = as_text(output)
        if text is not None and len(text) > _BIG:
            field_text(text, "output")
    except RecordError as exc:
        return digest_of(output), str(exc)
    except (
        ValueError,
        RecursionError,
        TypeError,
    ) as exc:  # circular, nested past what json writes, a tuple key
        return digest_of(output), f"field 'output' cannot be written as JSON: {exc}"
    except Exception as exc:  # an object whose __str__ raises
        return digest_of(output), _unwritable("output", exc)
    return text, None


def _unkept(
    args: str | None,
    output: str | None,
    when: float,
    signals: dict[str, Any] | None,
    time_field: str = "end_ns",
) -> str | None:
    """Why the store would quarantine a step with these values (None: it keeps it): the stage's own check. A step
    it keeps has its ``signals`` set, in place, to the numbers the store keeps (a confidence given as the text
    "0.1" is 0.1 there, and raised TypeError out of the HITL rule's comparison here; NaN is not given)."""
    fields: dict[str, Any] = dict(signals or {})
    # (status "unset": the check requires one, and a guard's status says nothing of whether a step is kept)
    fields.update(input=args if args.__class__ is str else None, output=output, status="unset")
    if when == when and abs(when) < 1e11:
        fields[time_field] = int(when * 1e9)
    elif when == when:
        return f"time {when:g} s is out of range (the range is 1970 to 2262)"
    try:
        row = step_row(None, 0, "run", "step", fields)
    except RecordError as exc:
        return str(exc)
    if signals is not None:
        for name in signals:
            signals[name] = row[name]
    return None


_INF = float("inf")


def _latency(value: Any, run_id: str, agent: str | None, step_id: str | None) -> float:
    """``latency_ms`` as a float, or an error naming it: a NaN passed every latency limit and HITL rule (every
    comparison with it false), a negative one too, and a string raised a TypeError from deep in the decision. A
    caller's broken clock is said at once rather than read as a fast step (or as a breach that cuts a healthy run)."""
    where = f"run {run_id!r}, agent {agent!r}" + (f", step {step_id!r}" if step_id else "")
    if not is_number(value):  # (numpy's numbers are Real too)
        raise InvalidParameterError(
            f"after_step: latency_ms must be a number of milliseconds or None "
            f"(got {type(value).__name__} {str(value)[:40]!r}; {where})"
        )
    try:
        number = float(value)
    except OverflowError:  # (an int past a float's range)
        number = _INF
    if not 0.0 <= number < _INF:
        raise InvalidParameterError(
            f"after_step: latency_ms must be finite and 0 or more (got {number!r}; "
            f"{where}); pass None when the step's time is not known"
        )
    return number


def _ended_at(value: Any, run_id: str, agent: str | None, step_id: str | None) -> float | int:
    """``ended_at`` as given when it is a number (a time out of the store's range is the step's quarantine), or an
    error naming it: text raised a TypeError from deep in the check."""
    if not is_number(value):
        where = f"run {run_id!r}, agent {agent!r}" + (f", step {step_id!r}" if step_id else "")
        raise InvalidParameterError(
            f"after_step: ended_at must be a time in seconds since the epoch or None "
            f"(got {type(value).__name__} {str(value)[:40]!r}; {where})"
        )
    return value


def _violation(
    run_id: str, agent: str | None, d: Decision, tool: str | None = None, step_id: str | None = None
) -> PolicyViolation:
    value = f"{d.value:g}" if isinstance(d.value, float) else str(d.value)
    # the tool and step, when given, say which call to look at in the run's trace
    where = (
        f"run {run_id!r}, agent {agent!r}"
        + (f", tool {tool!r}" if tool else "")
        + (f", step {step_id!r}" if step_id else "")
    )
    return PolicyViolation(
        f"{where}: {d.rule} is {value}, the limit is {d.limit}",
        rule=d.rule or "",
        value=d.value,
        limit=d.limit,
        run_id=run_id,
    )
