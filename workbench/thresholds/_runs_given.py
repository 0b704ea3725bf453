"""``runs=[]`` refused with what it is, before anything is read: one message for every entry point taking ``runs=``.

Every function that learns from ``runs=`` (ids, or a ``ws.runs(...)`` frame) reads it as "only these runs'
outcomes are known". An empty list, most often a ``ws.runs(...)`` filter that matched no run, then made each
say something false of the store: the sweep "no run of this store has a known outcome", the calibration "no
step in this store has a confidence", ``what_can_be_tuned`` "the logs have no token log-probabilities" of a
store full of them; ``backtest`` returned an empty report ("0 runs") as if the policy had been tried. Each says
now what was given, what it does, and what the store holds (the learners, ``suggest_limits`` and ``backtest``
said it in three near-copies of one sentence before: one builder here).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from .._plain import counted
from ..exceptions import InvalidParameterError
from ..store._own_connection import own_cursor

_HELD_SQL = resources.files("workbench.policy").joinpath("sql/runs_held.sql")


def store_holds(ws: Any) -> str:
    """What the store holds, for a message: ``the store holds 80 runs, 79 with steps`` (or ``no run``)."""
    with own_cursor(ws.con) as con:
        stored, stepped = con.execute(_HELD_SQL.read_text("utf-8")).fetchone()
    return (
        f"the store holds {counted(stored, 'run')}, {stepped:,} with steps"
        if stored
        else "the store holds no run"
    )


def refuse_empty(ws: Any, runs: list[str] | None, where: str, doing: str = "learn from") -> None:
    """InvalidParameterError naming ``where`` (the entry point) and what it does with runs (``doing``: "learn from",
    "measure limits on", "replay") when ``runs`` (as ``run_ids`` returned it) is an empty list."""
    if runs is not None and not runs:
        raise InvalidParameterError(
            f"{where}: runs is empty (0 run ids given; a ws.runs(...) filter that matched no run gives none): "
            f"nothing to {doing}; give the runs to {doing}, or leave runs=None for every run ({store_holds(ws)})"
        )
