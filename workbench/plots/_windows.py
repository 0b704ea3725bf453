"""Which moves of a long run a timeline shows: stretches around the moves that matter, the rest elided.

A run of more moves than a view draws (a coding agent's 5,000) used to be shown from its start: its failure, at
move 4,800, was past the last move drawn. Here the moves kept are, in this order until the budget is spent, the
ones around the steps the caller names (a verdict's decisive step, a labelled step, the step picked), the first
that raised, the first a detector flagged and the run's end; then a few around every other flagged move; then the
run's first moves with what is left. Each elided stretch is said on the move after it (how many, from which move,
since when), so a view can draw and list it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._data import raised

# Moves either side of a step a window is kept around (fewer when the budget is small or the steps many)
_CONTEXT = 100
# ... and either side of each further flagged move, which may take up to this share of the budget together
_FLAGGED_CONTEXT, _FLAGGED_SHARE = 10, 0.75


def shown_moves(moves: pd.DataFrame, max_steps: int, around: Iterable[object] = ()) -> pd.DataFrame:
    """The rows of ``moves`` (a run's every move in order, as timeline.sql reads them) a view of ``max_steps``
    moves shows, with ``move`` (its number in the run, from 1). A run of more moves keeps stretches around the
    steps in ``around`` (ids; one that is not a move of the run is passed over), its first error, its first flagged
    move, its end, other flagged moves, then its first moves; the row after an elided stretch says it:
    ``elided_before`` (how many moves), ``elided_from`` (the first one's step id), ``elided_since`` (its start) and
    ``elided_seq`` (its seq), and ``stretch`` numbers the stretches shown."""
    around = [around] if isinstance(around, str) else around  # (one step id: not its characters)
    n = len(moves)
    out = moves.assign(move=np.arange(1, n + 1))
    if n <= max_steps:
        return out
    chosen = np.zeros(n, dtype=bool)
    where = {sid: i for i, sid in enumerate(moves["step_id"].tolist())}
    erred = np.flatnonzero(raised(moves).to_numpy())
    flagged = np.flatnonzero(moves["flagged"].fillna(False).to_numpy(dtype=bool))
    keys = [where[s] for s in around if isinstance(s, str) and s in where]
    keys += [int(p[0]) for p in (erred, flagged) if len(p)]
    keys = list(dict.fromkeys([*keys, n - 1]))
    reach = max(0, min(_CONTEXT, max_steps // (4 * len(keys))))

    def keep(at: int, before: int, after: int) -> None:
        room = max_steps - int(chosen.sum())
        if room <= 0:
            return
        span = np.arange(max(0, at - before), min(n, at + after + 1))
        span = span[np.argsort(np.abs(span - at), kind="stable")]  # the step itself first, then outwards
        chosen[span[~chosen[span]][:room]] = True

    for at in keys:
        # the run's end: the moves leading to it
        keep(at, 2 * reach if at == n - 1 else reach, reach)
    near = min(reach, _FLAGGED_CONTEXT)
    for at in flagged.tolist():
        if chosen.sum() >= _FLAGGED_SHARE * max_steps:
            break
        keep(at, near, near)
    room = max_steps - int(chosen.sum())
    if room > 0:
        chosen[np.flatnonzero(~chosen)[:room]] = True
    at = np.flatnonzero(chosen)
    prev = np.concatenate([[-1], at[:-1]])
    gap = at - prev - 1
    first = prev + 1  # the first move of the stretch elided before each one kept (where gap > 0)
    shown = out.iloc[at].copy()
    shown["elided_before"] = gap
    shown["elided_from"] = np.where(gap > 0, moves["step_id"].to_numpy()[np.minimum(first, n - 1)], None)
    since = pd.to_datetime(moves["started_at"]).iloc[np.minimum(first, n - 1)].to_numpy()
    shown["elided_since"] = pd.Series(since, index=shown.index).where(gap > 0)
    if "seq" in moves.columns:
        shown["elided_seq"] = moves["seq"].to_numpy()[np.minimum(first, n - 1)].astype(float)
        shown["elided_seq"] = shown["elided_seq"].where(gap > 0)
    shown["stretch"] = np.cumsum(gap > 0)
    return shown


def stretches(steps: pd.DataFrame) -> list[tuple[int, int]]:
    """The stretches of moves a :func:`shown_moves` frame holds, as (first, last) move numbers in the run."""
    if "move" not in steps.columns or steps.empty:
        return []
    numbers = np.sort(steps["move"].to_numpy())
    breaks = np.flatnonzero(np.diff(numbers) > 1)
    starts = np.concatenate([[numbers[0]], numbers[breaks + 1]])
    ends = np.concatenate([numbers[breaks], [numbers[-1]]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def within_stretches(handoffs: pd.DataFrame, data: pd.DataFrame) -> pd.Series:
    """Which hand-offs start and end within one stretch of the moves shown (the first stretch open before, when it
    starts the run; the last open after, when it ends it)."""
    t0 = pd.to_datetime(handoffs["t0"])
    t1 = pd.to_datetime(handoffs["t1"].fillna(handoffs["t0"]))
    part = data["stretch"] if "stretch" in data.columns else pd.Series(0, index=data.index)
    keep = pd.Series(False, index=handoffs.index)
    total = int(data["moves"].iat[0])
    for _, moves in data.groupby(part):
        lo, hi = pd.to_datetime(moves["started_at"]).min(), moves["shown_end"].max()
        if "move" not in moves.columns or int(moves["move"].min()) == 1:
            lo = pd.Timestamp.min.tz_localize(lo.tz) if lo.tz is not None else pd.Timestamp.min
        if "move" in moves.columns and int(moves["move"].max()) == total:
            hi = pd.Timestamp.max.tz_localize(hi.tz) if hi.tz is not None else pd.Timestamp.max
        keep |= (t0 >= lo) & (t0 <= hi) & (t1 >= lo) & (t1 <= hi)
    return keep


def elided_spans(data: pd.DataFrame, untimed: bool, clock: tuple | None) -> pd.DataFrame | None:
    """The stretches of a run left out of a :func:`timeline_data` frame, in the x axis' units: from the first move
    left out (gap0) to the next move shown (gap1), with what to say of them. None when nothing is left out."""
    if "elided_before" not in data.columns:
        return None
    rows = data[data["elided_before"] > 0]
    if untimed:
        start, end = rows["elided_seq"] if "elided_seq" in rows else None, rows["x0"]
    elif clock is None:
        start, end = rows["elided_since"], pd.to_datetime(rows["started_at"])
    else:
        start, end = since_start(rows["elided_since"], clock[0], clock[1]), rows["x0"]
    if start is None or rows.empty:
        return None
    count = rows["elided_before"].astype(int)
    first = rows["move"].astype(int) - count
    frame = pd.DataFrame(
        {
            "gap0": start.to_numpy(),
            "gap1": end.to_numpy(),
            "short": [f"⋯ {c:,} moves not shown" for c in count.tolist()],
            "said": [
                f"moves {a:,}–{a + c - 1:,} not shown: pick them in the step list"
                for a, c in zip(first.tolist(), count.tolist(), strict=True)
            ],
        }
    ).dropna(subset=["gap0", "gap1"])
    return None if frame.empty else frame


def since_start(t: pd.Series, origin: pd.Timestamp, per_second: float) -> pd.Series:
    return (pd.to_datetime(t) - origin).dt.total_seconds() * per_second
