"""The span guard's records (``GuardSpanProcessor``): the decision handed to its hooks, a span's step, and a run's
bounded memory of its spans."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from .policy._core import RunState

_MAX_SPANS = 4096  # spans of one run remembered (agent, depth) for their children
_MAX_ENDED = 1024  # ended spans of one run remembered for the traces that link to them


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

    __slots__ = (
        "agent",
        "depth",
        "kind",
        "tool",
        "key",
        "encloses",
        "late",
        "args_late",
        "retried",
        "dropped",
        "above",
        "pending",
        "inner",
        "llm_kids",
        "started",
        "ended_as",
        "held",
        "waits_on",
        "end_told",
        "top",
        "live",
        "hay",
        "own",
        "idle",
    )

    def __init__(
        self,
        agent: str | None,
        depth: int,
        kind: str,
        tool: str | None,
        late: bool,
        dropped: bool = False,
        args_late: bool = False,
    ) -> None:
        self.agent, self.depth, self.kind, self.tool = agent, depth, kind, tool
        self.key: str | None = None
        self.encloses = 0  # spans begun under it that the store keeps (so far)
        self.above: _Step | None = None  # the span it began under, when it gives it ``encloses``
        self.late = late
        # a tool call begun without arguments: judged then as a call without any, again at its end if it gave some
        self.args_late = args_late
        self.retried = False  # (its judgement at the start counted it a retry)
        self.dropped = dropped  # the store quarantines the span: no step of the backtest's, none here
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
        self.top: int | None = None  # the id of the top span here whose subtree it is in (_Run.tops)
        # A span of Haystack's own tracing (_guard_span_haystack): live, while its tags wait (its SDK span, its id, root
        # flag, what it reads of the span above); hay, once typed, what the spans under it read of it
        self.live: tuple | None = None
        self.hay: tuple | None = None
        # own: the agent the span names itself. idle: an Agent Framework executor's delivery span waiting to show
        # whether it runs anything (store/sql/tree_idle_executors.sql: one that ends with nothing under it, and did
        # not fail, acts for no agent): judged at the first span's start under it, else at its end with the agent
        # above it, held here as (that agent,)
        self.own: str | None = None
        self.idle: tuple[str | None] | None = None


class _Run:
    __slots__ = (
        "state",
        "lock",
        "spans",
        "last_agent",
        "cut_told",
        "ended",
        "joined",
        "deferred",
        "tops",
        "haystack",
        "waiting",
    )

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.lock = threading.Lock()
        self.spans: OrderedDict[int, _Step] = OrderedDict()
        self.last_agent: dict[int | None, str] = {}  # per parent span: the agent its latest child named
        self.ended: OrderedDict[int, _Step] = OrderedDict()  # ended spans another trace may link to
        self.joined = False  # other traces continue this run (their spans outlive its root)
        self.cut_told = False
        # LLM spans ended before their waiting inner span (_end_deferred): judged, at the latest, when the
        # trace's root ends (an inner span that never ends holds back no end's check for longer)
        self.deferred: list[_Step] = []
        # the trace's top spans here still open (its root, or each span continuing a remote parent: a remote caller
        # may send two requests under one trace): a top span's end judges what waits in its own subtree only
        self.tops: OrderedDict[int, None] = OrderedDict()
        self.haystack = (
            False  # a span of Haystack's own tracing was held here (_guard_span_starts._begin_held)
        )
        # the spans of Haystack's own tracing held since their starts, in start order (a step leaves when it is
        # judged or forgotten): what every span's start or end looks at, not every open span of a wide run
        self.waiting: dict[int, _Step] = {}


def _shallower(step: _Step, up: int) -> None:
    """``step`` and the spans waiting under it ``up`` levels less deep."""
    step.depth -= up
    for kid in step.held or ():
        _shallower(kid, up)
