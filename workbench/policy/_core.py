"""The decision core shared by the runtime Guard and the backtest.

Pure Python and allocation-light: the Guard calls it around every step of a live system, the backtest
feeds it a store's history in ``seq`` order. Because both go through :func:`before` and :func:`after`
with the same :class:`RunState`, "the guard decides what the backtest says" holds by construction.

Memory per run is bounded: tool calls are remembered in a window of ``loops.window`` calls, call
outcomes (for retries) in an LRU of ``_MAX_KEYS`` calls, tool-call counts for at most ``_MAX_AGENTS``
agents; what agents said (ping-pong, repeated replies: ``_bounce``) in the last few turns and each
agent's last reply; for hand-offs (``_handoffs``) the values and tool outputs the run has stated. A tool call's key
(its arguments normalised as the detectors' SQL normalises them) is ``_call_keys``'.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ._bounce import REPLY_KINDS, as_text
from ._call_keys import _normal as _normal  # (re-exported: the guard's imports and tests/policy's)
from ._call_keys import call_key
from ._call_keys import digest_of as digest_of
from ._call_keys import encode as encode
from ._handoffs import Handoffs
from ._model import HitlRule, Policy, hitl_name
from ._run_state import RunState

# Agent and system spans enclose other steps: their latency is their children's, so limits and HITL
# signals are read at the end of the other steps only. An agent step that encloses nothing (a Who&When
# or AG2 turn: one agent message) is a move of its own and read like one.
CONTAINER_KINDS = frozenset({"agent", "system"})
# Kinds a live caller reports one after another when it gives no depth: a call, a retrieval, a human or
# a hand-off encloses nothing unless told (parallel calls begin while others are open). Any other kind
# (a chain, a root span of kind other or none) encloses the steps begun while it is open; with depths
# given, any step encloses exactly the deeper steps begun while it is open (as the store's parent links
# say for the backtest).
LEAF_KINDS = frozenset({"llm", "tool", "retriever", "human", "handoff"})
_MAX_KEYS = 512
_MAX_AGENTS = 256


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


class Core:
    """A policy compiled for fast checks."""

    def __init__(self, policy: Policy, measure: bool = False) -> None:
        self.policy = policy
        self.measure = measure  # record each run's peaks (what policy_from_findings learns from)
        b, g, lp = policy.breakers, policy.budgets, policy.loops
        self.max_depth, self.max_handoffs = b.max_depth, b.max_handoffs
        self.max_step_ms, self.max_run_ms = b.max_step_latency_ms, b.max_run_latency_ms
        self.max_calls, self.max_calls_agent, self.max_retries = (
            g.max_tool_calls_run,
            g.max_tool_calls_agent,
            g.max_retries,
        )
        self.max_repeats, self.window, self.max_pingpong = lp.max_repeats, lp.window, lp.max_pingpong
        self.max_replies = lp.max_repeated_replies
        self.similarity, self.min_words, self.min_value = (
            lp.repeat_similarity,
            lp.repeat_min_words,
            lp.min_value,
        )
        # what agents said is read only when a rule (or a measurement) needs it
        self.listen = measure or self.max_pingpong is not None or self.max_replies is not None
        self.hitl: tuple[tuple[HitlRule, str, bool], ...] = tuple(
            (r, hitl_name(r), r.direction == "below") for r in policy.hitl
        )
        # the hand-offs a breaker, a measurement or a HITL rule on the ``handoffs`` signal reads
        self.hand = (
            measure or self.max_handoffs is not None or any(r.signal == "handoffs" for r in policy.hitl)
        )

    def new_run(self) -> RunState:
        st = RunState(self.window)
        if self.hand:
            st.hand = Handoffs(self.min_value)
        return st

    def given(self, st: RunState, task: Any) -> None:
        """What the run was asked (its task): values it states are no news when a step says them."""
        if st.hand is not None and task is not None:
            st.hand.given(task)

    # -- before the step runs ----------------------------------------------------------------
    def before(
        self,
        st: RunState,
        agent: str | None,
        kind: str | None,
        tool: str | None = None,
        args: Any = None,
        depth: int | None = None,
        started_at: float | None = None,
        step_id: str | None = None,
        parent: str | None = None,
    ) -> Decision:
        """Check a step about to run, update the run's counts, and return the decision. ``step_id`` /
        ``parent``: the step's id and its parent's (a live system's span ids), which say exactly which
        open step encloses which; without them depths (or kinds) stand in (see :meth:`after`)."""
        if st.cut is not None:
            return st.cut
        st.began += 1
        opened = st.opened
        if parent is not None:  # the step names its parent: that one encloses it, no other
            st.named = True
            for entry in opened:
                if entry[5] == parent:
                    entry[4] = True
                    break
        elif depth is not None and opened:
            for i in range(len(opened) - 1, -1, -1):  # the innermost open step above this one encloses it
                d = opened[i][3]
                if d is not None and d < depth:
                    opened[i][4] = True
                    break
        if depth is not None or step_id is not None or kind not in LEAF_KINDS:
            opened.append([agent, kind, st.began, depth, False, step_id])
        st.clock_from(started_at)
        st.depth = depth
        if depth is not None:
            if self.measure:
                st._peak("max_depth", depth)
            if self.max_depth is not None and depth > self.max_depth:
                return self._cut(st, "max_depth", depth, self.max_depth)
        if agent is not None and kind != "system" and self.listen:
            exchanges = st.talk.step_of(agent, self.similarity, self.min_value)
            if exchanges >= 0 and self._pingpong(st, exchanges):
                return st.cut  # type: ignore[return-value]
        if agent is not None and kind != "system" and st.hand is not None:
            idle = st.hand.step_of(agent)
            if idle >= 0 and self._handoffs(st, idle):
                return st.cut  # type: ignore[return-value]
        if kind != "tool":
            return ALLOW
        st.tool_calls += 1
        if self.measure:
            st._peak("max_tool_calls_run", st.tool_calls)
        if self.max_calls is not None and st.tool_calls > self.max_calls:
            return self._cut(st, "max_tool_calls_run", st.tool_calls, self.max_calls)
        name = agent or ""
        if name in st.per_agent or len(st.per_agent) < _MAX_AGENTS:
            n = st.per_agent[name] = st.per_agent.get(name, 0) + 1
            if self.measure:
                st._peak("max_tool_calls_agent", n)
            if self.max_calls_agent is not None and n > self.max_calls_agent:
                return self._cut(st, "max_tool_calls_agent", n, self.max_calls_agent)
        return self.call(st, agent, tool, args)

    def call(self, st: RunState, agent: str | None, tool: str | None, args: Any) -> Decision:
        """The checks of a tool call that read its arguments (retries, repeats): part of :meth:`before`,
        or on their own for a live call whose arguments came after it was judged (see :meth:`unretry`)."""
        if st.cut is not None:
            return st.cut
        key = call_key(agent, tool, args)
        st.last_args, st.last_key, st.last_who = args, key, (agent, tool)
        last_ok = st.outcomes.get(key)
        if last_ok is False:  # the same call failed last time: this is a retry
            n = st.retries[key] = st.retries.get(key, 0) + 1
            st.retries_total += 1
            if self.measure:
                st._peak("max_retries", n)
            if self.max_retries is not None and n > self.max_retries:
                return self._cut(st, "max_retries", n, self.max_retries)
        else:
            repeats = st.ok_counts.get(key, 0)
            if self.measure:
                st._peak("max_repeats", repeats)
            if self.max_repeats is not None and repeats > self.max_repeats:
                return self._cut(st, "max_repeats", repeats, self.max_repeats)
        return ALLOW

    @staticmethod
    def unretry(st: RunState, key: str) -> None:
        """Take back the retry :meth:`call` counted for ``key``: a live tool call judged when it began
        without arguments (the usual case of a call that never gives any) whose arguments, given only when it
        ended, made it another call; :meth:`call` then judges it again with them."""
        n = st.retries.get(key)
        if n is not None:
            if n > 1:
                st.retries[key] = n - 1
            else:
                del st.retries[key]
        st.retries_total -= 1

    def uncount(self, st: RunState, agent: str | None, kind: str | None, retried: str | None = None) -> None:
        """Take back the tool call :meth:`before` counted of a step the store turns out not to keep (a live span
        found bad only when it ended), and the retry it was (``retried``: its key). Nothing else of the run."""
        if kind != "tool":
            return
        st.tool_calls -= 1
        name = agent or ""
        n = st.per_agent.get(name)
        if n:
            st.per_agent[name] = n - 1
        if retried is not None:
            self.unretry(st, retried)

    def _pingpong(self, st: RunState, exchanges: int) -> bool:
        """A turn ended with ``exchanges`` of a stretch of bounces (0: none): cut past the limit."""
        return self._turn_past(st, "max_pingpong", exchanges, self.max_pingpong)

    def _handoffs(self, st: RunState, idle: int) -> bool:
        """A turn ended with ``idle`` hand-offs in a row that brought nothing: cut past the limit."""
        return self._turn_past(st, "max_handoffs", idle, self.max_handoffs)

    def _turn_past(self, st: RunState, rule: str, value: int, limit: int | None) -> bool:
        """A turn's ``value`` for ``rule`` (its peak measured): whether it is past ``limit``, the run cut then."""
        if self.measure:
            st._peak(rule, value)
        if limit is not None and value > limit:
            self._cut(st, rule, value, limit)
            return True
        return False

    def finish(self, st: RunState) -> None:
        """The run ended: judge its last turn too (what the detectors see of a finished run; the
        measured peaks need it, a live guard has nothing left to stop)."""
        if st.cut is None and self.listen:
            exchanges = st.talk.finish(self.similarity, self.min_value)
            if exchanges >= 0:
                self._pingpong(st, exchanges)
        if st.cut is None and st.hand is not None:
            idle = st.hand.finish()
            if idle >= 0:
                self._handoffs(st, idle)
        if self.measure:
            st._peak("max_handoffs", 0)
            st._peak("max_pingpong", 0)
            st._peak("max_repeated_replies", 0)

    # -- after the step ran ------------------------------------------------------------------
    def after(
        self,
        st: RunState,
        agent: str | None,
        kind: str | None,
        tool: str | None = None,
        args: Any = None,
        status: str | None = "ok",
        latency_ms: float | None = None,
        ended_at: float | None = None,
        signals: dict[str, float | None] | None = None,
        output: Any = None,
        encloses: bool | None = None,
        step_id: str | None = None,
        key: str | None = None,
    ) -> Decision:
        """Record how a step ended, check latency limits and HITL rules, return the decision.

        ``encloses``: whether the step enclosed other steps (its latency and counts are then its children's,
        and no limit or HITL rule is read at it: an agent span, a trace's root span, a framework's scope
        span). ``None``: for an agent or system step, whether a step began between its :meth:`before` and
        this call (a live guard sees the steps an agent span encloses begin inside it); for any other
        step, whether a deeper step began meanwhile (depths given to :meth:`before`), or without depths
        any step for a kind not in ``LEAF_KINDS`` (a root or chain span reported when it ends); when the
        run's steps name their parents (``step_id`` / ``parent`` to :meth:`before`, ``step_id`` here),
        whether a step named this one. The backtest says, from the store. ``key``: a tool call's
        :func:`call_key`, when the caller kept it from :meth:`before` instead of the arguments."""
        if st.cut is not None:
            return st.cut
        if st.hand is not None and output is not None:
            output = as_text(output)  # once, for the rules reading text after this one too
            st.hand.output(kind, tool, output, status != "error")
        if kind == "tool":
            ok = status != "error"
            if key is None:
                same = (
                    st.last_key is not None
                    and st.last_who == (agent, tool)
                    and (args is st.last_args or args == st.last_args)
                )
                key = st.last_key if same else call_key(agent, tool, args)
            st.outcomes[key] = ok
            st.outcomes.move_to_end(key)
            if len(st.outcomes) > _MAX_KEYS:
                # a call whose outcome is forgotten is no retry when made again: its count goes too (it
                # kept one entry per distinct failed call, 100,000 of them 30 MB in one run)
                gone, _ = st.outcomes.popitem(last=False)
                st.retries.pop(gone, None)
            if ok:
                st.retries.pop(key, None)
            if self.listen:
                st.talk.tool_output(agent, tool, output, ok)
            window = st.window
            if len(window) == window.maxlen:
                old, old_ok = window[0]
                if old_ok:
                    n = st.ok_counts[old] - 1
                    if n:
                        st.ok_counts[old] = n
                    else:
                        del st.ok_counts[old]
            window.append((key, ok))
            if ok:
                st.ok_counts[key] = st.ok_counts.get(key, 0) + 1
        elif kind in REPLY_KINDS and self.listen and output is not None:
            chain = st.talk.reply(agent, kind, output, self.similarity, self.min_words)
            if chain:
                if self.measure:
                    st._peak("max_repeated_replies", chain)
                if self.max_replies is not None and chain > self.max_replies:
                    return self._cut(st, "max_repeated_replies", chain, self.max_replies)
        if self._encloses(st, agent, kind, encloses, step_id):
            return ALLOW
        if latency_ms is not None:
            if self.measure:
                st._peak("max_step_latency_ms", latency_ms)
            if self.max_step_ms is not None and latency_ms > self.max_step_ms:
                return self._cut(st, "max_step_latency_ms", latency_ms, self.max_step_ms)
        if ended_at is not None and st.started_at is not None:
            elapsed = (ended_at - st.started_at) * 1000.0
            if self.measure:
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
    def signal(
        st: RunState, name: str, latency_ms: float | None, signals: dict[str, float | None] | None
    ) -> float | None:
        """A signal's value at the end of the current step (step columns or running counts)."""
        if name == "latency_ms":
            return latency_ms
        if name == "tool_calls":
            return st.tool_calls
        if name == "retries":
            return st.retries_total
        if name == "handoffs":
            # hand-offs in a row that brought nothing, up to the last turn judged (the breaker's count)
            return st.hand.idle if st.hand is not None else None
        if name == "depth":
            return st.depth
        return signals.get(name) if signals else None

    @staticmethod
    def _encloses(
        st: RunState, agent: str | None, kind: str | None, given: bool | None, step_id: str | None = None
    ) -> bool:
        """Whether the step ending now enclosed other steps (see :meth:`after`): ``given`` when said;
        when steps name their parents, whether one named it; else an agent/system step, when any step
        began while it was open; any other step, when a deeper step began while it was open (depths
        given), or any step did (no depth, a kind not in LEAF_KINDS)."""
        opened = st.opened
        container = kind in CONTAINER_KINDS
        for i in range(len(opened) - 1, -1, -1):  # the step by its id, else the latest of this agent's
            entry = opened[i]  # open steps of this kind
            if (entry[5] == step_id) if step_id is not None else (entry[0] == agent and entry[1] == kind):
                del opened[i]
                if given is not None:
                    return given
                if st.named and step_id is not None:
                    return entry[4]
                if container or entry[3] is None:
                    return st.began > entry[2]
                return entry[4]
        if given is not None:
            return given
        return container  # begun before memory: an agent/system step is taken as a wrapper

    def _cut(self, st: RunState, rule: str, value: float, limit: float) -> Decision:
        st.cut = Decision("cut", rule, value, limit)
        return st.cut
