"""The moves of the run the explorer shows: which of a long run's are drawn and listed, and moving to others.

A run of more moves than ``max_moves`` is shown in stretches (plots/_windows.py): around the steps a verdict or a
label names, the step looked at, the first error, the flagged moves and the run's end, then its first moves. The
step list holds the moves shown and a "⋯ N moves not shown" line for each stretch left out; picking that line, or
any move not shown (from code, a verdict's button), moves the stretches to it: the timeline is drawn again.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import plots
from ..plots._render import redraw
from ..plots._windows import shown_moves, stretches
from ..store._own_connection import fetch
from ._explorer_text import _or, _step_marks
from ._html import isolate, kv_table, label
from ._runs import _sql

# The stretches the header names one by one; more are counted
_SAID_STRETCHES = 6


class MovesShown:
    """The run's moves shown (a mixin of IncidentExplorer: its widgets and store are the explorer's)."""

    def _no_moves(self) -> None:
        self._moves = pd.DataFrame()
        self._move_ids: set[str] = set()
        self._around: list[str] = []
        self._decisive: str | None = None
        self._handoffs: pd.DataFrame | None = None
        self._header_head = ""

    def _take_moves(self, moves: pd.DataFrame, around: list[Any], decisive: str | None) -> None:
        """The run's every move (kept to pick others from), the steps to keep in view, the replay's decisive step."""
        self._moves = moves
        self._move_ids = set(moves["step_id"].tolist())
        self._around = [s for s in around if isinstance(s, str)]
        self._decisive = decisive
        self._handoffs = None
        self._header_head = self.header.value

    def _cut(self, focus: str | None = None) -> None:
        """The moves shown (``self.steps``) kept around ``focus`` too, the header's line saying which, and the step
        list's options (set without their change event; its value ``focus`` when listed, else the first move)."""
        self.steps = shown_moves(self._moves, self.max_moves, [focus, *self._around])
        total = len(self._moves)
        said = "" if total <= len(self.steps) else kv_table([("moves shown", self._moves_said(focus))])
        self.header.value = self._header_head + said
        options = _options(self.steps)
        listed = {v for _, v in options}
        self._step_quiet = True
        try:
            self.step.options = options
            self.step.value = (
                focus if focus in listed else (self.steps["step_id"].iat[0] if len(self.steps) else None)
            )
        finally:
            self._step_quiet = False

    def _moves_said(self, focus: str | None) -> str:
        parts = stretches(self.steps)
        ranges = " · ".join(f"{a:,}–{b:,}" if b > a else f"{a:,}" for a, b in parts[:_SAID_STRETCHES])
        if len(parts) > _SAID_STRETCHES:
            ranges += f" … ({len(parts)} stretches)"
        shown = set(self.steps["step_id"].tolist())
        why = [
            "the step picked" if isinstance(focus, str) and focus in shown else "",
            "the steps a verdict or label names" if any(s in shown for s in self._around) else "",
            "the first error" if plots.raised(self._moves).any() else "",
            "the flagged moves" if bool(self._moves["flagged"].any()) else "",
            "the run's end",
        ]
        first = "; then the first moves" if parts and parts[0][0] == 1 else ""
        return (
            f"{len(self.steps):,} of {len(self._moves):,} (timeline and step list): moves {ranges}, around "
            + ", ".join(w for w in why if w)
            + first
            + ". Pick a “⋯ not shown” line of the step list (or a move from code) to show its moves."
        )

    def _draw_moves(self) -> None:
        """The timeline and the confidence/entropy chart of the moves shown."""
        if self._handoffs is None:
            # every hand-off of the run (the timeline keeps those within the stretches shown)
            self._handoffs = plots.handoff_data(self.ws, self.run_id, max_steps=max(1, len(self._moves)))
        lanes, signals = plots.timeline_parts(
            self.steps, self._handoffs, decisive_step=self._decisive, title=self.run_id, width="container"
        )
        redraw(self.timeline, lanes, validate=False)
        if signals is not None:
            redraw(self.signals, signals, validate=False)
        self.signals_box.children = () if signals is None else (self.signals,)
        self.timeline.selections.observe(self._on_pick, names=["step"])

    def _elsewhere(self, step_id: Any) -> bool:
        """Whether ``step_id`` is a move of the run shown that the timeline and step list leave out."""
        return (
            isinstance(step_id, str)
            and step_id in self._move_ids
            and step_id not in set(self.steps["step_id"].tolist())
        )

    def _move_to(self, step_id: str) -> None:
        """The stretches moved to a move not shown, the step list on it."""
        self._cut(focus=step_id)
        self._draw_moves()

    def _hold(self, step_id: Any) -> None:
        """Keep a verdict's step in view (or the move a scope step it names is drawn on), the step looked at too."""
        if not isinstance(step_id, str) or len(self._moves) <= len(self.steps):
            return
        target = step_id
        if target not in self._move_ids:
            under = fetch(self.ws.con, _sql("move_under"), {"run_id": self.run_id, "step_id": step_id})
            target = under[0][0] if under else None
        if not self._elsewhere(target):
            return
        self._around.append(target)
        looked = self.step.value
        self._cut(focus=looked if looked in self._move_ids else None)
        self._draw_moves()


def _options(steps: pd.DataFrame) -> list[tuple[str, str]]:
    """The step list's lines: each move shown (a step with no name shows no empty "· ·" between kind and flag; the
    flag right after the number; a step that raised marked as Phoenix and Langfuse mark an error span), and before
    a move that follows moves left out, a line saying how many, whose value is the first of them."""
    erred = plots.raised(steps)  # (the timeline's red ✕ reads the same)
    gaps = (
        steps["elided_before"].astype(int).tolist() if "elided_before" in steps.columns else [0] * len(steps)
    )
    out = []
    for s, bad, gap in zip(steps.itertuples(), erred, gaps, strict=True):
        if gap:
            first = int(s.move) - gap
            out.append(
                (
                    f"⋯ {gap:,} moves not shown ({first:,}–{first + gap - 1:,}): pick to show them",
                    s.elided_from,
                )
            )
        out.append(
            (
                # (the agent's name isolated: a right-to-left one swapped the kind after it to its other side)
                label(_step_marks(s, bad))
                + " · ".join(
                    p for p in (isolate(label(_or(s.agent, "—"))), label(s.kind), label(_or(s.name, ""))) if p
                ),
                s.step_id,
            )
        )
    return out
