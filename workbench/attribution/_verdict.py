"""The verdict: culprit agent, decisive step, and how sure we are."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
# pandas is imported where a DataFrame is built: a worker process replaying batches of runs builds
# none (an Attribution's table is made when first read), and pandas is most of its start-up time

# a runner-up with at least this share of the culprit's blame makes the blame shared
_SHARED = 0.5


@dataclass(frozen=True)
class Verdict:
    """Who caused the failure, where, and how sure the attribution is.

    Attributes
    ----------
    culprit : str or None
        The agent with the most blame (``None`` when no agent carries any).
    decisive_step : str or None
        The earliest step whose repair (with everything after it) saves the run.
    decisive_agent : str or None
        The agent of the decisive step.
    confidence : float
        In [0, 1]: the culprit's share of all positive blame, discounted when its confidence
        interval overlaps the runner-up's.
    ambiguous : bool
        True when another agent's blame is statistically indistinguishable from the culprit's,
        or at least half of it: the blame is shared, and the verdict says so.
    runner_up : str or None
        The agent with the second most blame.
    explanation : str
        One sentence for a human.
    inconclusive : bool
        True when replays failed and, whatever their outcomes would have been, the culprit could
        be another agent (or nobody): then ``culprit`` is ``None`` and the explanation names the
        candidates.
    failed_replays : int
        Coalitions whose replay raised or timed out (evidence of nothing).
    """

    culprit: str | None
    decisive_step: str | None
    decisive_agent: str | None
    confidence: float
    ambiguous: bool
    runner_up: str | None
    explanation: str
    inconclusive: bool = False
    failed_replays: int = 0

    def _repr_html_(self) -> str:
        from .._termtext import html_text  # agent names from logs: no bidi override reverses the page

        return f"<p><b>Verdict</b>: {html_text(self.explanation)}</p>"


def blame_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`blame_table` on columns (``player`` a sequence, numbers arrays): what attribution
    works with until it builds its one table per run, as pandas' fixed cost per operation on small
    frames was a large part of a batch attribution's time."""
    blame = -np.asarray(values["value"], dtype=float)
    if "ci_low" in values:
        low, high = -np.asarray(values["ci_high"], dtype=float), -np.asarray(values["ci_low"], dtype=float)
    else:
        low = high = blame
    # descending, ties in the order given, NaN last (pandas' stable descending sort)
    order = sorted(
        range(len(blame)), key=lambda i: (True, 0.0) if math.isnan(blame[i]) else (False, -blame[i])
    )
    out = {
        c: [col[i] for i in order] if isinstance(col, list) else np.asarray(col)[order]
        for c, col in values.items()
        if c not in ("blame", "blame_low", "blame_high")
    }
    out.update(blame=blame[order], blame_low=low[order], blame_high=high[order])
    return out


def columns(frame: pd.DataFrame) -> dict[str, Any]:
    """A table's columns: ``player`` as a list, the others as arrays."""
    return {c: frame[c].tolist() if c == "player" else frame[c].to_numpy() for c in frame.columns}


def table(cols: Mapping[str, Any]) -> pd.DataFrame:
    """The DataFrame of columns from :func:`blame_columns` (players as objects, as in
    :class:`~workbench.ShapleyResult`)."""
    import pandas as pd

    return pd.DataFrame(
        {c: pd.Series(list(col), dtype=object) if c == "player" else col for c, col in cols.items()}
    )


def is_frame(obj: object) -> bool:
    """Whether ``obj`` is a pandas DataFrame, without importing pandas (it is not one if pandas
    was never imported)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def blame_table(values: pd.DataFrame) -> pd.DataFrame:
    """Blame per player from Shapley values of the kept-as-recorded game (blame = −φ)."""
    return table(blame_columns(columns(values)))


def make_verdict(
    agent_blame: pd.DataFrame | Mapping[str, Any] | None,
    decisive_step: str | None = None,
    decisive_agent: str | None = None,
    failed: int = 0,
    replays: int | None = None,
) -> Verdict:
    """Build a verdict from a blame table (columns player, blame, blame_low, blame_high; a DataFrame
    or :func:`blame_columns`).

    With ``failed`` replays, the bounds must already cover both outcomes of each failed coalition;
    the culprit stands only when its lowest blame is positive and above every other agent's
    highest, and otherwise the verdict is inconclusive.
    """
    culprit = runner_up = None
    confidence = 0.0
    ambiguous = False
    if is_frame(agent_blame):
        agent_blame = columns(agent_blame)
    if failed and agent_blame is not None and len(agent_blame["player"]):
        undecided = _undecided(table(agent_blame))
        if undecided is not None:
            of = f" of {replays}" if replays else ""
            text = (
                f"inconclusive: {failed}{of} replays failed, and with their outcomes unknown the culprit "
                f"could be {undecided}"
            )
            if decisive_step is not None:
                text += f"; decisive step {decisive_step}" + (
                    f" by {decisive_agent}" if decisive_agent else ""
                )
            return Verdict(None, decisive_step, decisive_agent, 0.0, True, None, text, True, failed)
    if agent_blame is not None and len(agent_blame["player"]):
        players = list(agent_blame["player"])
        blame = np.asarray(agent_blame["blame"], dtype=float)
        low = np.asarray(agent_blame["blame_low"], dtype=float)
        high = np.asarray(agent_blame["blame_high"], dtype=float)
        positive = np.nansum(np.clip(blame, 0, None))
        if blame[0] > 1e-12:
            culprit = str(players[0])
            confidence = float(blame[0] / positive) if positive > 0 else 0.0
            if len(players) > 1:
                runner_up = str(players[1]) if blame[1] > 1e-12 else None
                overlap = high[1] >= low[0] and blame[1] > 1e-12
                if overlap:
                    confidence *= 0.5
                ambiguous = bool(overlap or blame[1] >= _SHARED * blame[0])
    elif decisive_agent is not None:
        culprit = decisive_agent
        confidence = 0.5
    if culprit is None and (agent_blame is None or not len(agent_blame["player"])):
        # a bare LLM call, a LlamaIndex query: there was no agent to replace, so none could change it
        text = "the log names no agent: no agent to blame"
    elif culprit is None:
        text = "no agent carries blame: replacing agents does not change the outcome"
    elif ambiguous:
        text = (
            f"blame is shared: {culprit} and {runner_up} both explain the failure "
            f"({confidence:.0%} confidence in {culprit})"
        )
    else:
        text = f"{culprit} caused the failure ({confidence:.0%} of the blame)"
    if decisive_step is not None:
        text += f"; decisive step {decisive_step}" + (f" by {decisive_agent}" if decisive_agent else "")
    if failed:
        text += f" ({failed} replays failed; whatever their outcomes, the culprit is the same)"
    return Verdict(
        culprit,
        decisive_step,
        decisive_agent,
        round(confidence, 4),
        ambiguous,
        runner_up,
        text,
        False,
        failed,
    )


def _undecided(agent_blame: pd.DataFrame) -> str | None:
    """The candidates, as text, when the blame bounds do not single out one culprit (else None)."""
    high = agent_blame["blame_high"].astype(float)
    if float(high.max()) <= 1e-12:
        return None  # nobody can carry blame whatever the failed replays gave
    top = agent_blame.iloc[0]
    others = high.iloc[1:]
    if float(top["blame_low"]) > 1e-12 and (others.empty or float(top["blame_low"]) > float(others.max())):
        return None
    candidates = agent_blame.loc[high > 1e-12, "player"].astype(str).tolist()
    if float(agent_blame["blame_low"].max()) <= 1e-12:
        candidates.append("no agent")
    return " or ".join([", ".join(candidates[:-1]), candidates[-1]] if len(candidates) > 1 else candidates)
