"""A policy enforced on a live system's OpenTelemetry spans: no guard calls in the agents' code.

``GuardSpanProcessor`` is an OpenTelemetry ``SpanProcessor``. Added to the tracer provider a framework
already writes its spans to (OpenAI Agents SDK, LangGraph, CrewAI, pydantic-ai … through their
instrumentations), it maps each span as the OTLP adapter maps it into the store (the same
``map_span``; the agent a span acts for is its own, else its parent's, and its depth counts its
ancestors, as the store's walk down the span tree gives them) and feeds the decision core the backtest
uses (``workbench/policy/_core.py``): ``before`` when a span starts, ``after`` when it ends, a step
enclosing others when a span started under it. On the same spans it cuts and escalates what
``wb.backtest(policy, ws)`` says of the same spans ingested (measured on real frameworks' traces:
README, "Live guard on OpenTelemetry spans").

What a span processor can do (OpenTelemetry Python SDK 1.2x-1.4x, read and tried): ``on_start`` runs
synchronously in the thread that starts the span, and an exception raised there leaves
``tracer.start_span`` — so it reaches the framework, and stops a tool call only where the
instrumentation starts its span around the call itself and lets errors through. Many do not: the
OpenAI Agents SDK runs its trace processors (OpenInference's among them) inside a ``try`` that logs the
error; LangChain's callback manager logs a handler's error unless the handler asked otherwise. So the
processor raises nothing by default: it calls ``on_cut`` (once per run) and ``on_escalate``, and
:meth:`GuardSpanProcessor.should_stop` tells the application (or a tool, from inside the run: the
current span's trace) that its run was cut. ``raise_on_cut=True`` raises :class:`PolicyViolation`
from ``on_start`` of every span of a cut run, for the instrumentations that let it through; an error
of the processor itself is logged, never raised.

A span the store quarantines (a value out of range, a field past the store's size limit: the stage's own
check, ``ingest/_fields.step_row``) is no step of the backtest's: the processor decides nothing on it
(``quarantined`` counts them), and the spans under it have no agent or depth from it, as in the store.
Where only the span's end shows it, its start was checked already (the run counts it, the backtest not).
Except a tool call quarantined for its arguments alone, or a span for its output alone (past the field limit):
checked by a digest of the whole value, so a call looping with a huge argument or result counts in the budgets
and loop limits (``quarantined`` counts it too; the backtest never sees it, and its report counts such steps per
run).

A model call written as two LLM spans (Google ADK's legacy ``call_llm`` around ``generate_content``) is one step
in the store, the parent's (``store/sql/same_call_llm.sql``): an LLM span begun as the only LLM child of an open LLM
span waits for its parent's end, and is then that step (the decision names the parent's span) when the store's
rule takes the two as one call, else judged as a step of its own, late.

It imports no duckdb, pandas or numpy (the span mapping is pure Python), keeps bounded memory (runs
in an LRU, open spans per run capped) and is safe under many threads (a short lock finds a run; the
run's own lock covers its decision).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    from opentelemetry import trace as trace_api
    from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
    from opentelemetry.trace import SpanKind
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("workbench.guard_spans needs the OpenTelemetry SDK: pip install 'workbench[capture]' "
                      "(or opentelemetry-sdk)") from exc

from .exceptions import PolicyViolation
from .guard import keep_cut, max_runs_of, policy_of
from .ingest._ag2 import failed_without_status
from .ingest._agent_ids import TraceAgentIds, has_identifier
from .ingest._convention_table import EXCEPTION_EVENTS, status_of
from .ingest._framework_agents import agents_trace_root, agno_run_agent
from .ingest._logfire import rendered_name
from .ingest._map_span import map_span
from .ingest._step_sink import stored_reason
from .policy._core import Core, Decision, RunState, call_key, digest_of
from .policy._model import Policy

__all__ = ["GuardSpanProcessor", "SpanDecision"]

_log = logging.getLogger("workbench.guard")
_MAX_SPANS = 4096        # spans of one run remembered (agent, depth) for their children
_MAX_ENDED = 1024        # ended spans of one run remembered for the traces that link to them
_SMALL = 256            # characters of an attribute a start's mapping is kept for (see _mapped_start)
_MESSAGING = frozenset({SpanKind.PRODUCER, SpanKind.CONSUMER})


@dataclass(frozen=True)
class SpanDecision:
    """A cut or an escalation, as ``on_cut`` / ``on_escalate`` receive it.

    ``run_id`` is the trace id (32 hex digits, the store's run id), ``step_id`` the span id (16 hex
    digits), ``phase`` ``"start"`` (the span was checked when it began: a cut there means the step
    should not run) or ``"end"`` (checked when it ended: latency, repeated replies, HITL rules, and a
    tool call whose arguments its span gave only at its end)."""

    run_id: str
    step_id: str
    agent: str | None
    kind: str | None
    tool: str | None
    action: str
    rule: str
    value: float
    limit: float
    phase: str


class _Step:
    """What the processor remembers of one span of a run: the agent it acts for, its depth, whether a
    span began under it, whether its check waits for its end, and a tool call's key (:func:`call_key`,
    at most 256 characters or a digest), never its arguments: a span that never ends is held until its
    trace's root ends, ``_MAX_SPANS`` later spans of its run push it out, or its run is forgotten (LRU of
    ``max_runs``), and what it holds meanwhile does not grow with the arguments it was given."""

    __slots__ = ("agent", "depth", "kind", "tool", "key", "encloses", "late", "args_late", "retried", "dropped",
                 "above", "pending", "inner", "llm_kids", "started", "ended_as", "held", "waits_on", "end_told",
                 "top")

    def __init__(self, agent: str | None, depth: int, kind: str, tool: str | None, late: bool,
                 dropped: bool = False, args_late: bool = False) -> None:
        self.agent, self.depth, self.kind, self.tool = agent, depth, kind, tool
        self.key: str | None = None
        self.encloses = 0          # spans begun under it that the store keeps (so far)
        self.above: _Step | None = None     # the span it began under, when it gives it ``encloses``
        self.late = late
        # a tool call begun without arguments: judged then as a call without any, again at its end if it gave some
        self.args_late = args_late
        self.retried = False       # (its judgement at the start counted it a retry)
        self.dropped = dropped     # the store quarantines the span: no step of the backtest's, none here
        # An LLM span begun as the only LLM child of an open LLM span may be the same model call written twice
        # (Google ADK's call_llm around generate_content; store/sql/same_call_llm.sql), which the store keeps
        # as one step, the parent's: it is judged only when its parent ends (_pair), as that step or, if it is
        # not the same call, as a step of its own. pending: this span waits so; inner: the span waiting under
        # this one; llm_kids: LLM spans begun under this one; started: its start (epoch seconds); ended_as:
        # a pending span's end (span, mapping, status, own agent, name), kept until its parent's end.
        self.pending = False
        self.inner: _Step | None = None
        self.llm_kids = 0
        self.started: float | None = None
        self.ended_as: tuple | None = None
        # A span begun under a waiting one (a tool the model client's span runs) waits with it: the store
        # moves it under the parent's step when the two are one call (its depth the parent's + 1, not + 2), so
        # its depth is known only then. held: such spans waiting under this one; waits_on: the one it waits
        # under (then pending too).
        self.held: list[_Step] | None = None
        self.waits_on: _Step | None = None
        # An LLM span that ends before its waiting inner span (async code ends a model client's span after the
        # framework's) keeps its end in ended_as too, judged when the inner one ends (_end_deferred); end_told:
        # a decision then is its end's.
        self.end_told = False
        self.top: int | None = None   # the id of the top span here whose subtree it is in (_Run.tops)


class _Run:
    __slots__ = ("state", "lock", "spans", "last_agent", "cut_told", "ended", "joined", "deferred", "tops")

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.lock = threading.Lock()
        self.spans: OrderedDict[int, _Step] = OrderedDict()
        self.last_agent: dict[int | None, str] = {}   # per parent span: the agent its latest child named
        self.ended: OrderedDict[int, _Step] = OrderedDict()   # ended spans another trace may link to
        self.joined = False     # other traces continue this run (their spans outlive its root)
        self.cut_told = False
        # LLM spans ended before their waiting inner span (_end_deferred): judged, at the latest, when the
        # trace's root ends (an inner span that never ends holds back no end's check for longer)
        self.deferred: list[_Step] = []
        # the trace's top spans here still open (its root, or each span continuing a remote parent: a remote caller
        # may send two requests under one trace): a top span's end judges what waits in its own subtree only
        self.tops: OrderedDict[int, None] = OrderedDict()


class GuardSpanProcessor(SpanProcessor):
    """Enforce a :class:`~workbench.policy.Policy` on the spans a running system writes.

    Parameters
    ----------
    policy : Policy or path
        The policy, or a YAML / JSON file holding one.
    on_escalate : callable, optional
        Called with a :class:`SpanDecision` when a HITL rule fires (without one: logged).
    on_cut : callable, optional
        Called with a :class:`SpanDecision` when a breaker, budget or loop limit cuts a run, once per
        run (without one: logged).
    raise_on_cut : bool
        Raise :class:`PolicyViolation` from ``on_start`` of the span that was cut and of every later
        span of the run. It reaches the framework only where its instrumentation starts spans around
        the work and lets the error through (see the module's docstring); off by default.
    max_runs : int
        Runs remembered at once (least recently used forgotten beyond). A run forgotten while cut keeps its
        cut (the decision alone, for up to ``max_runs`` such runs): ``should_stop()`` stays True in it.

    Examples
    --------
    >>> from opentelemetry.sdk.trace import TracerProvider
    >>> from workbench.policy import Budgets, Policy
    >>> provider = TracerProvider()
    >>> guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=1)))
    >>> provider.add_span_processor(guard)
    >>> tracer = provider.get_tracer("app")
    >>> with tracer.start_as_current_span("run") as root:
    ...     for sku in ("A", "B"):
    ...         with tracer.start_as_current_span("execute_tool get_price", attributes={
    ...                 "gen_ai.operation.name": "execute_tool", "gen_ai.tool.call.arguments": sku}):
    ...             pass
    ...     guard.should_stop()
    True
    """

    def __init__(self, policy: Policy | str, on_escalate: Callable[[SpanDecision], Any] | None = None,
                 on_cut: Callable[[SpanDecision], Any] | None = None, raise_on_cut: bool = False,
                 max_runs: int = 10_000) -> None:
        policy = policy_of(policy)
        max_runs = max_runs_of(max_runs)
        self.policy = policy
        self.on_escalate = on_escalate
        self.on_cut = on_cut
        self.raise_on_cut = raise_on_cut
        self.max_runs = max_runs
        self._core = Core(policy)
        # a tool call's arguments matter to the retry and loop limits only, and to a HITL rule counting retries
        # (a call of the same tool is a retry or not by its arguments)
        self._reads_args = (policy.budgets.max_retries is not None or policy.loops.max_repeats is not None
                            or any(rule.signal == "retries" for rule in policy.hitl))
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        # the cut of each run forgotten past max_runs while cut (at most max_runs): the run may still be going, and
        # forgetting its cut made should_stop() turn False inside it and let its next call through
        self._cuts: OrderedDict[str, Decision] = OrderedDict()
        self._lock = threading.Lock()
        self._agent_ids = TraceAgentIds()
        self._joined: OrderedDict[str, str] = OrderedDict()   # trace -> the run it continues (span links)
        # A span's start says little and says it again and again (an operation, an agent's name, a model):
        # the mapping of a start seen before is taken again, not made again (the end is mapped in full)
        self._starts: dict[tuple, tuple[dict[str, Any], str, str | None]] = {}
        self.errors = 0      # spans the processor could not read (logged)
        self.quarantined = 0     # spans the store would quarantine: not decided on, as the backtest never sees them
        self.clock_skewed = 0    # spans ending before they start: judged with no latency (see _skewed)

    # -- what the application asks ---------------------------------------------------------------
    def should_stop(self, run_id: str | int | None = None) -> bool:
        """Whether the run was cut. ``run_id``: the trace id (hex or int); by default the trace of the
        current span (call it from inside the run: a tool, a loop of the application's own)."""
        return self.cut(run_id) is not None

    def cut(self, run_id: str | int | None = None) -> Decision | None:
        """The run's cut (rule, value, limit), or None. ``run_id`` as for :meth:`should_stop`."""
        key = _run_key(run_id)
        if key is None:
            return None
        with self._lock:
            # (a trace that continues another run, a linked turn, is that run: asked for its own trace, a turn of a
            # cut run read as never cut and the application polling should_stop() went on)
            key = self._joined.get(key, key)
            run = self._runs.get(key)
            return run.state.cut if run is not None else self._cuts.get(key)

    def active_runs(self) -> int:
        """Runs the processor currently remembers."""
        with self._lock:
            return len(self._runs)

    # -- the SpanProcessor interface -------------------------------------------------------------
    def on_start(self, span: Span, parent_context: Any = None) -> None:
        try:
            event = self._start(span)
        except Exception:  # noqa: BLE001 - the processor must never break the application it watches
            self.errors += 1
            _log.exception("workbench guard: could not read span %r at its start", getattr(span, "name", None))
            return
        if event is not None and self.raise_on_cut:
            raise PolicyViolation(
                f"run {event.run_id!r}, agent {event.agent!r}: {event.rule} is {event.value:g}, "
                f"the limit is {event.limit:g}", rule=event.rule, value=event.value, limit=event.limit,
                run_id=event.run_id)

    def on_end(self, span: ReadableSpan) -> None:
        try:
            self._end(span)
        except Exception:  # noqa: BLE001 - as on_start
            self.errors += 1
            _log.exception("workbench guard: could not read span %r at its end", getattr(span, "name", None))

    def shutdown(self) -> None:
        with self._lock:
            self._runs.clear()
            self._cuts.clear()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    # -- internals -----------------------------------------------------------------------------
    def _run(self, key: str) -> _Run:
        with self._lock:
            runs = self._runs
            run = runs.get(key)
            if run is None:
                run = runs[key] = _Run(self._core.new_run())
                cut = self._cuts.pop(key, None)
                if cut is not None:     # a run that was cut stays cut (and on_cut is not told again)
                    run.state.cut, run.cut_told = cut, True
                if len(runs) > self.max_runs:
                    gone, old = runs.popitem(last=False)
                    self._agent_ids.traces.pop(gone, None)   # (it kept 100,000 traces' agent names)
                    keep_cut(self._cuts, gone, old.state.cut, self.max_runs)
            else:
                runs.move_to_end(key)
            return run

    def _start(self, span: Span) -> SpanDecision | None:
        """Map the span as it is when it starts and check it, unless what the check reads comes only at
        its end. Returns the cut to raise (``raise_on_cut``) or None."""
        ctx = span.get_span_context()
        trace = f"{ctx.trace_id:032x}"
        parent = span.parent.span_id if span.parent is not None else None
        # a span the store quarantines (a value out of range, a field past its size limit) is no step of the
        # backtest's: not checked, and its children are roots of the store's walk (no depth or agent from it)
        m, name, reason = self._mapped_start(span, parent is None)
        key, linked = self._key(trace), None
        if parent is None and span.links and len(span.links) == 1:
            key, linked = self._join(trace, span)
        run = self._run(key)
        agent = self._agent(key, span, m)
        with run.lock:
            st = run.state
            if st.cut is not None:
                return self._stopped(key, ctx.span_id, agent, m, run)
            above = run.spans.get(parent) if parent is not None else None
            if linked is not None:     # a call made in a new trace: the linked span is its caller
                above = run.spans.get(linked) or run.ended.get(linked)
            # (the top span here whose subtree it is in: its own id when it is one, or its parent is unknown)
            top = above.top if above is not None and above.top is not None else ctx.span_id
            if key == trace and (parent is None or span.parent.is_remote):
                run.tops[ctx.span_id] = None
                if len(run.tops) > _MAX_SPANS:
                    run.tops.popitem(last=False)
            if above is not None and above.dropped:
                above = None
            if reason is not None:
                run.spans[ctx.span_id] = dropped = _Step(agent, 0, m["kind"], None, True, dropped=True)
                dropped.top = top
                if len(run.spans) > _MAX_SPANS:
                    run.spans.popitem(last=False)
                self._dropped(trace, ctx.span_id, reason)
                return None
            kind, tool, args = _call(m, name)
            told: list[tuple[int, _Step, Decision]] = []
            inner = False
            if kind == "llm" and above is not None:
                above.llm_kids += 1
                if above.pending and above.waits_on is None:   # (a chain of three: the span it began
                    told += self._release(run, above)                # under is no pair's child)
                elif above.inner is not None:     # (a second LLM child: the first is a call of its own)
                    told += self._release(run, above.inner)
                inner = above.kind == "llm" and above.llm_kids == 1 and not above.dropped
            if above is not None and not inner:
                above.encloses += 1
            if m["agent_of_previous"] and agent is None:
                agent = run.last_agent.get(parent)      # as the store's agent_of_previous.sql
            if agent is not None:
                run.last_agent[parent] = agent
                if len(run.last_agent) > _MAX_SPANS:
                    run.last_agent.pop(next(iter(run.last_agent)))
            if agent is None and above is not None:
                agent = above.agent
            depth = above.depth + 1 if above is not None else 0
            held = above is not None and above.pending and not inner
            # checked at its end when the span says nothing yet of what it is (OpenInference's LangChain
            # spans carry only a name until they end). A tool call without arguments when a limit reads them
            # is judged now, where the backtest judges it, as the call without arguments it is for the store
            # if it never gives any (AutoGen's); if it gives them at its end (OpenInference's openai-agents
            # spans), what that judgement counted is taken back and the call judged again with them then
            late = kind == "other" and agent is None and not span.attributes
            args_late = kind == "tool" and args is None and self._reads_args
            step = _Step(agent, depth, kind, tool, late, args_late=args_late)
            step.above, step.top = above, top
            step.started = _seconds(span.start_time)
            if late:   # (judged at its end; its start still starts the run's clock, as the stored run's does)
                st.clock_from(step.started)
            run.spans[ctx.span_id] = step
            if len(run.spans) > _MAX_SPANS:
                run.spans.popitem(last=False)
            if inner or held:
                step.pending = True
                step.key = ctx.span_id      # (its own id, until it is judged: _release tells it by this)
                if inner:
                    above.inner = step
                else:
                    step.waits_on = above
                    above.held = [*(above.held or ()), step]
            d = None
            if not (late or inner or held):
                retries = st.retries_total
                d = self._core.before(st, agent, kind, tool, args, depth, _seconds(span.start_time))
                if kind == "tool":
                    step.key = st.last_key     # (what after() reads of the arguments: they are not held)
                    step.retried = st.retries_total > retries
        cut = self._told(key, told, run)
        if d is not None and d.action == "cut":
            return self._tell(key, ctx.span_id, step, d, "start", run)
        return cut

    def _end(self, span: ReadableSpan) -> None:
        ctx = span.context
        trace = f"{ctx.trace_id:032x}"
        key = self._key(trace)
        root = span.parent is None and key == trace
        # (the top span of the trace in this process: its root, or a span continuing a remote parent, a service
        # called with a traceparent header, whose root ends elsewhere and never here)
        top = key == trace and (span.parent is None or span.parent.is_remote)
        m, name = _mapped(span, root)
        reason = stored_reason(m, name, span.start_time, span.end_time, trace, f"{ctx.span_id:016x}")
        digest_note = None
        if reason is not None:
            m, reason, digested = _digested(m, name, span.start_time, span.end_time, trace, ctx.span_id, reason)
            if digested is not None and reason is None:    # (counted once, at its end: every span ends once)
                digest_note = digested
        status = status_of(span.status.status_code.value) or "unset"
        if (status == "unset" and failed_without_status(span.attributes or {})) or m["failed"]:
            status = "error"    # (m["failed"]: a failure handed back as the call's result, as the store reads it)
        elif status != "error" and any(e.name in EXCEPTION_EVENTS for e in span.events or ()):
            status = "error"    # (an exception recorded with no error status: _span_outcome.recorded_failure)
        own = self._agent(key, span, m)     # (its own agent: a span checked only at its end says it then)
        run = self._run(key)
        told: list[tuple[int, _Step, Decision]] = []
        with run.lock:
            step = run.spans.pop(ctx.span_id, None)
            # (a span dropped at its start was counted then: one span, counted once; it was counted again here)
            if digest_note is not None and not (step is not None and step.dropped):
                with self._lock:
                    self.quarantined += 1
                _log.info("workbench guard: span %016x of trace %s is one the store quarantines (%s): checked by "
                          "its digest", ctx.span_id, trace, digest_note)
            if step is not None:
                run.ended[ctx.span_id] = step
                if len(run.ended) > _MAX_ENDED:
                    run.ended.popitem(last=False)
            if step is not None and step.pending:     # judged when its parent ends (_Step.pending)
                above = step.above
                if reason is None:
                    step.ended_as = (span, m, status, own, name)
                    if above is None or above.inner is not step or above.ended_as is None:
                        return
                    told = self._end_deferred(run, above)     # (its parent ended first: the two now)
                    step = None
            if step is not None and step.pending:
                step.pending, step.dropped = False, True      # (no step of the store's: nothing was counted)
                if above is not None and above.inner is step:
                    above.inner = None
                    if above.ended_as is not None:    # (its parent ended first: judged alone now)
                        told += self._end_deferred(run, above)
                if step.waits_on is not None and step.waits_on.held:
                    step.waits_on.held.remove(step)
                step.above = step.waits_on = None
                self._dropped(trace, ctx.span_id, reason)
                told += self._release_held(run, step, 0)   # (its own waiting spans: judged as begun)
                step = None     # (nothing more to judge of it; what it held is told below, outside the lock)
            if root and not run.joined:     # the trace's root ended: its spans' agents are needed no more
                # (but the spans still open are kept, at most _MAX_SPANS: one that outlives the root, a call
                # left running, is checked at its end as the backtest checks it)
                run.last_agent.clear()
            if top:
                run.tops.pop(ctx.span_id, None)
                # (what waits in this top span's subtree, or in none still open here; another top span's, a
                # request still running under the same trace, waits for its own end)
                ours = [s for s in run.spans.values() if s.top == ctx.span_id or s.top not in run.tops]
            if top:      # (an inner span whose parent is still open: the store, without the parent, keeps it
                # as a root of its own, which it is judged as now)
                for open_span in ours:
                    inner = open_span.inner
                    if inner is not None and inner.ended_as is not None and inner.above is open_span:
                        _shallower(inner, inner.depth)
                        told += self._release(run, inner)
            if top and run.deferred:     # (spans whose inner span is still open: their ends judged now, alone)
                later = [w for w in run.deferred if w.top != ctx.span_id and w.top in run.tops]
                for waiting in run.deferred:
                    if waiting in later:
                        continue
                    if waiting.ended_as is not None:
                        inner = waiting.inner
                        # (an inner span still open is no step of the store's, whose file holds ended spans:
                        # unjudged, and the parent judged as a step enclosing none)
                        if inner is not None:
                            waiting.inner = inner.above = None
                            inner.pending, inner.key = False, None
                            told += self._release_held(run, inner, 0)
                        told += self._end_deferred(run, waiting)
                run.deferred = later
            if step is not None and reason is not None and not step.dropped:
                step.dropped = True
                self._dropped(trace, ctx.span_id, reason)
                self._unstarted(run.state, step)
            if step is not None:
                step.above = None      # (an ended span holds no other)
            waits = step is not None and step.inner is not None and not step.dropped and step.inner.ended_as is None
            if waits:       # its inner span ends later: the two are judged then (_end_deferred)
                step.ended_as = (span, m, status, own, name)
                run.deferred = [w for w in run.deferred if w.ended_as is not None] + [step]
            elif step is not None and step.inner is not None and not step.dropped:
                m, status, more = self._pair(run, step, span, m, status)
                told += more
            d = None if step is None or step.dropped or waits else \
                self._ended(run.state, step, span, m, status, own, name)
        self._told(key, told, run)
        if d is not None and d[0].action != "allow":
            self._tell(key, ctx.span_id, step, d[0], d[1], run)

    def _pair(self, run: _Run, step: _Step, span: ReadableSpan, m: dict[str, Any], status: str
              ) -> tuple[dict[str, Any], str, list[tuple[int, _Step, Decision]]]:
        """An LLM span ends with its only LLM child waiting (_Step.pending): when the two are one model call by the
        store's rule (store/sql/same_call_llm.sql: both name the model, equal but for a provider prefix, both
        give equal input and output tokens, no ADK event id tells them apart, the child has no LLM child), the
        child is this step, which takes what only the child gave, as the store's row; otherwise the child is
        judged as a step of its own now. (Under the run's lock.)"""
        inner = step.inner
        assert inner is not None
        ended = inner.ended_as
        if ended is None or inner.llm_kids or step.llm_kids != 1 or not _same_call(span, m, ended):
            return m, status, self._release(run, inner)
        step.inner, inner.pending, inner.above = None, False, None
        child, c_status = ended[1], ended[2]
        step.encloses += inner.encloses
        m = {**m, **{f: c for f in ("output", "tokens_in", "tokens_out", "cost", "confidence", "entropy")
                     if m.get(f) is None and (c := child.get(f)) is not None}}
        # (the spans begun under the child are the step's, one level up, as the store moves them)
        return m, ("error" if c_status == "error" else status), self._release_held(run, inner, 1)

    def _release(self, run: _Run, step: _Step) -> list[tuple[int, _Step, Decision]]:
        """A waiting LLM span found a step of its own (its parent began a second LLM span, or it began one, or
        its parent ended and the two are not one call): judged now as it would have been, its start check then
        (and, when it ended already, its end's). What to tell, for after the lock. (Under the run's lock.)"""
        above, span_id = step.above, step.key
        step.pending, step.key = False, None
        first: list[tuple[int, _Step, Decision]] = []
        if above is not None:
            if above.inner is step:
                above.inner = None
            above.encloses += 1
            if above.ended_as is not None and not above.pending:    # (its parent ended first: judged alone)
                first = self._end_deferred(run, above)
        st = run.state
        if st.cut is not None:
            return first
        if step.ended_as is not None:
            span, m, status, own, name = step.ended_as
            step.ended_as, step.late = None, True      # (the late path: its start check, then its end's)
            d = self._ended(st, step, span, m, status, own, name)
            told = [(span_id, step, d[0])] if d is not None and d[0].action != "allow" else []
        else:
            d = self._core.before(st, step.agent, step.kind, step.tool, None, step.depth, step.started)
            told = [(span_id, step, d)] if d.action == "cut" else []
        return first + told + self._release_held(run, step, 0)

    def _end_deferred(self, run: _Run, step: _Step) -> list[tuple[int, _Step, Decision]]:
        """An LLM span that ended before its waiting inner span (_Step.ended_as), judged at its end now that the
        inner one ended (with it, as one call, when the store's rule holds: _pair) or was found no pair's.
        (Under the run's lock.)"""
        assert step.ended_as is not None
        span, m, status, own, name = step.ended_as
        step.ended_as = None
        told: list[tuple[int, _Step, Decision]] = []
        if step.inner is not None:
            m, status, told = self._pair(run, step, span, m, status)
        d = self._ended(run.state, step, span, m, status, own, name)
        if d is not None and d[0].action != "allow":
            step.end_told = True
            told.append((span.context.span_id, step, d[0]))
        return told

    def _release_held(self, run: _Run, step: _Step, up: int) -> list[tuple[int, _Step, Decision]]:
        """The spans waiting under ``step`` (_Step.held) and theirs, judged now in the order they began, ``up``
        levels less deep (1: ``step`` was found one call with its parent, the store's step). (Under the lock.)"""
        told: list[tuple[int, _Step, Decision]] = []
        for kid in step.held or ():
            kid.waits_on, kid.above = None, None      # (it counted in ``encloses`` when it began)
            _shallower(kid, up)
            told += self._release(run, kid)
        step.held = None
        return told

    def _told(self, key: str, told: list[tuple[int, _Step, Decision]], run: _Run) -> SpanDecision | None:
        """Tell the decisions on waiting spans judged late (outside the run's lock); the cut, if one was."""
        cut = None
        for span_id, step, d in told:
            event = self._tell(key, span_id, step, d, "end" if step.late or step.end_told else "start", run)
            if d.action == "cut":
                cut = event
        return cut

    def _ended(self, st: RunState, step: _Step, span: ReadableSpan, m: dict[str, Any], status: str,
               own: str | None, name: str) -> tuple[Decision, str] | None:
        """The decision at a span's end (under the run's lock): its late check first, when it had one."""
        if st.cut is not None:
            return None
        kind, tool, args = _call(m, name)
        key = step.key
        if kind != step.kind or step.late:    # the span said what it is only at its end
            step.kind, step.tool, key = kind, tool, None
        if step.late:
            step.agent = own if own is not None else step.agent
            d = self._core.before(st, step.agent, kind, tool, args, step.depth, _seconds(span.start_time))
            if d.action == "cut":
                return d, "end"
        elif step.args_late and kind == "tool":
            step.agent, step.tool = (own if own is not None else step.agent), tool
            given = call_key(step.agent, tool, args)
            if given != key:      # its arguments (or its agent) came now: it is another call than judged
                if step.retried:
                    self._core.unretry(st, key)
                d = self._core.call(st, step.agent, tool, args)
                key = given
                if d.action == "cut":
                    return d, "end"
        latency = (span.end_time - span.start_time) / 1e6 \
            if span.end_time is not None and span.start_time is not None else None
        ended = _seconds(span.end_time)
        if latency is not None and latency < 0:
            latency, ended = None, None
            self._skewed(span)
        signals = {"confidence": m["confidence"], "entropy": m["entropy"], "tokens_in": m["tokens_in"],
                   "tokens_out": m["tokens_out"], "cost": m["cost"]}
        return self._core.after(st, step.agent, step.kind, step.tool, args, status, latency,
                                ended, signals, m["output"], step.encloses > 0, key=key), "end"

    def _skewed(self, span: ReadableSpan) -> None:
        """A span ending before it starts (a clock stepped back between the two, or two hosts' clocks): its
        latency is not known, not negative. A negative one passed every latency limit and HITL rule unseen (the
        hand Guard refuses one with an error; a processor must not raise into the application), and its end, read
        as the run's latest time, shortened the run. Which of its two times is wrong cannot be told (a start an
        hour ahead, taken as its end, cut a run by ``max_run_latency_ms``), so it is judged as a step of unknown
        latency and unknown end, moving neither its latency nor the run's clock, the rest of it checked as any
        step's (a tool call still counts: clock skew is no way past a budget); counted
        in ``clock_skewed`` and logged. The store quarantines such a span ("ends before it starts"), so here the
        guard and the backtest can differ, as for a call checked by its arguments' digest."""
        with self._lock:
            self.clock_skewed += 1
        ctx = span.context
        _log.warning("workbench guard: span %016x of trace %032x ends before it starts (end %d ns < start %d ns): "
                     "judged with no latency", ctx.span_id, ctx.trace_id, span.end_time, span.start_time)

    def _unstarted(self, st: RunState, step: _Step) -> None:
        """A span found bad only at its end (the store quarantines it: no step of the backtest's): take back what
        its start counted that later checks read: its tool call (run's and agent's counts, the retry it was)
        and its parent's enclosing it. What its start decided stays (a cut told, the spans begun under it
        given its depth and agent, an agent's turn for ping-pong and hand-offs, the run's start time): undoing
        that would need a copy of the run's state per span."""
        if step.above is not None:
            step.above.encloses -= 1
            step.above = None
        if not step.late and st.cut is None:     # (a late step was never checked: nothing counted)
            self._core.uncount(st, step.agent, step.kind, step.key if step.retried else None)

    def _mapped_start(self, span: Span, root: bool) -> tuple[dict[str, Any], str, str | None]:
        """The span mapped as it starts, and why the store would quarantine it as it is then (None: it
        would not). ``map_span`` is a function of the attributes, name, events, root flag and scope: a start
        with small attributes and no events seen before from the same scope has its mapping already (kept for
        1,024 such starts; never a start holding long text, in an attribute, an array or its name, so no tool
        call's arguments are kept here)."""
        attrs = span.attributes
        key = None
        name = span.name
        if not span.events and name.__class__ is str and len(name) <= _SMALL and (
                not attrs or (len(attrs) <= 8 and all(_small(v) for v in attrs.values()))):
            scope = span.instrumentation_scope     # (what a span means may depend on who wrote it)
            key = (name, root, scope.name if scope is not None else None, tuple(attrs.items()) if attrs else ())
            try:
                hit = self._starts.get(key)
            except TypeError:      # (an unhashable value: not kept)
                hit, key = None, None
            start = span.start_time
            if hit is not None and (start is None or 0 <= start < 2**63):
                return hit
        m, name = _mapped(span, root)
        ctx = span.get_span_context()
        reason = stored_reason(m, name, span.start_time, None, f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}")
        if reason is not None:
            m, reason, _ = _digested(m, name, span.start_time, None, f"{ctx.trace_id:032x}", ctx.span_id, reason)
        done = m, name, reason
        if key is not None and done[2] is None and span.start_time is not None and 0 <= span.start_time < 2**63:
            if len(self._starts) >= 1024:
                self._starts.clear()
            self._starts[key] = done
        return done

    def _dropped(self, trace: str, span_id: int, reason: str) -> None:
        self.quarantined += 1
        _log.info("workbench guard: span %016x of trace %s is one the store quarantines (%s): not checked, as "
                  "the backtest never sees it", span_id, trace, reason)

    def _key(self, trace: str) -> str:
        """The run a trace's spans belong to: its own, or the run of the trace it continues."""
        with self._lock:
            return self._joined.get(trace, trace)

    def _join(self, trace: str, span: Span) -> tuple[str, int | None]:
        """A root with exactly one link to a span of another trace the processor has seen continues that
        trace, as the store joins it (ingest/_links.py): its run is the linked trace's; a messaging hop
        (PRODUCER / CONSUMER, ``messaging.*``) stays a root, any other root gets the linked span as its
        caller (returned)."""
        link = span.links[0].context
        other = f"{link.trace_id:032x}"
        if other == trace:
            return trace, None
        key = self._key(other)
        with self._lock:
            run = self._runs.get(key)
            # (a cut run pushed out of memory keeps its cut alone: a turn linked to it continues it, cut; it
            # started a fresh run, its calls counted from zero)
            forgotten_cut = run is None and key in self._cuts
        if run is None and not forgotten_cut:
            return trace, None
        if run is not None:
            with run.lock:
                if run.state.cut is None and link.span_id not in run.spans and link.span_id not in run.ended:
                    return trace, None       # a link to a span not seen changes nothing (a cut run keeps none)
                run.joined = True
        with self._lock:
            self._joined[trace] = key
            if len(self._joined) > 8 * self.max_runs:
                self._joined.popitem(last=False)
        hop = span.kind in _MESSAGING or any(k.startswith("messaging.") for k in (span.attributes or {}))
        return key, None if hop else link.span_id

    def _tell(self, key: str, span_id: int, step: _Step, d: Decision, phase: str, run: _Run) -> SpanDecision:
        event = SpanDecision(key, f"{span_id:016x}", step.agent, step.kind, step.tool, d.action, d.rule or "",
                             float(d.value or 0.0), float(d.limit or 0.0), phase)
        if d.action == "cut":
            with run.lock:
                told, run.cut_told = run.cut_told, True
            if told:
                return event
            hook = self.on_cut
        else:
            hook = self.on_escalate
        if hook is not None:
            try:
                hook(event)
            except Exception:  # noqa: BLE001 - the user's hook failing must not break the application
                _log.exception("workbench guard: the %s hook raised", "on_cut" if d.action == "cut" else "on_escalate")
        else:
            _log.warning("workbench guard: %s run %r at span %s (agent %r): %s", d.action, key, event.step_id,
                         step.agent, d)
        return event

    def _stopped(self, key: str, span_id: int, agent: str | None, m: dict[str, Any], run: _Run) -> SpanDecision | None:
        """A span of a run already cut: nothing to decide; the cut again, for ``raise_on_cut``."""
        if not self.raise_on_cut:
            return None
        d = run.state.cut
        return SpanDecision(key, f"{span_id:016x}", agent, m["kind"], m["tool"], "cut", d.rule or "",
                            float(d.value or 0.0), float(d.limit or 0.0), "start")

    def _agent(self, key: str, span: Any, m: dict[str, Any]) -> str | None:
        """The span's own agent, named as the OTLP reader names it."""
        agent = m["agent"]
        scope = span.instrumentation_scope
        if m["kind"] == "agent" and agent == span.name and scope is not None:
            agent = agno_run_agent(span.name, scope.name) or agent
        if agent.__class__ is str and has_identifier(agent):
            with self._lock:
                agent = self._agent_ids.name(key, agent, dict(span.attributes or {}))
        return agent


def _shallower(step: _Step, up: int) -> None:
    """``step`` and the spans waiting under it ``up`` levels less deep."""
    step.depth -= up
    for kid in step.held or ():
        _shallower(kid, up)


def _mapped(span: Any, root: bool) -> tuple[dict[str, Any], str]:
    """The span's step fields and name, as the OTLP adapter maps the same span from the Collector's file
    (``map_span``, and the reader's rule on the instrumentation scope: ``_otlp_read``)."""
    attrs = {k: list(v) if isinstance(v, tuple) else v for k, v in (span.attributes or {}).items()}
    events = [{"name": e.name, "attributes": {k: list(v) if isinstance(v, tuple) else v
                                              for k, v in (e.attributes or {}).items()}}
              for e in span.events] if span.events else None
    name = rendered_name(span.name, attrs)
    m = map_span(attrs, name, events, root=root)
    scope = span.instrumentation_scope
    if root and m["kind"] == "agent" and m["agent"] == name and scope is not None \
            and agents_trace_root(attrs, scope.name):
        m["kind"], m["agent"] = "chain", None     # openai-agents' trace span (JavaScript's), no agent
    for field in ("agent", "tool"):     # an attribute array or number: the text the store keeps of it
        value = m[field]
        if value is not None and value.__class__ is not str:
            m[field] = _stored_text(value)
    return m, name


def _same_call(span: Any, m: dict[str, Any], ended: tuple) -> bool:
    """Whether an LLM span (``span``, its mapping at its end ``m``) and its only LLM child (``ended``: its span and
    mapping) are one model call by the store's rule (store/sql/same_call_llm.sql)."""
    c = ended[1]
    models = [x.rsplit("/", 1)[-1].lower() if x.__class__ is str else None for x in (m.get("model"), c.get("model"))]
    if models[0] is None or models[0] != models[1]:
        return False
    if any(m.get(f) is None or m.get(f) != c.get(f) for f in ("tokens_in", "tokens_out")):
        return False
    p_event, c_event = ((s.attributes or {}).get(_EVENT_ID) for s in (span, ended[0]))
    return p_event is None or c_event is None or str(p_event) == str(c_event)


_EVENT_ID = "gcp.vertex.agent.event_id"


def _small(value: Any) -> bool:
    """Whether an attribute's value is small enough to keep in a reused start's key: text of up to
    ``_SMALL`` characters, a number, or an array of up to 8 of those (an array may hold a document too)."""
    if value.__class__ is tuple:
        return len(value) <= 8 and all(v.__class__ is not str or len(v) <= _SMALL for v in value)
    return value.__class__ is not str or len(value) <= _SMALL


def _stored_text(value: Any) -> str:
    """A name that is no string as the store writes it (``ingest/_fields.py``): JSON text of an array or
    object, ``str`` of a number or boolean; the SDK keeps attribute arrays as tuples."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False, default=str)
    return str(value)


def _digested(m: dict[str, Any], name: str, start: int | None, end: int | None, trace: str, span_id: int,
              reason: str) -> tuple[dict[str, Any], str | None, str | None]:
    """A tool span the store quarantines for its arguments alone (past the field limit, not UTF-8), or any span for
    its output alone, is checked all the same, by a digest of the whole value, as the hand Guard checks such a step
    (a call looping with a huge argument or result escaped every limit): ``(m with the digest, why the store would
    still quarantine it or None, the first reason)``; any other span as it came, with its reason and None."""
    first, digested = reason, m
    for field_name in ("input", "output"):    # (a call's arguments, then any step's output: the hand Guard's two)
        if (reason is not None and reason.startswith(f"field '{field_name}'") and isinstance(m[field_name], str)
                and (field_name == "output" or m["kind"] == "tool")):
            m = dict(m, **{field_name: digest_of(m[field_name])})
            reason = stored_reason(m, name, start, end, trace, f"{span_id:016x}")
    return (m, reason, first) if m is not digested else (m, reason, None)


def _call(m: dict[str, Any], name: str) -> tuple[str, str | None, Any]:
    """Kind, tool and arguments as the backtest reads them (``policy/sql/backtest_steps.sql``)."""
    kind = m["kind"]
    if kind == "tool":
        return kind, m["tool"] if m["tool"] is not None else name, m["input"]
    return kind, m["tool"], None


def _seconds(ns: int | None) -> float | None:
    """Epoch seconds at the store's precision (microseconds), as the backtest reads the times."""
    return (ns // 1000) / 1e6 if ns is not None else None


def _run_key(run_id: str | int | None) -> str | None:
    if run_id is None:
        ctx = trace_api.get_current_span().get_span_context()
        return f"{ctx.trace_id:032x}" if ctx.is_valid else None
    if isinstance(run_id, int):
        return f"{run_id:032x}"
    return run_id.lower()
