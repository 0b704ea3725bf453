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

An agent never invoked (a participant its team's manager never picked: Magentic-One's orchestrator may need no one
of them) is no run of its own to the store either: its creation goes where the invoked agent created nearest in time
to it went (same resource; ties: the earlier creation, the lower trace id), under the same turn, as set-up. Whether
an agent is ever invoked is known only when the program's spans are all written: so at ``force_flush`` /
``shutdown`` (as the file written so far is read), each creation still held and ended is judged in that run, at its
sibling's depth, late: its decisions told then (a creation runs before its team: a decision on it stops nothing the
team would run). The backtest hears it when its sibling's turn began: so it is judged on the run's counts as they
stood then (tool calls, retries, idle hand-offs, the cut; kept as the sibling joined), not as they stand at the
flush. (A cut it makes is told only when its run told none.)

A held creation that turns out to be no creation trace (another span of its trace begins, its end says another
operation, the store would quarantine it), one with no invoked sibling at ``force_flush`` / ``shutdown``, one still
open then, or more than ``_MAX_HELD`` held at once (the oldest) is judged as a run of its own, then, late. A creation
joined while still open is judged at its end as any span, read as set-up.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from typing import Any

from ._guard_span_steps import _Run, _Step
from ._guard_span_values import _end_status, _seconds
from .policy._core import Decision
from .policy._run_state import RunState

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


def _counts(st: RunState) -> tuple:
    """What a set-up step's decision reads of its run besides itself, as it stands (HITL signals, the cut)."""
    return st.tool_calls, st.retries_total, st.hand.idle if st.hand is not None else None, st.cut


def _as_then(st: RunState, counts: tuple) -> RunState:
    """A copy of the run's state with its counts as they were (``_counts``): a creation never invoked is judged late,
    at the flush, as the backtest hears it, when its sibling's turn began. (The copy goes: a set-up step changes
    nothing later steps are judged on, and the run may go on after the flush.)"""
    then = copy.copy(st)
    then.tool_calls, then.retries_total, idle, then.cut = counts
    then.opened = deque(st.opened, maxlen=st.opened.maxlen)
    if st.hand is not None:
        then.hand = copy.deepcopy(st.hand)
        then.hand.idle = idle
    return then


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
        """A held creation judged alone, a run of its own, as the store keeps one not joined to any run."""
        self._start(rec.span, hold=False)
        if rec.ended is not None:
            self._end(rec.ended[0])

    def _release_created(self) -> None:
        """Every creation still held (``force_flush``, ``shutdown``: as a file written so far is read, its agent not
        invoked in it): judged where its nearest invoked sibling went, else alone (see the module's docstring)."""
        with self._lock:
            recs = list(self._held.values())
            self._held.clear()
            made = list(self._made.items())
        for rec in recs:
            res, at = _resource(rec.span), rec.span.start_time
            near = [
                (abs(s_at - at), s_at, trace, where)
                for trace, (s_res, s_at, where) in made
                if rec.ended is not None and s_res == res
            ]
            if not near:
                self._unhold(rec)
                continue
            key, invoked, counts = min(near, key=lambda n: n[:3])[3]
            with self._lock:
                self._joined[rec.trace] = key
                run = self._runs.get(key)
            # (its run forgotten, or cut as its sibling joined: nothing to judge)
            if run is None or invoked is None:
                continue
            with run.lock:
                told = self._judge_joined(run, invoked, [rec], _as_then(run.state, counts))
            self._told(key, told, run)

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
                # (where a creation never invoked beside it goes, and the run's counts it is judged with then:
                # _release_created)
                self._made[rec.trace] = (res, rec.span.start_time, (key, invoked, _counts(run.state)))
                if len(self._made) > _MAX_HELD:
                    self._made.popitem(last=False)
        if invoked is None:  # (a cut run: nothing more is decided in it)
            return []
        return self._judge_joined(run, invoked, found)

    def _judge_joined(
        self, run: _Run, invoked: _Step, found: list[_Created], st: RunState | None = None
    ) -> list[tuple[int, _Step, Decision]]:
        """The creations ``found`` judged under ``invoked`` (a step of ``run``), as set-up, on the run's state (or
        ``st``); the decisions to tell. (Under the run's lock.)"""
        told: list[tuple[int, _Step, Decision]] = []
        st = run.state if st is None else st
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
