"""An agent's creation, a trace of its own, judged in the run where the agent is first invoked (``GuardSpanProcessor``),
as the store joins it (``ingest/_links.py``, ``store/sql/created_agents.sql``).

autogen-core (and OpenLIT over the OpenAI Agents SDK) writes each agent's ``create_agent <name>`` span when the agent
is made, before the team runs, as the root of a trace of its own. The store moves such a trace (one root span naming
its agent) under the first ``invoke_agent`` span of the same agent that starts at or after it, from the same resource,
read as set-up (kind ``system``, one level below that span). Judged as it ended, in a run of its own at depth 0, the
creation was decided in another run and at another depth than the backtest decides it (OpenLIT's: a depth rule
escalated it there, not here). Where it goes is known only when its agent is first invoked: so it is held,
undecided, from its start until then, and judged there, in that span's run, under it, as the backtest replays it: a
step begun before the step it is under is heard when that one begins (``policy/sql/backtest_steps.sql``), so its
time is not the run's clock (an agent made an hour before its first turn does not make that run an hour long to a
run-latency limit); its latency is its own.

A held creation that turns out to be no creation trace (another span of its trace begins, its end says another
operation, the store would quarantine it) or whose agent is not invoked (``force_flush`` / ``shutdown``: as the file
written so far is read; or more than ``_MAX_HELD`` held at once, the oldest) is judged as a run of its own, then,
late: its decisions told then (a creation runs before its team: a decision on it stops nothing the team would run).
A creation joined while still open is judged at its end as any span, read as set-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._guard_span_steps import _Run, _Step
from ._guard_span_values import _end_status, _seconds
from .policy._core import Decision

_MAX_HELD = 1024  # creations held at once, waiting for their agent's first turn
_CREATE = "create_agent "
_INVOKE = "invoke_agent "
_OP = "gen_ai.operation.name"


@dataclass
class _Created:
    """A held creation: its span and span id, trace, mapping at its start, agent, and its end once it ended (span,
    mapping, status, own agent, name)."""

    span: Any
    span_id: int
    trace: str
    m: dict[str, Any]
    agent: str
    ended: tuple | None = None


def _resource(span: Any) -> Any:
    res = getattr(span, "resource", None)
    return dict(res.attributes) if res is not None else None


class _SpanCreated:
    """``GuardSpanProcessor``'s agent creations (see the module's docstring); ``_held``: by trace."""

    def _holds(self, span: Any, trace: str, name: str, m: dict[str, Any]) -> bool:
        """Hold ``span`` (a root with no link, begun: its mapping ``m``) when it is an agent's creation; whether. (Its
        operation may come only at its end, when its end confirms it: _created_ends.)"""
        if not (name.startswith(_CREATE) and (span.attributes or {}).get(_OP) in (None, "create_agent")):
            return False
        agent = self._agent(trace, span, m)
        if agent is None or span.start_time is None:
            return False
        with self._lock:
            if trace in self._runs:  # (its trace has other spans: more than a creation)
                return False
            held = self._held
            held[trace] = _Created(span, span.get_span_context().span_id, trace, m, agent)
            gone = held.popitem(last=False)[1] if len(held) > _MAX_HELD else None
        if gone is not None:
            self._unhold(gone)
        return True

    def _created_under(self, trace: str) -> None:
        """A span of ``trace`` begins: a held creation's trace is more than a creation (the creation judged alone)."""
        with self._lock:
            rec = self._held.pop(trace, None)
        if rec is not None:
            self._unhold(rec)

    def _created_ends(self, span: Any, trace: str, m: dict[str, Any], name: str, reason: str | None) -> bool:
        """A root span of ``trace`` ends (``m``, ``reason``: its mapping at its end, why the store would quarantine
        it): a held creation is kept for its agent's first turn (True), or, no creation by its end, judged alone from
        its start (False: its end is then judged as any span's)."""
        rec = self._held.get(trace)
        if rec is None or rec.span_id != span.context.span_id:
            return False
        keep = reason is None and (span.attributes or {}).get(_OP) == "create_agent"
        ended = (span, m, _end_status(span, m), self._agent(trace, span, m), name) if keep else None
        with self._lock:
            if self._held.get(trace) is not rec:
                return False
            if keep:
                rec.ended = ended
                return True
            del self._held[trace]
        self._start(rec.span, hold=False)
        return False

    def _unhold(self, rec: _Created) -> None:
        """A held creation judged alone, a run of its own, as the store keeps one whose agent is not invoked."""
        self._start(rec.span, hold=False)
        if rec.ended is not None:
            self._end(rec.ended[0])

    def _release_created(self) -> None:
        """Every creation still held, judged alone (``force_flush``, ``shutdown``: as a file written so far is read,
        a creation whose agent was not invoked in it a run of its own)."""
        with self._lock:
            recs = list(self._held.values())
            self._held.clear()
        for rec in recs:
            self._unhold(rec)

    def _join_created(
        self, key: str, run: _Run, invoked: _Step | None, span: Any, agent: str | None, name: str
    ) -> list[tuple[int, _Step, Decision]]:
        """``span`` (begun, judged: its step ``invoked`` in run ``key``; None: the run was cut) is an agent's turn:
        the held creations of that agent from the same resource, begun before it, join its run under it, judged now.
        The decisions to tell. (Under the run's lock.)"""
        if not (
            agent is not None
            and name.startswith(_INVOKE)
            and (span.attributes or {}).get(_OP) == "invoke_agent"
            and (invoked is None or not invoked.dropped)
        ):
            return []
        with self._lock:
            if not self._held:
                return []
            res, at, trace = _resource(span), span.start_time, f"{span.get_span_context().trace_id:032x}"
            found = [
                rec
                for rec in self._held.values()
                if rec.agent == agent
                and rec.trace != trace
                and (at is None or rec.span.start_time <= at)
                and _resource(rec.span) == res
            ]
            for rec in found:
                del self._held[rec.trace]
                self._joined[rec.trace] = key
                if rec.ended is None:
                    self._set_up.add(rec.span_id)  # (its end, judged as any span's there, read as set-up)
        told: list[tuple[int, _Step, Decision]] = []
        st = run.state
        if invoked is None:  # (a cut run: nothing more is decided in it)
            return told
        for rec in found:
            step = _Step(rec.agent, invoked.depth + 1, "system", None, False)
            step.above, step.top = invoked, invoked.top
            # (heard as its agent's turn begins: backtest_steps.sql's t0, the run's clock not moved back to it)
            step.started = max(_seconds(rec.span.start_time), invoked.started or 0.0)
            invoked.encloses += 1
            if st.cut is not None:
                continue
            if rec.ended is not None and rec.ended[3] is not None:
                step.agent = rec.ended[3]  # (its own agent as its end names it, as the store's row)
            tool = (rec.ended[1] if rec.ended is not None else rec.m)["tool"]
            d = self._core.before(st, step.agent, "system", tool, None, step.depth, step.started)
            if d.action == "cut":
                told.append((rec.span_id, step, d))
                continue
            if rec.ended is None:
                run.spans[rec.span_id] = step
                continue
            ended, m, status, own, ename = rec.ended
            step.above = None
            said = self._ended(st, step, ended, {**m, "kind": "system"}, status, own, ename)
            if said is not None and said[0].action != "allow":
                step.end_told = True
                told.append((rec.span_id, step, said[0]))
        return told
