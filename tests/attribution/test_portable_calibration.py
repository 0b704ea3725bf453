"""The agent confidence's calibration: its inputs, its fallback to a constant, its file form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.attribution._calibration import PlattCalibration, agent_evidence, brier, calibration_rows
from workbench.attribution._heuristics import rank_agents
from workbench.exceptions import FormatError


def _steps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r1"] * 4 + ["r2"] * 3,
            "agent": ["b", "a", "a", None, "x", "y", "x"],
            "step_id": [f"s{i}" for i in range(7)],
            "pos": [0, 1, 2, 3, 0, 1, 2],
            "logit": [0.0, np.log(2.0), 0.0, 0.0, 1.0, 1.0, 1.0],
        }
    ).assign(score=lambda d: 1 / (1 + np.exp(-d["logit"])))


def test_agent_evidence_is_the_softmax_mass_of_each_agents_moves() -> None:
    steps = _steps()
    agents = agent_evidence(steps, rank_agents(steps))
    mass = agents.set_index(["run_id", "agent"])["mass"]
    # r1: weights 1, 2, 1, 1 over 5 -> a holds 3/5, b 1/5; the agent-less move keeps its 1/5 of the
    # mass but is no candidate culprit beside named agents
    assert mass[("r1", "a")] == pytest.approx(0.6) and mass[("r1", "b")] == pytest.approx(0.2)
    assert ("r1", "<none>") not in mass.index
    assert mass[("r2", "x")] == pytest.approx(2 / 3)
    assert agents.groupby("run_id")["mass"].sum().to_numpy() == pytest.approx([0.8, 1.0])
    # a run whose moves have no agent at all still gets a verdict row
    alone = _steps().assign(agent=None)
    assert set(rank_agents(alone)["agent"]) == {"<none>"}


def _rows(n: int, informative: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mass = rng.uniform(0.05, 0.95, n)
    agents = rng.integers(2, 6, n).astype(float)
    p = mass if informative else np.full(n, 0.6)
    return pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(n)],
            "agent": "a",
            "log_mass": np.log(mass / (1 - mass)),
            "log_agents": np.log(agents),
            "y": rng.random(n) < p,
        }
    )


def test_informative_inputs_are_kept_and_beat_a_constant_on_new_rows() -> None:
    cal = PlattCalibration.fit(_rows(300, informative=True))
    assert not cal.constant and cal.coef[cal.names.index("log_mass")] > 0.5
    test = _rows(2000, informative=True, seed=1)
    agents = test.assign(share=0.5, mass=1 / (1 + np.exp(-test["log_mass"])))
    p = cal.predict(agents)
    y = test["y"].to_numpy()
    assert brier(p, y) < brier(np.full(len(y), y.mean()), y) - 0.02


def test_inputs_that_separate_nothing_fall_back_to_the_hit_rate() -> None:
    # Noise beats a constant in a 5-fold check by chance now and then (2 of 20 seeds); rarely.
    fits = [(PlattCalibration.fit(r), r) for r in (_rows(300, informative=False, seed=s) for s in range(10))]
    assert sum(c.constant for c, _ in fits) >= 8
    cal, rows = next((c, r) for c, r in fits if c.constant)
    assert (cal.coef == 0).all()
    agents = rows.assign(share=0.5, mass=0.5)
    assert cal.predict(agents) == pytest.approx(np.full(len(rows), rows["y"].mean()))
    again = PlattCalibration.from_dict(cal.to_dict())
    assert again.constant and again.predict(agents) == pytest.approx(cal.predict(agents))


def test_calibration_rows_take_the_top_agent_of_each_run_with_its_inputs() -> None:
    steps = _steps()
    agents = agent_evidence(steps, rank_agents(steps))
    labels = pd.DataFrame({"run_id": ["r1", "r2"], "agent": ["a", "y"], "step_id": ["s1", "s5"]})
    rows = calibration_rows(agents, labels)
    assert rows[["run_id", "agent", "y"]].values.tolist() == [["r1", "a", True], ["r2", "x", False]]
    assert rows["log_mass"].iat[0] == pytest.approx(np.log(0.6 / 0.4))


def test_older_calibration_files_load_and_unknown_inputs_are_refused() -> None:
    old = PlattCalibration.from_dict({"inputs": ["share", "margin"], "coef": [1.0, 2.0], "intercept": 0.0})
    assert old.names == ("share", "margin") and not old.constant
    with pytest.raises(FormatError, match="calibration inputs"):
        PlattCalibration.from_dict({"inputs": ["agent_name"], "coef": [1.0], "intercept": 0.0})
