"""Moves and agents whose log-odds are so high that their score is exactly 1.0 still rank by the log-odds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.attribution._heuristics import rank_agents, rank_steps


def _steps() -> pd.DataFrame:
    # sigmoid(40) == sigmoid(60) == 1.0 in float64; the later move / agent is the stronger one
    logit = np.array([40.0, 60.0, -3.0])
    return pd.DataFrame(
        {
            "run_id": "r",
            "step_id": ["s0", "s1", "s2"],
            "agent": ["early", "late", "other"],
            "kind": "llm",
            "pos": [0, 1, 2],
            "logit": logit,
            "score": 1.0 / (1.0 + np.exp(-logit)),
        }
    )


def test_saturated_scores_rank_by_their_log_odds() -> None:
    steps = _steps()
    assert steps["score"].iloc[0] == steps["score"].iloc[1] == 1.0
    ranked = rank_steps(steps)
    assert ranked.set_index("step_id")["rank"].to_dict() == {"s1": 1, "s0": 2, "s2": 3}
    agents = rank_agents(ranked, talkers_only=True)
    assert agents.sort_values("rank")["agent"].tolist() == ["late", "early", "other"]


def test_without_log_odds_ties_still_go_to_the_first_to_act() -> None:
    steps = _steps().drop(columns="logit")
    assert rank_steps(steps).set_index("step_id")["rank"].to_dict() == {"s0": 1, "s1": 2, "s2": 3}
    assert rank_agents(steps).sort_values("rank")["agent"].tolist() == ["early", "late", "other"]
