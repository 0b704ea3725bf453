"""What the span guard decides when a span ends (``GuardSpanProcessor``), past its ``_end``: a model call written as
two LLM spans held until the store's rule takes them as one, the step's end judged, clocks that run backwards."""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from ._guard_span_steps import SpanDecision, _Run, _shallower, _Step
from ._guard_span_values import _call, _same_call, _seconds
from .policy._core import Decision, RunState, call_key

_log = logging.getLogger("workbench.guard")


class _SpanEnds:
    """``GuardSpanProcessor``'s ends of spans."""

    def _pair(
        self, run: _Run, step: _Step, span: ReadableSpan, m: dict[str, Any], status: str
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
        m = {
            **m,
            **{
                f: c
                for f in ("output", "tokens_in", "tokens_out", "cost", "confidence", "entropy")
                if m.get(f) is None and (c := child.get(f)) is not None
            },
        }
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
            if above.ended_as is not None and not above.pending:  # (its parent ended first: judged alone)
                first = self._end_deferred(run, above)
        st = run.state
        if st.cut is not None:
            return first
        if step.ended_as is not None:
            span, m, status, own, name = step.ended_as
            step.ended_as, step.late = None, True  # (the late path: its start check, then its end's)
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
            kid.waits_on, kid.above = None, None  # (it counted in ``encloses`` when it began)
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

    def _ended(
        self,
        st: RunState,
        step: _Step,
        span: ReadableSpan,
        m: dict[str, Any],
        status: str,
        own: str | None,
        name: str,
    ) -> tuple[Decision, str] | None:
        """The decision at a span's end (under the run's lock): its late check first, when it had one."""
        if st.cut is not None:
            return None
        kind, tool, args = _call(m, name)
        key = step.key
        if kind != step.kind or step.late:  # the span said what it is only at its end
            step.kind, step.tool, key = kind, tool, None
        if step.late:
            if step.idle is not None:  # (a delivery that ran nothing acts for no agent, unless it failed)
                step.agent = step.agent if status == "error" else step.idle[0]
                step.idle = None
            else:
                step.agent = own if own is not None else step.agent
            d = self._core.before(st, step.agent, kind, tool, args, step.depth, step.started)
            if d.action == "cut":
                return d, "end"
        elif step.args_late and kind == "tool":
            step.agent, step.tool = (own if own is not None else step.agent), tool
            given = call_key(step.agent, tool, args)
            if given != key:  # its arguments (or its agent) came now: it is another call than judged
                if step.retried:
                    self._core.unretry(st, key)
                d = self._core.call(st, step.agent, tool, args)
                key = given
                if d.action == "cut":
                    return d, "end"
        latency = (
            (span.end_time - span.start_time) / 1e6
            if span.end_time is not None and span.start_time is not None
            else None
        )
        ended = _seconds(span.end_time)
        if latency is not None and latency < 0:
            latency, ended = None, None
            self._skewed(span)
        elif ended is not None and step.started is not None and ended < step.started:
            # (a span ended before its parent began: heard then, as backtest_steps.sql has it)
            ended = step.started
        signals = {
            "confidence": m["confidence"],
            "entropy": m["entropy"],
            "tokens_in": m["tokens_in"],
            "tokens_out": m["tokens_out"],
            "cost": m["cost"],
        }
        return self._core.after(
            st,
            step.agent,
            step.kind,
            step.tool,
            args,
            status,
            latency,
            ended,
            signals,
            m["output"],
            step.encloses > 0,
            key=key,
        ), "end"

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
        _log.warning(
            "workbench guard: span %016x of trace %032x ends before it starts (end %d ns < start %d ns): "
            "judged with no latency",
            ctx.span_id,
            ctx.trace_id,
            span.end_time,
            span.start_time,
        )

    def _unstarted(self, st: RunState, step: _Step) -> None:
        """A span found bad only at its end (the store quarantines it: no step of the backtest's): take back what
        its start counted that later checks read: its tool call (run's and agent's counts, the retry it was)
        and its parent's enclosing it. What its start decided stays (a cut told, the spans begun under it
        given its depth and agent, an agent's turn for ping-pong and hand-offs, the run's start time): undoing
        that would need a copy of the run's state per span."""
        if step.above is not None:
            step.above.encloses -= 1
            step.above = None
        if not step.late and st.cut is None:  # (a late step was never checked: nothing counted)
            self._core.uncount(st, step.agent, step.kind, step.key if step.retried else None)
