"""What the span guard decides when a span starts (``GuardSpanProcessor``): the step it opens, its agent and depth,
and the check of a tool call, a hand-off or a step's start."""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.sdk.trace import Span

from ._guard_span_haystack import info, is_haystack, typed
from ._guard_span_steps import _MAX_SPANS, SpanDecision, _Step
from ._guard_span_values import _call, _digested, _seconds
from .ingest._step_sink import stored_reason
from .policy._core import Decision

_log = logging.getLogger("workbench.guard")


class _SpanStarts:
    """``GuardSpanProcessor``'s start of a span."""

    def _start(self, span: Span, hold: bool = True) -> SpanDecision | None:
        """Map the span as it is when it starts and check it, unless what the check reads comes only at
        its end. Returns the cut to raise (``raise_on_cut``) or None. ``hold``: an agent's creation waits for its
        agent's first turn (_guard_span_created; False: it is judged as any span, alone)."""
        ctx = span.get_span_context()
        trace = f"{ctx.trace_id:032x}"
        parent = span.parent.span_id if span.parent is not None else None
        # a span the store quarantines (a value out of range, a field past its size limit) is no step of the
        # backtest's: not checked, and its children are roots of the store's walk (no depth or agent from it)
        m, name, reason = self._mapped_start(span, parent is None)
        if self._held:  # (a span of a held creation's trace: more than a creation, _guard_span_created)
            self._created_under(trace)
        if (
            hold
            and parent is None
            and not span.links
            and reason is None
            and name.startswith("create_agent ")
            and self._key(trace) == trace
            and self._holds(span, trace, name, m)
        ):
            return None
        key, linked = self._key(trace), None
        if parent is None and span.links and len(span.links) == 1:
            key, linked = self._join(trace, span)
        run = self._run(key)
        agent = own = self._agent(key, span, m)
        with run.lock:
            st = run.state
            if st.cut is not None:
                if self._held:  # (its creation joins the run all the same, as the store joins it: undecided)
                    self._join_created(key, run, None, span, own, name)
                return self._stopped(key, ctx.span_id, agent, m, run)
            above = run.spans.get(parent) if parent is not None else None
            if linked is not None:  # a call made in a new trace: the linked span is its caller
                above = run.spans.get(linked) or run.ended.get(linked)
            # (the top span here whose subtree it is in: its own id when it is one, or its parent is unknown)
            top = above.top if above is not None and above.top is not None else ctx.span_id
            if key == trace and (parent is None or span.parent.is_remote):
                run.tops[ctx.span_id] = None
                if len(run.tops) > _MAX_SPANS:
                    run.tops.popitem(last=False)
            if above is not None and above.dropped:
                above = None
            told: list[tuple[int, _Step, Decision]] = []
            # (an Agent Framework executor's delivery with a span begun under it runs something: its agent's turn,
            # judged now as begun, before the span under it)
            if above is not None and above.idle is not None:
                above.idle, above.late = None, False
                d = self._core.before(
                    st, above.agent, above.kind, above.tool, None, above.depth, above.started
                )
                if d.action == "cut":
                    told.append((parent, above, d))
            # (Haystack's, held since its start: its tags are set by now; one waiting with an LLM pair waits on)
            if run.haystack:
                told += self._begin_held(key, run, above)
                if above is not None and above.dropped:  # (begun now as one the store quarantines)
                    above = None
            if reason is not None:
                run.spans[ctx.span_id] = dropped = _Step(agent, 0, m["kind"], None, True, dropped=True)
                dropped.top = top
                if len(run.spans) > _MAX_SPANS:
                    run.spans.popitem(last=False)
                self._dropped(trace, ctx.span_id, reason)
                return None
            # (a span of Haystack's own tracing, typed as the store's rule types it: now when its tags came with its
            # start, else when the first span under it starts or at its end, held meanwhile: _guard_span_haystack)
            hay = is_haystack(name, m)
            up = above.hay[0] if hay and above is not None and above.hay is not None else None
            if hay and span.attributes:
                m = typed(name, span.attributes, m, up, parent is None)
                agent = self._agent(key, span, m)
            kind, tool, args = _call(m, name)
            inner = False
            if kind == "llm" and above is not None:
                above.llm_kids += 1
                if above.pending and above.waits_on is None:  # (a chain of three: the span it began
                    told += self._release(run, above)  # under is no pair's child)
                elif above.inner is not None:  # (a second LLM child: the first is a call of its own)
                    told += self._release(run, above.inner)
                inner = above.kind == "llm" and above.llm_kids == 1 and not above.dropped
            if above is not None and not inner:
                above.encloses += 1
            if m["agent_of_previous"] and agent is None:
                agent = run.last_agent.get(parent)  # as the store's agent_of_previous.sql
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
            late = ((kind == "other" and agent is None) or hay) and not span.attributes
            # (Agent Framework delivers every message to every participant's executor: a delivery that runs nothing
            # is no turn of its agent's, store/sql/tree_idle_executors.sql; known when a span begins under it)
            idle = (
                own is not None
                and name.startswith("executor.process ")
                and above is not None
                and above.own is None
            )
            args_late = kind == "tool" and args is None and self._reads_args
            step = _Step(agent, depth, kind, tool, late or idle, args_late=args_late)
            step.own = own
            if idle:
                step.idle = (above.agent,)
            step.above, step.top = above, top
            step.started = _seconds(span.start_time)
            if (
                above is not None
                and None not in (step.started, above.started)
                and step.started < above.started
            ):
                # (heard when its parent began, at the earliest: backtest_steps.sql)
                step.started = above.started
            if hay:
                step.hay = (info(name, span.attributes, m) if span.attributes else None, up)
                if not span.attributes:
                    step.live = (span, ctx.span_id, parent is None)
                    run.haystack = True
                    run.waiting[ctx.span_id] = step
            # (judged later; its start still starts the run's clock, as the stored run's does)
            if late or idle:
                st.clock_from(step.started)
            run.spans[ctx.span_id] = step
            if len(run.spans) > _MAX_SPANS:
                run.spans.popitem(last=False)
            if inner or held:
                step.pending = True
                step.key = ctx.span_id  # (its own id, until it is judged: _release tells it by this)
                if inner:
                    above.inner = step
                else:
                    step.waits_on = above
                    above.held = [*(above.held or ()), step]
            d = None
            if not (late or idle or inner or held) and st.cut is None:
                retries = st.retries_total
                d = self._core.before(st, agent, kind, tool, args, depth, step.started)
                if kind == "tool":
                    step.key = st.last_key  # (what after() reads of the arguments: they are not held)
                    step.retried = st.retries_total > retries
            # (an agent's first turn: its creation, held since, joins here, under it: _guard_span_created)
            made = (
                self._join_created(key, run, step, span, own, name) if self._held and kind == "agent" else []
            )
        cut = self._told(key, told, run)
        if d is not None and d.action == "cut":
            return self._tell(key, ctx.span_id, step, d, "start", run)
        return self._told(key, made, run) or cut

    def _begin_held(self, key: str, run: Any, this: _Step | None) -> list[tuple[int, _Step, Decision]]:
        """Every span of Haystack's own tracing held since its start, typed and judged as begun (the cuts to tell),
        in the order they started, as the backtest judges them: ``this`` (a span a span starts under, or one
        ending) and every other one whose tags came (Haystack's tracer sets them right after the span's start, so
        by another span's start or end they are set; one with none yet, another thread's just started, waits on).
        Several tool calls of one step run in parallel end in the order their tools take, not the one they were
        asked in: judged at their ends, a limit on calls would blame the quicker call. (Under the run's lock.)"""
        # (run.waiting, not run.spans: a wide run's open spans, judged long since, are not looked at again; a step
        # judged, ended or forgotten by run.spans leaves it here)
        gone = [i for i, s in run.waiting.items() if s.live is None or run.spans.get(i) is not s]
        for i in gone:
            del run.waiting[i]
        held = sorted(
            (s for s in run.waiting.values() if not s.pending and (s is this or s.live[0].attributes)),
            key=lambda s: s.started,
        )
        told: list[tuple[int, _Step, Decision]] = []
        for step in held:
            told += self._haystack_begun(key, run, step)
        return told

    def _haystack_begun(self, key: str, run: Any, step: _Step) -> list[tuple[int, _Step, Decision]]:
        """A span of Haystack's own tracing held since its start (no tag yet), a span under it starting now: its tags
        were set right after its start, so it is typed (_guard_span_haystack) and judged as begun, before the span
        under it, as the backtest judges it at its start. The cut to tell, for after the lock. (Under the run's
        lock.)"""
        from .guard_spans import _mapped  # (that module imports this one)

        span, span_id, root = step.live
        step.live = None
        attrs = span.attributes or {}
        m, name = _mapped(span, root)
        # (its input came with its tags: one the store quarantines, as the end checks it, is no step of the
        # backtest's, and the spans under it are roots of the store's walk, as for a span dropped at its start)
        ctx = span.get_span_context()
        trace = f"{ctx.trace_id:032x}"
        reason = stored_reason(m, name, span.start_time, None, trace, f"{span_id:016x}")
        if reason is not None:
            m, reason, _ = _digested(m, name, span.start_time, None, trace, span_id, reason)
        if reason is not None:
            step.dropped, step.late = True, True
            if step.above is not None:
                step.above.encloses -= 1
                step.above = None
            self._dropped(trace, span_id, reason)
            return []
        m = typed(name, attrs, m, step.hay[1], span.parent is None)
        step.hay = (info(name, attrs, m), step.hay[1])
        kind, tool, args = _call(m, name)
        own = self._agent(key, span, m)
        step.kind, step.tool, step.late = kind, tool, False
        # (a tool call of another thread's whose tags were still being set has no arguments yet: judged now as a
        # call without them, as any call beginning without arguments, and again at its end when they came then)
        step.args_late = kind == "tool" and args is None and self._reads_args
        if own is not None:
            step.agent = own
        st = run.state
        if st.cut is not None:
            return []
        retries = st.retries_total
        d = self._core.before(st, step.agent, kind, tool, args, step.depth, step.started)
        if kind == "tool":
            step.key = st.last_key
            step.retried = st.retries_total > retries
        return [(span_id, step, d)] if d.action == "cut" else []
