"""The decision core shared by the runtime Guard and the backtest.

Pure Python and allocation-light: the Guard calls it around every step of a live system, the backtest
feeds it a store's history in ``seq`` order. Because both go through :func:`before` and :func:`after`
with the same :class:`RunState`, "the guard decides what the backtest says" holds by construction.

Memory per run is bounded: tool calls are remembered in a window of ``loops.window`` calls, call
outcomes (for retries) in an LRU of ``_MAX_KEYS`` calls, tool-call counts for at most ``_MAX_AGENTS``
agents; what agents said (ping-pong, repeated replies: ``_bounce``) in the last few turns and each
agent's last reply; for hand-offs (``_handoffs``) the values and tool outputs the run has stated.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import OrderedDict, deque
from typing import Any, NamedTuple

from ._bounce import REPLY_KINDS, Talk, as_text
from ._handoffs import Handoffs
from ._model import HitlRule, Policy, hitl_name

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
_MAX_OPEN = 64     # agent/system steps begun and not yet ended, remembered per run
_MAX_KEYS = 512
_KEY_CHARS = 256   # (a key holding 50 kB of arguments: 512 of them were 25 MB a run)
_MAX_AGENTS = 256
# The SQL side strips RE2's \s (ASCII space, tab, newline, form feed, carriage return): the same here.
_SPACES = str.maketrans("", "", " \t\n\f\r")
# The id an LLM API gave a tool call is no part of the call: detect/sql/macros.sql det_call_args, the
# same pattern over the same text before squeezing (keep the two equal). ASCII classes only: RE2 and
# re read them alike.
_CALL_IDS = re.compile(r'(^|[^0-9A-Za-z_])(?:tooluse_|toolu_|call_[0-9A-Za-z]{20})[0-9A-Za-z_-]*'
                       r'|(\\?"(?:id|tool_call_id|call_id|toolUseId)\\?"[ \t\n\f\r]*:[ \t\n\f\r]*\\?")'
                       r'call_[0-9A-Za-z_-]*')
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


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


def encode(value: Any) -> str:
    """A tool call's arguments as :func:`call_key` serialises them (a string stays as it is)."""
    return value if isinstance(value, str) else _ENCODE(value)


def _normal(text: str) -> str:
    """Arguments as calls compare them: tool-call ids left out, a JSON object or array in its canonical form
    (:func:`canonical`), whitespace squeezed out, lower-cased."""
    if "toolu" in text or "call_" in text:    # most arguments hold neither: skip the regex
        text = _CALL_IDS.sub(r"\1\2", text)
    return canonical(text).translate(_SPACES).lower()


# What det_canonical (detect/sql/macros.sql) leaves as it is, tested on the text alike on both sides: a trailing
# comma (DuckDB's reader takes it, json's not) and an escaped surrogate (json takes a lone one, DuckDB's reader not).
_NOT_CANONICAL = re.compile(r",[ \t\n\r]*[\]}]|\\u[dD][89a-fA-F]")
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Longer arguments compare as text: parsing and sorting 2 MB of JSON cost a guarded call 0.8 CPU s (a loop of
# such calls is still caught by its text, as before). det_canonical's length(t) counts code points alike.
CANONICAL_CHARS = 65_536
_INT_RANGE = range(-(2**63), 2**64)    # the integers DuckDB's JSON reads as integers (BIGINT, UBIGINT)


def canonical(text: str) -> str:
    """See :func:`_canonical`; short texts remembered (a run makes the same calls again: a loop is that)."""
    if len(text) > 512:
        return _canonical(text)
    return _canonical_short(text)


def _canonical(text: str) -> str:
    """A JSON object or array (with a comma: one member cannot be reordered) as calls compare it, the same call
    whatever the order of its keys: every value's path and value, sorted, numbers in one form (``1``, ``1.0`` and
    ``1e0`` alike). Any other text as it is, and so a text of more than ``CANONICAL_CHARS`` characters. The mirror of ``det_canonical`` (``detect/sql/macros.sql``, DuckDB's
    ``json_tree``): paths as its ``fullkey``, values as it renders them; keep the two equal."""
    if (len(text) > CANONICAL_CHARS or text.lstrip(" ")[:1] not in ("{", "[") or "," not in text
            or _NOT_CANONICAL.search(text)):
        return text
    try:
        value = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return text
    rows: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, _Pairs):
            rows.append((path, "o"))
            for k, item in v:
                stack.append((path + "." + (k if _PLAIN_KEY.fullmatch(k) else
                                             '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'), item))
        elif isinstance(v, list):
            rows.append((path, "a"))
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(v))
        elif isinstance(v, str):
            rows.append((path, "s" + v))
        elif v is None:
            rows.append((path, "z"))
        elif isinstance(v, bool):
            rows.append((path, "btrue" if v else "bfalse"))
        elif isinstance(v, int) and v in _INT_RANGE:
            rows.append((path, "n" + str(v)))
        else:
            try:
                f = float(v)
            except OverflowError:
                return text
            rows.append((path, "n" + (str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f))))
    rows.sort()
    return "\x1f".join(f"{p}={v}" for p, v in rows)


def _no_constant(name: str) -> Any:
    """NaN and Infinity are no JSON: the text is left as it is (det_canonical leaves any number with letters)."""
    raise ValueError(name)


_canonical_short = functools.lru_cache(maxsize=1024)(_canonical)


class _Pairs(list):
    """A JSON object's members in order, a key given twice kept twice (as DuckDB's json_tree gives them)."""


def call_key(agent: str | None, tool: str | None, args: Any) -> str:
    """One tool call's identity: agent, tool and arguments without whitespace, lower-cased, a JSON object's keys
    in any order (:func:`canonical`).

    The same normalisation as the loop and retry detectors (``detect/sql/calls.sql``); a dict or
    list of arguments is serialised as JSON first, as the store keeps it. Tool-call ids the LLM API
    gave the call (``tooluse_…``, ``toolu_…``, ``call_…``) are left out: a call made again gets a new one.
    """
    if args is None:
        text = ""
    elif isinstance(args, str):
        text = args
    else:
        text = _ENCODE(args)
    key = f"{agent}\x1f{tool}\x1f{_normal(text)}"
    if len(key) > _KEY_CHARS:   # a run remembers hundreds of keys: long arguments by their digest
        return "#" + hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return key


def digest_of(value: Any) -> str:
    """A value the store cannot keep (a tool call's arguments or a step's output past its field limit, nested past
    its limit, holding NaN, circular) as the guard compares it: a digest of the whole value, normalised as
    :func:`call_key` normalises arguments (text) or, for what JSON cannot write, walked with each object's keys
    sorted. Equal values give equal digests, so such a call still counts and still repeats itself."""
    h = hashlib.blake2b(digest_size=16)
    try:
        text = value if isinstance(value, str) else _ENCODE(value)
    except (ValueError, RecursionError, TypeError):     # circular, nested past what json writes, a tuple key
        _walk(value, h)
    else:
        h.update(_normal(text).encode("utf-8", "surrogatepass"))
    return "#unkept:" + h.hexdigest()


def _walk(value: Any, h: Any) -> None:
    """Feed ``h`` a structure of any depth without recursion; a container met again is written as a reference."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if id(v) in seen:
                h.update(b"&")
                continue
            seen.add(id(v))
            h.update(b"{")
            for k in sorted(v, key=str, reverse=True):
                stack.append(v[k])
                stack.append(str(k))
        elif isinstance(v, (list, tuple)):
            if id(v) in seen:
                h.update(b"&")
                continue
            seen.add(id(v))
            h.update(b"[%d" % len(v))
            stack.extend(reversed(v))
        else:
            h.update(b"\x1e" + _ENCODE(v if isinstance(v, (str, int, float, bool)) or v is None else str(v)).encode(
                "utf-8", "surrogatepass"))


class RunState:
    """Everything the policy remembers about one run (bounded, see the module docstring)."""

    __slots__ = ("started_at", "tool_calls", "per_agent", "window", "outcomes", "retries",
                 "retries_total", "talk", "cut", "peaks", "depth", "ok_counts", "last_args",
                 "last_key", "lock", "raw_args", "hand", "began", "opened", "named", "counted", "ended")

    def __init__(self, window: int) -> None:
        self.started_at: float | None = None
        self.tool_calls = 0
        self.per_agent: dict[str, int] = {}
        self.window: deque[tuple[str, bool]] = deque(maxlen=window)
        self.ok_counts: dict[str, int] = {}    # successful calls per key within the window
        self.last_args: Any = None             # the last tool call's arguments and key, so after()
        self.last_key: str | None = None       # need not normalise them again
        self.outcomes: OrderedDict[str, bool] = OrderedDict()
        self.retries: dict[str, int] = {}
        self.retries_total = 0
        self.talk = Talk()
        self.hand: Handoffs | None = None      # hand-offs that brought nothing (when a rule needs them)
        self.cut: Decision | None = None
        self.depth: int | None = None
        # Highest value each rule's quantity reached (what policy_from_findings learns limits from).
        self.peaks: dict[str, float] = {}
        self.lock: Any = None    # the Guard's per-run lock (a backtest replays one run at a time)
        # the Guard's last arguments: as given, serialised (or their digest), why the store would not keep them
        self.raw_args: tuple[Any, str, str | None] | None = None
        self.began = 0                          # steps begun so far
        # steps begun and not yet ended that may enclose others: [agent, kind, began, depth, a deeper step began]
        self.opened: deque[list[Any]] = deque(maxlen=_MAX_OPEN)
        self.named = False      # steps name their parents (then they alone say which step encloses others)
        # the Guard's steps counted as quarantined at their start and not yet ended, by (agent, kind, tool, step id):
        # their end is the same step, not counted again (None until one is)
        self.counted: dict[tuple[Any, ...], int] | None = None
        # the Guard ended the run (end_run): a step still open then is recorded here, never in a run made again
        self.ended = False

    def clock_from(self, started_at: float | None) -> None:
        """The run's clock starts at its earliest step's start (as the store's run starts)."""
        if self.started_at is None or (started_at is not None and started_at < self.started_at):
            self.started_at = started_at

    def _peak(self, name: str, value: float) -> None:
        if value > self.peaks.get(name, float("-inf")):
            self.peaks[name] = value


class Core:
    """A policy compiled for fast checks."""

    def __init__(self, policy: Policy, measure: bool = False) -> None:
        self.policy = policy
        self.measure = measure    # record each run's peaks (what policy_from_findings learns from)
        b, g, lp = policy.breakers, policy.budgets, policy.loops
        self.max_depth, self.max_handoffs = b.max_depth, b.max_handoffs
        self.max_step_ms, self.max_run_ms = b.max_step_latency_ms, b.max_run_latency_ms
        self.max_calls, self.max_calls_agent, self.max_retries = (
            g.max_tool_calls_run, g.max_tool_calls_agent, g.max_retries)
        self.max_repeats, self.window, self.max_pingpong = lp.max_repeats, lp.window, lp.max_pingpong
        self.max_replies = lp.max_repeated_replies
        self.similarity, self.min_words, self.min_value = lp.repeat_similarity, lp.repeat_min_words, lp.min_value
        # what agents said is read only when a rule (or a measurement) needs it
        self.listen = measure or self.max_pingpong is not None or self.max_replies is not None
        self.hitl: tuple[tuple[HitlRule, str, bool], ...] = tuple(
            (r, hitl_name(r), r.direction == "below") for r in policy.hitl)
        # the hand-offs a breaker, a measurement or a HITL rule on the ``handoffs`` signal reads
        self.hand = (measure or self.max_handoffs is not None
                     or any(r.signal == "handoffs" for r in policy.hitl))

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
    def before(self, st: RunState, agent: str | None, kind: str | None, tool: str | None = None,
               args: Any = None, depth: int | None = None, started_at: float | None = None,
               step_id: str | None = None, parent: str | None = None) -> Decision:
        """Check a step about to run, update the run's counts, and return the decision. ``step_id`` /
        ``parent``: the step's id and its parent's (a live system's span ids), which say exactly which
        open step encloses which; without them depths (or kinds) stand in (see :meth:`after`)."""
        if st.cut is not None:
            return st.cut
        st.began += 1
        opened = st.opened
        if parent is not None:          # the step names its parent: that one encloses it, no other
            st.named = True
            for entry in opened:
                if entry[5] == parent:
                    entry[4] = True
                    break
        elif depth is not None and opened:
            for i in range(len(opened) - 1, -1, -1):   # the innermost open step above this one encloses it
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
                return st.cut    # type: ignore[return-value]
        if agent is not None and kind != "system" and st.hand is not None:
            idle = st.hand.step_of(agent)
            if idle >= 0 and self._handoffs(st, idle):
                return st.cut    # type: ignore[return-value]
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
        st.last_args, st.last_key = args, key
        last_ok = st.outcomes.get(key)
        if last_ok is False:     # the same call failed last time: this is a retry
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
        if self.measure:
            st._peak("max_pingpong", exchanges)
        if self.max_pingpong is not None and exchanges > self.max_pingpong:
            self._cut(st, "max_pingpong", exchanges, self.max_pingpong)
            return True
        return False

    def _handoffs(self, st: RunState, idle: int) -> bool:
        """A turn ended with ``idle`` hand-offs in a row that brought nothing: cut past the limit."""
        if self.measure:
            st._peak("max_handoffs", idle)
        if self.max_handoffs is not None and idle > self.max_handoffs:
            self._cut(st, "max_handoffs", idle, self.max_handoffs)
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
    def after(self, st: RunState, agent: str | None, kind: str | None, tool: str | None = None,
              args: Any = None, status: str | None = "ok", latency_ms: float | None = None,
              ended_at: float | None = None, signals: dict[str, float | None] | None = None,
              output: Any = None, encloses: bool | None = None, step_id: str | None = None,
              key: str | None = None) -> Decision:
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
            output = as_text(output)     # once, for the rules reading text after this one too
            st.hand.output(kind, tool, output, status != "error")
        if kind == "tool":
            ok = status != "error"
            if key is None:
                same = st.last_key is not None and (args is st.last_args or args == st.last_args)
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
            # hand-offs in a row that brought nothing, up to the last turn judged (the breaker's count)
            return st.hand.idle if st.hand is not None else None
        if name == "depth":
            return st.depth
        return signals.get(name) if signals else None

    @staticmethod
    def _encloses(st: RunState, agent: str | None, kind: str | None, given: bool | None,
                  step_id: str | None = None) -> bool:
        """Whether the step ending now enclosed other steps (see :meth:`after`): ``given`` when said;
        when steps name their parents, whether one named it; else an agent/system step, when any step
        began while it was open; any other step, when a deeper step began while it was open (depths
        given), or any step did (no depth, a kind not in LEAF_KINDS)."""
        opened = st.opened
        container = kind in CONTAINER_KINDS
        for i in range(len(opened) - 1, -1, -1):     # the step by its id, else the latest of this agent's
            entry = opened[i]                         # open steps of this kind
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
        return container    # begun before memory: an agent/system step is taken as a wrapper

    def _cut(self, st: RunState, rule: str, value: float, limit: float) -> Decision:
        st.cut = Decision("cut", rule, value, limit)
        return st.cut
