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

An agent's creation written as the root of a trace of its own (autogen-core's ``create_agent <name>``, made before
its team runs), which the store joins to the run where the agent is first invoked, is held undecided until that turn
begins and judged there, under it (``_guard_span_created``); one whose agent is not invoked, when the processor is
flushed or shut down, where its nearest invoked sibling's creation went (else as a run of its own).

Its parts: a span's start (``_guard_span_starts``), its end past ``_end`` (``_guard_span_ends``), its run and the
hooks (``_guard_span_runs``), agents' creations (``_guard_span_created``), the records (``_guard_span_steps``) and the
reading of span values (``_guard_span_values``); the mapping of a span (``_mapped``) stays here.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

try:
    from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "workbench.guard_spans needs the OpenTelemetry SDK: pip install 'workbench[capture]' "
        "(or opentelemetry-sdk)"
    ) from exc

from ._guard_span_created import _SpanCreated
from ._guard_span_ends import _SpanEnds
from ._guard_span_haystack import ended_typed, is_haystack
from ._guard_span_runs import _SpanRuns
from ._guard_span_starts import _SpanStarts
from ._guard_span_steps import _MAX_ENDED, SpanDecision, _Run, _shallower, _Step
from ._guard_span_values import _SMALL, _digested, _end_status, _run_key, _small, _stored_text, _written
from .exceptions import PolicyViolation
from .guard import max_runs_of, policy_of
from .ingest._agent_ids import TraceAgentIds
from .ingest._framework_agents import agents_trace_root
from .ingest._logfire import rendered_name
from .ingest._map_span import map_span
from .ingest._step_sink import stored_reason
from .policy._core import Core, Decision
from .policy._model import Policy

__all__ = ["GuardSpanProcessor", "SpanDecision"]

_log = logging.getLogger("workbench.guard")


class GuardSpanProcessor(_SpanStarts, _SpanEnds, _SpanRuns, _SpanCreated, SpanProcessor):
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

    def __init__(
        self,
        policy: Policy | str,
        on_escalate: Callable[[SpanDecision], Any] | None = None,
        on_cut: Callable[[SpanDecision], Any] | None = None,
        raise_on_cut: bool = False,
        max_runs: int = 10_000,
    ) -> None:
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
        self._reads_args = (
            policy.budgets.max_retries is not None
            or policy.loops.max_repeats is not None
            or any(rule.signal == "retries" for rule in policy.hitl)
        )
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        # the cut of each run forgotten past max_runs while cut (at most max_runs): the run may still be going, and
        # forgetting its cut made should_stop() turn False inside it and let its next call through
        self._cuts: OrderedDict[str, Decision] = OrderedDict()
        self._lock = threading.Lock()
        self._agent_ids = TraceAgentIds()
        self._joined: OrderedDict[str, str] = OrderedDict()  # trace -> the run it continues (span links)
        # agents' creations held until their agent's first turn (by span id), and those joined while still open
        # (_guard_span_created)
        self._held: OrderedDict[int, Any] = OrderedDict()
        self._set_up: set[int] = set()
        # creations joined to their agent's first turn (by trace): resource, start, (run, that turn's step)
        self._made: OrderedDict[str, tuple] = OrderedDict()
        # A span's start says little and says it again and again (an operation, an agent's name, a model):
        # the mapping of a start seen before is taken again, not made again (the end is mapped in full)
        self._starts: dict[tuple, tuple[dict[str, Any], str, str | None]] = {}
        self.errors = 0  # spans the processor could not read (logged)
        self.quarantined = (
            0  # spans the store would quarantine: not decided on, as the backtest never sees them
        )
        self.clock_skewed = 0  # spans ending before they start: judged with no latency (see _skewed)

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
            _log.exception(
                "workbench guard: could not read span %r at its start", getattr(span, "name", None)
            )
            return
        if event is not None and self.raise_on_cut:
            raise PolicyViolation(
                f"run {event.run_id!r}, agent {event.agent!r}: {event.rule} is {event.value:g}, "
                f"the limit is {event.limit:g}",
                rule=event.rule,
                value=event.value,
                limit=event.limit,
                run_id=event.run_id,
            )

    def on_end(self, span: ReadableSpan) -> None:
        try:
            self._end(span)
        except Exception:  # noqa: BLE001 - as on_start
            self.errors += 1
            _log.exception("workbench guard: could not read span %r at its end", getattr(span, "name", None))

    def shutdown(self) -> None:
        self._release_created()  # (a creation whose agent was not invoked: where its sibling went, told now)
        with self._lock:
            self._runs.clear()
            self._cuts.clear()
            self._made.clear()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self._release_created()
        return True

    # -- internals -----------------------------------------------------------------------------
    def _end(self, span: ReadableSpan) -> None:
        ctx = span.context
        trace = f"{ctx.trace_id:032x}"
        key = self._key(trace)
        root = span.parent is None and key == trace
        # (the top span of the trace in this process: its root, or a span continuing a remote parent, a service
        # called with a traceparent header, whose root ends elsewhere and never here)
        top = key == trace and (span.parent is None or span.parent.is_remote)
        # (an agent's creation joined to the run of its agent's first turn while open: set-up there, _guard_span_created)
        set_up = bool(self._set_up) and span.parent is None and ctx.span_id in self._set_up
        m, name = _mapped(span, root or set_up)
        if set_up:
            self._set_up.discard(ctx.span_id)
            m = {**m, "kind": "system"}
        reason = stored_reason(m, name, span.start_time, span.end_time, trace, f"{ctx.span_id:016x}")
        if self._held and root and self._created_ends(span, trace, m, name, reason):
            return  # (an agent's creation, held for its agent's first turn)
        digest_note = None
        if reason is not None:
            m, reason, digested = _digested(
                m, name, span.start_time, span.end_time, trace, ctx.span_id, reason
            )
            if digested is not None and reason is None:  # (counted once, at its end: every span ends once)
                digest_note = digested
        run = self._run(key)
        begun: list[tuple[int, _Step, Decision]] = []
        if run.haystack:  # (held since their starts, its own too: judged as begun first, in start order)
            with run.lock:
                own_step = run.spans.get(ctx.span_id)
                if reason is not None and own_step is not None:
                    # (its own not when the store quarantines it, no step of the backtest's: held no more, in this
                    # lock section, so no other span's start or end judges it before its end drops it)
                    own_step.live = None
                begun = self._begin_held(key, run, own_step if reason is None else None)
        if is_haystack(name, m):  # (Haystack's own: typed as the store's rule types it, _guard_span_haystack)
            m = ended_typed(run, ctx.span_id, span, m, name)
        status = _end_status(span, m)
        own = self._agent(key, span, m)  # (its own agent: a span checked only at its end says it then)
        told: list[tuple[int, _Step, Decision]] = []
        with run.lock:
            step = run.spans.pop(ctx.span_id, None)
            # (a span dropped at its start was counted then: one span, counted once; it was counted again here)
            if digest_note is not None and not (step is not None and step.dropped):
                with self._lock:
                    self.quarantined += 1
                _log.info(
                    "workbench guard: span %016x of trace %s is one the store quarantines (%s): checked by "
                    "its digest",
                    ctx.span_id,
                    trace,
                    digest_note,
                )
            if step is not None:
                run.ended[ctx.span_id] = step
                if len(run.ended) > _MAX_ENDED:
                    run.ended.popitem(last=False)
            if step is not None and step.pending:  # judged when its parent ends (_Step.pending)
                above = step.above
                if reason is None:
                    step.ended_as = (span, m, status, own, name)
                    if above is None or above.inner is not step or above.ended_as is None:
                        return
                    told = self._end_deferred(run, above)  # (its parent ended first: the two now)
                    step = None
            if step is not None and step.pending:
                step.pending, step.dropped = False, True  # (no step of the store's: nothing was counted)
                if above is not None and above.inner is step:
                    above.inner = None
                    if above.ended_as is not None:  # (its parent ended first: judged alone now)
                        told += self._end_deferred(run, above)
                if step.waits_on is not None and step.waits_on.held:
                    step.waits_on.held.remove(step)
                step.above = step.waits_on = None
                self._dropped(trace, ctx.span_id, reason)
                told += self._release_held(run, step, 0)  # (its own waiting spans: judged as begun)
                step = None  # (nothing more to judge of it; what it held is told below, outside the lock)
            if root and not run.joined:  # the trace's root ended: its spans' agents are needed no more
                # (but the spans still open are kept, at most _MAX_SPANS: one that outlives the root, a call
                # left running, is checked at its end as the backtest checks it)
                run.last_agent.clear()
            if top:
                run.tops.pop(ctx.span_id, None)
                # (what waits in this top span's subtree, or in none still open here; another top span's, a
                # request still running under the same trace, waits for its own end)
                ours = [s for s in run.spans.values() if s.top == ctx.span_id or s.top not in run.tops]
            if top:  # (an inner span whose parent is still open: the store, without the parent, keeps it
                # as a root of its own, which it is judged as now)
                for open_span in ours:
                    inner = open_span.inner
                    if inner is not None and inner.ended_as is not None and inner.above is open_span:
                        _shallower(inner, inner.depth)
                        told += self._release(run, inner)
            if top and run.deferred:  # (spans whose inner span is still open: their ends judged now, alone)
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
                step.above = None  # (an ended span holds no other)
            waits = (
                step is not None
                and step.inner is not None
                and not step.dropped
                and step.inner.ended_as is None
            )
            if waits:  # its inner span ends later: the two are judged then (_end_deferred)
                step.ended_as = (span, m, status, own, name)
                run.deferred = [w for w in run.deferred if w.ended_as is not None] + [step]
            elif step is not None and step.inner is not None and not step.dropped:
                m, status, more = self._pair(run, step, span, m, status)
                told += more
            d = (
                None
                if step is None or step.dropped or waits
                else self._ended(run.state, step, span, m, status, own, name)
            )
        for span_id, held, said in begun:  # (its own, judged as it ends: told so)
            self._tell(key, span_id, held, said, "end" if span_id == ctx.span_id else "start", run)
        self._told(key, told, run)
        if d is not None and d[0].action != "allow":
            self._tell(key, ctx.span_id, step, d[0], d[1], run)

    def _mapped_start(self, span: Span, root: bool) -> tuple[dict[str, Any], str, str | None]:
        """The span mapped as it starts, and why the store would quarantine it as it is then (None: it
        would not). ``map_span`` is a function of the attributes, name, events, root flag and scope: a start
        with small attributes and no events seen before from the same scope has its mapping already (kept for
        1,024 such starts; never a start holding long text, in an attribute, an array or its name, so no tool
        call's arguments are kept here)."""
        attrs = span.attributes
        key = None
        name = span.name
        if (
            not span.events
            and name.__class__ is str
            and len(name) <= _SMALL
            and (not attrs or (len(attrs) <= 8 and all(_small(v) for v in attrs.values())))
        ):
            scope = span.instrumentation_scope  # (what a span means may depend on who wrote it)
            key = (
                name,
                root,
                scope.name if scope is not None else None,
                tuple(attrs.items()) if attrs else (),
            )
            try:
                hit = self._starts.get(key)
            except TypeError:  # (an unhashable value: not kept)
                hit, key = None, None
            start = span.start_time
            if hit is not None and (start is None or 0 <= start < 2**63):
                return hit
        m, name = _mapped(span, root)
        ctx = span.get_span_context()
        reason = stored_reason(m, name, span.start_time, None, f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}")
        if reason is not None:
            m, reason, _ = _digested(
                m, name, span.start_time, None, f"{ctx.trace_id:032x}", ctx.span_id, reason
            )
        done = m, name, reason
        if (
            key is not None
            and done[2] is None
            and span.start_time is not None
            and 0 <= span.start_time < 2**63
        ):
            if len(self._starts) >= 1024:
                self._starts.clear()
            self._starts[key] = done
        return done


def _mapped(span: Any, root: bool) -> tuple[dict[str, Any], str]:
    """The span's step fields and name, as the OTLP adapter maps the same span from the Collector's file
    (``map_span``, and the reader's rule on the instrumentation scope: ``_otlp_read``)."""
    # (text as the capture beside the guard writes it, _written: the store keeps what it stores)
    attrs = {_written(k): _written(v) for k, v in (span.attributes or {}).items()}
    events = (
        [
            {
                "name": _written(e.name),
                "attributes": {_written(k): _written(v) for k, v in (e.attributes or {}).items()},
            }
            for e in span.events
        ]
        if span.events
        else None
    )
    name = rendered_name(_written(span.name), attrs)
    m = map_span(attrs, name, events, root=root)
    scope = span.instrumentation_scope
    if (
        root
        and m["kind"] == "agent"
        and m["agent"] == name
        and scope is not None
        and agents_trace_root(attrs, scope.name)
    ):
        m["kind"], m["agent"] = "chain", None  # openai-agents' trace span (JavaScript's), no agent
    for field in ("agent", "tool"):  # an attribute array or number: the text the store keeps of it
        value = m[field]
        if value is not None and value.__class__ is not str:
            m[field] = _stored_text(value)
    return m, name
