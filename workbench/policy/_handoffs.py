"""Hand-offs that bring nothing: the hand-off breaker's rule, read step by step.

The ``handoff_breach`` detector's rule (``detect/sql/breaches.sql``) as a guard sees steps:

- A *turn* is a stretch of one agent's steps (system steps and steps without an agent belong to the
  turn they fall in). Every turn but the run's first is a *hand-off*.
- A hand-off *brings something* when its turn has a new tool result (a successful call whose tool and
  output the run had not seen; failed calls count as seen) or states a new value (``_bounce``'s
  values: an identifier, a decimal, a number from ``min_value``; no API id or UUID) that neither the
  task nor an earlier step stated.
- The breaker counts the hand-offs in a row that brought nothing. A fixed count of all hand-offs would
  be a per-system threshold: an orchestrator handing off twice a round makes sixty in a healthy run.

A turn is judged when it ends, at the first step of the next turn (or at the end of the run): only
then is it known to have brought nothing. What the guard cannot see that the detectors do: the output
of a span enclosing others comes at its end, after its children's, where the store orders it first.
Memory is bounded: the last ``_MAX_OUTPUTS`` distinct tool outputs and the last ``_MAX_VALUES`` values
first stated (as hashes; a Who&When Hand-Crafted run states up to 785) are remembered; a run stating
more may take a forgotten one for new (a stretch counted shorter, never longer). Up to
``_MAX_TEXTS`` texts read are remembered (as hashes; all forgotten at once when full) so that one said
again is not scanned again while none of its values can have been forgotten.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from typing import Any

from ._bounce import as_text, is_value, value_tokens

_MAX_OUTPUTS = 512
_MAX_VALUES = 2048
_MAX_TEXTS = 256  # texts whose values are known to be all remembered (a page read again: no scan)
_DIGIT = re.compile(r"[0-9]")


class Handoffs:
    """One run's turns as the hand-off breaker reads them: the open turn, whether it brought anything,
    and the hand-offs in a row before it that brought nothing."""

    __slots__ = (
        "agent",
        "turns",
        "news",
        "idle",
        "outputs",
        "values",
        "order",
        "min_value",
        "texts",
        "forgot",
    )

    def __init__(self, min_value: float) -> None:
        self.min_value = min_value
        self.agent: str | None = None  # the open turn's agent
        self.turns = 0
        self.news = False  # the open turn brought a new tool result or value
        self.idle = 0  # hand-offs in a row that brought nothing, up to the open turn
        self.outputs: OrderedDict[int, None] = OrderedDict()
        self.values: set[int] = set()  # hashes of the values stated, forgotten oldest first
        self.order: deque[int] = deque()
        # Hashes of texts read whole, with the count of values forgotten when they were: while no value
        # has been forgotten since, every value of such a text is remembered and the text, said again,
        # states nothing new (the stuck runs the breaker is for repeat their outputs): no regex scan.
        self.texts: dict[int, int] = {}
        self.forgot = 0

    def given(self, task: Any) -> None:
        """What the run was asked: its values are no news when a step states them again."""
        text = as_text(task)
        if text is not None:
            self._stated(text)

    def step_of(self, agent: str) -> int:
        """A step of ``agent`` (no system step) begins. When it begins a new turn, the turn that ended is
        judged: the hand-offs in a row that brought nothing, that turn's included; -1 when none ended."""
        if agent == self.agent:
            return -1
        idle = self._judge() if self.agent is not None else -1
        self.agent = agent
        self.turns += 1
        self.news = False
        return idle

    def finish(self) -> int:
        """The run ended: judge its last turn (as :meth:`step_of` does)."""
        if self.agent is None:
            return -1
        idle = self._judge()
        self.agent = None
        return idle

    def _judge(self) -> int:
        self.idle = self.idle + 1 if self.turns > 1 and not self.news else 0
        return self.idle

    def output(self, kind: str | None, tool: str | None, output: Any, ok: bool) -> None:
        """What a step returned or said (any kind: a value is news wherever it is first stated)."""
        text = as_text(output)
        if text is None:
            return
        new = self._stated(text)
        if kind == "tool":
            key = hash((tool, text))
            seen = self.outputs
            if key in seen:
                seen.move_to_end(key)
            else:
                seen[key] = None
                if len(seen) > _MAX_OUTPUTS:
                    seen.popitem(last=False)
                new = new or ok
        if new:
            self.news = True

    def _stated(self, text: str) -> bool:
        """Remember the values ``text`` states; whether one of them is new."""
        new = False
        if not _DIGIT.search(text):
            return new  # every value has a digit (a UUID without one is no value)
        texts, key = self.texts, hash(text)
        if texts.get(key) == self.forgot:
            return new
        values, order, min_value, forgot = self.values, self.order, self.min_value, self.forgot
        for token in value_tokens(text):
            h = hash(token)
            if h not in values and is_value(token, min_value):
                values.add(h)
                order.append(h)
                new = True
                if len(order) > _MAX_VALUES:
                    values.discard(order.popleft())
                    self.forgot += 1
        if self.forgot == forgot:  # all its values are remembered now (none pushed out by its own)
            if len(texts) < _MAX_TEXTS:
                texts[key] = forgot
            else:
                texts.clear()  # full: start over (it only saves scans; cheaper than evicting one by one)
        return new
