"""What the decision core (``_core.Core``) remembers of one run: bounded, as ``_core``'s docstring says."""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from ._bounce import Talk
from ._handoffs import Handoffs

if TYPE_CHECKING:
    from ._core import Decision

_MAX_OPEN = 64  # agent/system steps begun and not yet ended, remembered per run


class RunState:
    """Everything the policy remembers about one run (bounded, see the module docstring)."""

    __slots__ = (
        "started_at",
        "tool_calls",
        "per_agent",
        "window",
        "outcomes",
        "retries",
        "retries_total",
        "talk",
        "cut",
        "peaks",
        "depth",
        "ok_counts",
        "last_args",
        "last_key",
        "last_who",
        "lock",
        "raw_args",
        "hand",
        "began",
        "opened",
        "named",
        "counted",
        "ended",
    )

    def __init__(self, window: int) -> None:
        self.started_at: float | None = None
        self.tool_calls = 0
        self.per_agent: dict[str, int] = {}
        self.window: deque[tuple[str, bool]] = deque(maxlen=window)
        self.ok_counts: dict[str, int] = {}  # successful calls per key within the window
        self.last_args: Any = None  # the last tool call's arguments and key, so after()
        self.last_key: str | None = None  # need not normalise them again
        # (and its agent and tool: parallel calls to two tools with the same arguments, {} or one item, end in any
        # order, and the other's key is not this one's)
        self.last_who: tuple[str | None, str | None] | None = None
        self.outcomes: OrderedDict[str, bool] = OrderedDict()
        self.retries: dict[str, int] = {}
        self.retries_total = 0
        self.talk = Talk()
        self.hand: Handoffs | None = None  # hand-offs that brought nothing (when a rule needs them)
        self.cut: Decision | None = None
        self.depth: int | None = None
        # Highest value each rule's quantity reached (what policy_from_findings learns limits from).
        self.peaks: dict[str, float] = {}
        self.lock: Any = None  # the Guard's per-run lock (a backtest replays one run at a time)
        # the Guard's last arguments: as given, serialised (or their digest), why the store would not keep them
        self.raw_args: tuple[Any, str, str | None] | None = None
        self.began = 0  # steps begun so far
        # steps begun and not yet ended that may enclose others: [agent, kind, began, depth, a deeper step began]
        self.opened: deque[list[Any]] = deque(maxlen=_MAX_OPEN)
        self.named = False  # steps name their parents (then they alone say which step encloses others)
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
