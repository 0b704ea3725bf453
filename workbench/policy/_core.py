"""The decision core shared by the runtime Guard and the backtest.

Pure Python and allocation-light: the Guard calls it around every step of a live system, the backtest
feeds it a store's history in ``seq`` order. Because both go through :func:`before` and :func:`after`
with the same :class:`RunState`, "the guard decides what the backtest says" holds by construction.

Memory per run is bounded: tool calls are remembered in a window of ``loops.window`` calls, call
outcomes (for retries) in an LRU of ``_MAX_KEYS`` calls, tool-call counts for at most ``_MAX_AGENTS``
agents.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, deque
from typing import Any, NamedTuple

from ._model import HitlRule, Policy, hitl_name

# Agent and system spans enclose other steps: their latency is their children's, so limits and HITL
# signals are read at the end of the other steps only.
CONTAINER_KINDS = frozenset({"agent", "system"})
_MAX_KEYS = 512
_MAX_AGENTS = 256
_SPACE = re.compile(r"\s+")


class Decision(NamedTuple):
    """What the policy says about one step: ``allow``, ``escalate`` (to a human) or ``cut``."""

    action: str
    rule: str | None = None
    value: float | None = None
    limit: float | None = None

    def __str__(self) -> str:
        if self.action == "allow":
            return "allow"
        return f"{self.action} by {self.rule}: {self.value:g} against limit {self.limit:g}"


ALLOW = Decision("allow")


def call_key(agent: str | None, tool: str | None, args: Any) -> str:
    """One tool call's identity: agent, tool and arguments without whitespace, lower-cased.

    The same normalisation as the loop and retry detectors (``detect/sql/calls.sql``); a dict or
    list of arguments is serialised as JSON first, as the store keeps it.
    """
    if args is None:
        text = ""
    elif isinstance(args, str):
        text = args
    else:
        text = json.dumps(args, ensure_ascii=False, default=str)
    return f"{agent}\x1f{tool}\x1f{_SPACE.sub('', text).lower()}"


class RunState:
    """Everything the policy remembers about one run (bounded, see the module docstring)."""

    __slots__ = ("started_at", "tool_calls", "per_agent", "handoffs", "window", "outcomes", "retries",
                 "retries_total", "turns", "exchanges", "cut", "peaks", "depth")

    def __init__(self, window: int) -> None:
        self.started_at: float | None = None
        self.tool_calls = 0
        self.per_agent: dict[str, int] = {}
        self.handoffs = 0
        self.window: deque[tuple[str, bool]] = deque(maxlen=window)
        self.outcomes: OrderedDict[str, bool] = OrderedDict()
        self.retries: dict[str, int] = {}
        self.retries_total = 0
        self.turns: list[str] = []       # the last two distinct agents to have a turn
        self.exchanges = 0
        self.cut: Decision | None = None
        self.depth: int | None = None
        # Highest value each rule's quantity reached (what policy_from_findings learns limits from).
        self.peaks: dict[str, float] = {}

    def _peak(self, name: str, value: float) -> None:
        if value > self.peaks.get(name, float("-inf")):
            self.peaks[name] = value


class Core:
    """A policy compiled for fast checks."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        b, g, lp = policy.breakers, policy.budgets, policy.loops
        self.max_depth, self.max_handoffs = b.max_depth, b.max_handoffs
        self.max_step_ms, self.max_run_ms = b.max_step_latency_ms, b.max_run_latency_ms
        self.max_calls, self.max_calls_agent, self.max_retries = (
            g.max_tool_calls_run, g.max_tool_calls_agent, g.max_retries)
        self.max_repeats, self.window, self.max_pingpong = lp.max_repeats, lp.window, lp.max_pingpong
        self.hitl: tuple[tuple[HitlRule, str, bool], ...] = tuple(
            (r, hitl_name(r), r.direction == "below") for r in policy.hitl)

    def new_run(self) -> RunState:
        return RunState(self.window)

    # -- before the step runs ----------------------------------------------------------------
    def before(self, st: RunState, agent: str | None, kind: str | None, tool: str | None = None,
               args: Any = None, depth: int | None = None, started_at: float | None = None) -> Decision:
        """Check a step about to run, update the run's counts, and return the decision."""
        if st.cut is not None:
            return st.cut
        if st.started_at is None or (started_at is not None and started_at < st.started_at):
            st.started_at = started_at
        st.depth = depth
        if depth is not None:
            st._peak("max_depth", depth)
            if self.max_depth is not None and depth > self.max_depth:
                return self._cut(st, "max_depth", depth, self.max_depth)
        if agent is not None:
            self._turn(st, agent)
            if self.max_pingpong is not None and st.exchanges > self.max_pingpong:
                return self._cut(st, "max_pingpong", st.exchanges, self.max_pingpong)
        if kind == "handoff":
            st.handoffs += 1
            st._peak("max_handoffs", st.handoffs)
            if self.max_handoffs is not None and st.handoffs > self.max_handoffs:
                return self._cut(st, "max_handoffs", st.handoffs, self.max_handoffs)
        if kind != "tool":
            return ALLOW
        st.tool_calls += 1
        st._peak("max_tool_calls_run", st.tool_calls)
        if self.max_calls is not None and st.tool_calls > self.max_calls:
            return self._cut(st, "max_tool_calls_run", st.tool_calls, self.max_calls)
        name = agent or ""
        if name in st.per_agent or len(st.per_agent) < _MAX_AGENTS:
            n = st.per_agent[name] = st.per_agent.get(name, 0) + 1
            st._peak("max_tool_calls_agent", n)
            if self.max_calls_agent is not None and n > self.max_calls_agent:
                return self._cut(st, "max_tool_calls_agent", n, self.max_calls_agent)
        key = call_key(agent, tool, args)
        last_ok = st.outcomes.get(key)
        if last_ok is False:     # the same call failed last time: this is a retry
            n = st.retries[key] = st.retries.get(key, 0) + 1
            st.retries_total += 1
            st._peak("max_retries", n)
            if self.max_retries is not None and n > self.max_retries:
                return self._cut(st, "max_retries", n, self.max_retries)
        else:
            repeats = sum(1 for k, ok in st.window if ok and k == key)
            st._peak("max_repeats", repeats)
            if self.max_repeats is not None and repeats > self.max_repeats:
                return self._cut(st, "max_repeats", repeats, self.max_repeats)
        return ALLOW

    def _turn(self, st: RunState, agent: str) -> None:
        turns = st.turns
        if turns and turns[-1] == agent:
            return
        if len(turns) == 2 and turns[0] == agent:
            st.exchanges += 1
        else:
            st.exchanges = 1 if turns else 0
        turns.append(agent)
        if len(turns) > 2:
            del turns[0]
        st._peak("max_pingpong", st.exchanges)

    # -- after the step ran ------------------------------------------------------------------
    def after(self, st: RunState, agent: str | None, kind: str | None, tool: str | None = None,
              args: Any = None, status: str | None = "ok", latency_ms: float | None = None,
              ended_at: float | None = None, signals: dict[str, float | None] | None = None) -> Decision:
        """Record how a step ended, check latency limits and HITL rules, return the decision."""
        if st.cut is not None:
            return st.cut
        if kind == "tool":
            ok = status != "error"
            key = call_key(agent, tool, args)
            st.outcomes[key] = ok
            st.outcomes.move_to_end(key)
            if len(st.outcomes) > _MAX_KEYS:
                st.outcomes.popitem(last=False)
            if ok:
                st.retries.pop(key, None)
                st.exchanges = 0      # a successful tool call is progress: no ping-pong
            st.window.append((key, ok))
        if kind in CONTAINER_KINDS:
            return ALLOW
        if latency_ms is not None:
            st._peak("max_step_latency_ms", latency_ms)
            if self.max_step_ms is not None and latency_ms > self.max_step_ms:
                return self._cut(st, "max_step_latency_ms", latency_ms, self.max_step_ms)
        if ended_at is not None and st.started_at is not None:
            elapsed = (ended_at - st.started_at) * 1000.0
            st._peak("max_run_latency_ms", elapsed)
            if self.max_run_ms is not None and elapsed > self.max_run_ms:
                return self._cut(st, "max_run_latency_ms", elapsed, self.max_run_ms)
        for rule, name, below in self.hitl:
            if rule.agent is not None and rule.agent != agent:
                continue
            value = self.signal(st, rule.signal, latency_ms, signals)
            if value is None:
                continue
            if (value <= rule.threshold) if below else (value >= rule.threshold):
                return Decision("escalate", name, value, rule.threshold)
        return ALLOW

    @staticmethod
    def signal(st: RunState, name: str, latency_ms: float | None,
               signals: dict[str, float | None] | None) -> float | None:
        """A signal's value at the end of the current step (step columns or running counts)."""
        if name == "latency_ms":
            return latency_ms
        if name == "tool_calls":
            return st.tool_calls
        if name == "retries":
            return st.retries_total
        if name == "handoffs":
            return st.handoffs
        if name == "depth":
            return st.depth
        return signals.get(name) if signals else None

    def _cut(self, st: RunState, rule: str, value: float, limit: float) -> Decision:
        st.cut = Decision("cut", rule, value, limit)
        return st.cut
