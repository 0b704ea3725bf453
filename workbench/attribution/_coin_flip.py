"""A verdict between several agents is uncertain when its agent barely leads the runner-up.

``agent_confidence < 0.5`` was the flag. On systems the shipped model never saw its confidence is a function of
the run's number of agents: the familiarity shrink pulls every candidate's calibrated confidence to one base rate
(Hand-Crafted: 0.504 for each of two agents, 0.471 for each of three; TRAIL GAIA's two-agent runs: ~0.506), so the
flag said "sure" of every two-agent verdict and "uncertain" of every three-agent one, and a margin read from those
confidences is 0 everywhere. The agents' scores (the model's agent scores, before calibration and shrink: with
``agent_aggregation="max"`` its best move's probability) still differ run by run: a top score within ``margin`` of the runner-up's is a coin flip between them, in
any system, and so is a run where no move looks like a culprit at all (every score near 0). Their shares of the
run's blame read the first but not the second: a clean AutoGen run whose best moves score 0.017 and 0.007 had a
0.69 / 0.30 "clear lead" (bench/protocol_blame46.md, looks D-D4: margin 0.1 on the scores, chosen on Who&When
Algorithm-Generated; held out, sure right 49 % vs uncertain 25 % on Hand-Crafted, 58 % vs 50 % on TRAIL GAIA's
two-agent runs, where the old flag called every verdict sure).
"""

from __future__ import annotations

import pandas as pd


def score_margins(agents: pd.DataFrame, column: str = "score") -> pd.Series:
    """Per run (index run_id): the top named agent's ``column`` minus the runner-up's (the top's own value when the
    run has one named agent)."""
    named = agents[agents["agent"].notna() & (agents["agent"] != "<none>")]
    if named.empty:
        return pd.Series(dtype="float64")
    s = named.sort_values(["run_id", column], ascending=[True, False]).groupby("run_id")[column]
    first, second = s.nth(0), s.nth(1)
    top = pd.Series(first.to_numpy(), index=named.loc[first.index, "run_id"].to_numpy())
    runner = pd.Series(second.to_numpy(), index=named.loc[second.index, "run_id"].to_numpy())
    return (top - runner.reindex(top.index).fillna(0.0)).astype("float64")


def coin_flips(verdict: pd.DataFrame, agents: pd.DataFrame, margin: float) -> pd.DataFrame:
    """``verdict`` (the table of ``BlameModel.predict`` before the familiarity check) with ``uncertain`` of each
    verdict that chose between agents (not ``only_agent``, an agent named) read from the score margin: below
    ``margin`` it is uncertain, else sure. A run with one candidate keeps its step rule; a verdict naming no
    agent stays uncertain."""
    out = verdict.copy()
    chose = ~out["only_agent"].astype(bool) & out["agent"].notna()
    gap = out["run_id"].map(score_margins(agents)).fillna(0.0)
    out.loc[chose, "uncertain"] = (gap[chose] < margin).to_numpy()
    return out
