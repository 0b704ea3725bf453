"""The blame42 harness (bench/attribution_blame42.py, issue 12): the calibration rows it captures are the ones the
shipped calibration is fitted on, and the confidence inputs it declares (bench/protocol_blame42.md) are computed as
written. Hand-written runs of three systems as arrays; no sample data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.attribution._calibration import PlattCalibration

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import attribution_blame42 as b42  # noqa: E402

FEATURES = ["hedge_words", "n_numbers"]


def _runs(system: str, n: int, seed: int, agents: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        culprit = int(rng.integers(agents))
        for p in range(agents):
            rows.append(
                {
                    "run_id": f"{system}{i}",
                    "step_id": f"{system}{i}-{p}",
                    "agent": f"agent{p}",
                    "kind": "llm",
                    "pos": p,
                    "system": system,
                    "hedge_words": rng.normal() + 1.0 * (p == culprit),
                    "n_numbers": rng.normal(),
                }
            )
        labels.append(
            {"run_id": f"{system}{i}", "agent": f"agent{culprit}", "step_id": f"{system}{i}-{culprit}"}
        )
    return pd.DataFrame(rows), pd.DataFrame(labels)


def test_captured_rows_are_the_shipped_calibrations_rows() -> None:
    parts = [_runs("a", 30, 0, 3), _runs("b", 30, 1, 4), _runs("c", 30, 2, 5)]
    X = pd.concat([p[0] for p in parts], ignore_index=True)
    labels = pd.concat([p[1] for p in parts], ignore_index=True)
    m = b42.Capture(features=FEATURES)
    m.culprit, m.inner = set(zip(labels.run_id, labels.agent, strict=True)), []
    m.fit_frame(X, labels)
    rows = pd.concat(m.inner, ignore_index=True)
    # every training system held out once, every agent of every run kept, each run's distance known
    assert sorted(rows["part"].unique()) == ["a", "b", "c"]
    assert len(rows) == 30 * (3 + 4 + 5) and rows["dist"].notna().all() and (rows["dist"] > 0).all()
    assert rows.groupby("run_id")["n_agents"].first().value_counts().to_dict() == {3: 30, 4: 30, 5: 30}
    # K0 refitted from the captured rows is the model's own calibration (the harness check of the protocol)
    top = b42.features(rows.assign(outer="x"))
    k0 = PlattCalibration.fit(top, random_state=0)
    assert k0.to_dict() == m.calibration_.to_dict()


def test_declared_inputs() -> None:
    rows = pd.DataFrame(
        {
            "outer": "x",
            "part": "p",
            "run_id": ["r1", "r1", "r1", "r2", "r3", "r3"],
            "agent": ["a", "b", "c", "a", "a", "b"],
            "rank": [1, 2, 3, 1, 2, 1],
            "mass": [0.6, 0.3, 0.1, 1.0, 0.5, 0.5],
            "n_agents": [3, 3, 3, 1, 2, 2],
            "dist": [2.0, 2.0, 2.0, 1.0, 0.5, 0.5],
            "y": [True, False, False, True, False, True],
        }
    )
    f = b42.features(rows).set_index("run_id")
    assert list(f.index) == ["r1", "r2", "r3"] and list(f["agent"]) == ["a", "a", "b"]
    assert f.loc["r1", "mass_margin"] == pytest.approx(0.3)
    p = np.array([0.6, 0.3, 0.1])
    assert f.loc["r1", "mass_entropy"] == pytest.approx(-(p * np.log(p)).sum() / np.log(3))
    assert f.loc["r3", "mass_entropy"] == pytest.approx(1.0) and f.loc["r3", "mass_margin"] == pytest.approx(
        0.0
    )
    assert f.loc["r2", "mass_entropy"] == 0.0 and f.loc["r2", "mass_margin"] == pytest.approx(1.0)
    assert bool(f.loc["r2", "sole"]) and not f.loc[["r1", "r3"], "sole"].any()
    assert f.loc["r1", "log_novelty"] == pytest.approx(np.log(2.0))
    assert f.loc["r1", "log_agents"] == pytest.approx(np.log(3))


def test_signed_platt_drops_a_wrong_sign_input_and_falls_back_to_a_constant() -> None:
    rng = np.random.default_rng(0)
    n = 400
    margin = rng.uniform(0, 1, n)
    novelty = rng.normal(size=n)
    # right more often at a higher margin, and (against the declared sign) at a higher novelty
    y = rng.uniform(size=n) < 1 / (1 + np.exp(-(3 * margin - 1.5 + 1.5 * novelty)))
    inner = pd.DataFrame(
        {
            "part": np.repeat(["s", "t"], n // 2),
            "run_id": np.arange(n),
            "mass_margin": margin,
            "log_novelty": novelty,
            "y": y,
        }
    )
    coef, _, const = b42.signed_platt(inner, ["mass_margin", "log_novelty"], balanced=False)
    assert not const and coef[0] > 0 and coef[1] == 0.0
    # inputs that carry nothing: the calibration is the rows' hit rate
    noise = inner.assign(mass_margin=rng.uniform(0, 1, n), y=rng.uniform(size=n) < 0.3)
    coef, b, const = b42.signed_platt(noise, ["mass_margin"], balanced=True)
    assert const and coef[0] == 0.0 and 1 / (1 + np.exp(-b)) == pytest.approx(noise["y"].mean(), abs=0.05)
