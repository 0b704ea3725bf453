"""Which run a span belongs to (``GuardSpanProcessor``): its trace, or the run a linked trace continues, the agent
it acts for, the runs remembered (an LRU); and the decisions told to the hooks."""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.sdk.trace import Span
from opentelemetry.trace import SpanKind

from ._guard_span_steps import SpanDecision, _Run, _Step
from ._guard_span_values import _written
from .guard import keep_cut
from .ingest._agent_ids import has_identifier
from .ingest._framework_agents import agno_run_agent
from .policy._core import Decision

_log = logging.getLogger("workbench.guard")
_MESSAGING = frozenset({SpanKind.PRODUCER, SpanKind.CONSUMER})


class _SpanRuns:
    """``GuardSpanProcessor``'s runs of spans, and its hooks."""

    def _run(self, key: str) -> _Run:
        with self._lock:
            runs = self._runs
            run = runs.get(key)
            if run is None:
                run = runs[key] = _Run(self._core.new_run())
                cut = self._cuts.pop(key, None)
                if cut is not None:  # a run that was cut stays cut (and on_cut is not told again)
                    run.state.cut, run.cut_told = cut, True
                if len(runs) > self.max_runs:
                    gone, old = runs.popitem(last=False)
                    self._agent_ids.traces.pop(gone, None)  # (it kept 100,000 traces' agent names)
                    keep_cut(self._cuts, gone, old.state.cut, self.max_runs)
            else:
                runs.move_to_end(key)
            return run

    def _dropped(self, trace: str, span_id: int, reason: str) -> None:
        with self._lock:  # (two runs' threads, each under its own run's lock only, lost a count: review50)
            self.quarantined += 1
        _log.info(
            "workbench guard: span %016x of trace %s is one the store quarantines (%s): not checked, as "
            "the backtest never sees it",
            span_id,
            trace,
            reason,
        )

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
                    return trace, None  # a link to a span not seen changes nothing (a cut run keeps none)
                run.joined = True
        with self._lock:
            self._joined[trace] = key
            if len(self._joined) > 8 * self.max_runs:
                self._joined.popitem(last=False)
        hop = span.kind in _MESSAGING or any(k.startswith("messaging.") for k in (span.attributes or {}))
        return key, None if hop else link.span_id

    def _tell(self, key: str, span_id: int, step: _Step, d: Decision, phase: str, run: _Run) -> SpanDecision:
        event = SpanDecision(
            key,
            f"{span_id:016x}",
            step.agent,
            step.kind,
            step.tool,
            d.action,
            d.rule or "",
            float(d.value or 0.0),
            float(d.limit or 0.0),
            phase,
        )
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
                _log.exception(
                    "workbench guard: the %s hook raised", "on_cut" if d.action == "cut" else "on_escalate"
                )
        else:
            _log.warning(
                "workbench guard: %s run %r at span %s (agent %r): %s",
                d.action,
                key,
                event.step_id,
                step.agent,
                d,
            )
        return event

    def _stopped(
        self, key: str, span_id: int, agent: str | None, m: dict[str, Any], run: _Run
    ) -> SpanDecision | None:
        """A span of a run already cut: nothing to decide; the cut again, for ``raise_on_cut``."""
        if not self.raise_on_cut:
            return None
        d = run.state.cut
        return SpanDecision(
            key,
            f"{span_id:016x}",
            agent,
            m["kind"],
            m["tool"],
            "cut",
            d.rule or "",
            float(d.value or 0.0),
            float(d.limit or 0.0),
            "start",
        )

    def _agent(self, key: str, span: Any, m: dict[str, Any]) -> str | None:
        """The span's own agent, named as the OTLP reader names it."""
        agent = m["agent"]
        scope = span.instrumentation_scope
        name = _written(
            span.name
        )  # (as the mapping reads it: m's agent is the name as the capture writes it)
        if m["kind"] == "agent" and agent == name and scope is not None:
            agent = agno_run_agent(name, scope.name) or agent
        if agent.__class__ is str and has_identifier(agent):
            with self._lock:
                agent = self._agent_ids.name(key, agent, dict(span.attributes or {}))
        return agent
