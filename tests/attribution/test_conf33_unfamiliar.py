"""A log-only verdict on a run unlike the model's training runs says so (issue 12, conf33).

The familiarity shrink keeps a confidence on its side of 0.5, so on systems the shipped model never saw (ADK,
Strands, Haystack traces) it said 0.50-0.51 and "not uncertain". Each verdict now carries its run's familiarity
(the share of the model's training runs at least as far out) and says "uncertain" below ``unfamiliar_below``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import two_systems_frame

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._evidence import combine
from workbench.attribution._familiarity import Familiarity
from workbench.exceptions import FormatError, InvalidParameterError


def test_familiarity_is_the_share_of_training_runs_as_far_out() -> None:
    rng = np.random.default_rng(1)
    M = rng.normal(size=(400, 5))
    runs = np.repeat(np.arange(40), 10)
    fam = Familiarity.fit(M, runs, shrink_scale=0.0)
    own = fam.familiarity(M, runs)
    # the training runs themselves spread over [0, 1] (a rank): the furthest near 0, the nearest 1
    assert own.between(0.0, 1.0).all() and own.max() == 1.0 and own.min() <= 0.03
    assert abs(own.mean() - 0.5) < 0.05 and abs((own < 0.25).mean() - 0.25) < 0.05
    far = fam.familiarity(M * 3 + 2, runs)
    assert (far == 0.0).all()  # further out than every training run
    centre = fam.familiarity(np.tile(fam.mean, (10, 1)), np.zeros(10))
    assert centre.tolist() == [1.0]
    # no shrink at shift_scale 0: the weight is 1 whatever the distance
    assert (fam.weight(M * 3 + 2, runs) == 1.0).all()
    # saved and read back, it ranks the same; a file from before the quantiles: not known (NaN)
    back = Familiarity.from_dict(json.loads(json.dumps(fam.to_dict())), 5)
    assert np.array_equal(back.familiarity(M, runs), own)
    old = {k: v for k, v in fam.to_dict().items() if k != "quantiles"}
    assert Familiarity.from_dict(old, 5).familiarity(M, runs).isna().all()
    with pytest.raises(FormatError, match="quantiles are not an ascending"):
        Familiarity.from_dict({**fam.to_dict(), "quantiles": [0.3, 0.2, 0.4]}, 5)


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory) -> tuple[wb.Workspace, pd.DataFrame, list[str], list[str]]:
    return two_systems_frame(tmp_path_factory.mktemp("unfamiliar"), 30, 12)


def test_a_verdict_on_another_system_says_unfamiliar_and_uncertain(two_systems, tmp_path) -> None:
    ws, X, alpha, beta = two_systems
    labels = ws.sql("SELECT run_id, agent, step_id FROM labels").df()
    train = alpha[:20]
    kw = {"features": "portable", "detect": False, "calibration_cv": None}
    model = BlameModel(unfamiliar_below=0.05, **kw).fit_frame(
        X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
    )
    off = BlameModel(unfamiliar_below=0.0, **kw).fit_frame(
        X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
    )
    other = model.predict(ws, beta).set_index("run_id")
    same = model.predict(ws, alpha[20:]).set_index("run_id")
    plain = off.predict(ws, beta).set_index("run_id").loc[other.index]
    assert {"familiarity", "unfamiliar"} <= set(other.columns)
    # most of the other system is further out than nearly every training run; held-out runs of the same one are not
    far = other["familiarity"] < 0.05
    assert far.mean() >= 0.75 and (other["unfamiliar"] == far).all() and other.loc[far, "uncertain"].all()
    assert same["familiarity"].median() > 0.2 and not same["unfamiliar"].all()
    # the same verdicts and confidences: only the flag changed, on verdicts the confidence called sure too
    assert (plain["agent"] == other["agent"]).all()
    assert np.allclose(plain["agent_confidence"], other["agent_confidence"])
    assert (~plain.loc[far, "uncertain"]).any() and not plain["unfamiliar"].any()
    for p in (other, same):
        assert (p["uncertain"] == (p["agent_confidence"] < 0.5) | p["unfamiliar"]).all()
    # saved and loaded, the familiarity and the flag are the same
    back = (
        BlameModel.load(model.save(tmp_path / "m.json"))
        .predict(ws, beta)
        .set_index("run_id")
        .loc[other.index]
    )
    assert (
        np.array_equal(back["familiarity"], other["familiarity"])
        and (back["uncertain"] == other["uncertain"]).all()
    )


def test_evidence_that_backs_the_verdict_keeps_its_word_on_an_unfamiliar_run() -> None:
    verdict = pd.DataFrame(
        {
            "run_id": ["a", "b"],
            "agent": ["x", "x"],
            "step_id": ["s1", "s1"],
            "score": [0.6, 0.6],
            "agent_confidence": [0.55, 0.55],
            "uncertain": [True, True],
            "only_agent": [False, False],
            "step_confidence": [0.5, 0.5],
            "familiarity": [0.0, 0.0],
            "unfamiliar": [True, True],
        }
    )
    agents = pd.DataFrame(
        {"run_id": ["a", "a", "b", "b"], "agent": ["x", "y", "x", "y"], "confidence": [0.55, 0.45, 0.55, 0.1]}
    )
    evidence = pd.DataFrame(
        {
            "run_id": ["a", "b"],
            "evidence": ["error", "error"],
            "agent": ["x", "y"],
            "step_id": ["s1", "s2"],
            "seq": [1, 2],
            "why": ["x raised", "y raised"],
        }
    )
    out = combine(verdict, agents, evidence).set_index("run_id")
    assert out.loc["a", "agent"] == "x" and not out.loc["a", "uncertain"]  # the run's own error names x
    assert out.loc["b", "agent"] == "x" and out.loc["b", "uncertain"]  # the model's pick, unbacked


def test_unfamiliar_below_must_be_a_share(two_systems) -> None:
    ws, *_ = two_systems
    with pytest.raises(InvalidParameterError, match="'unfamiliar_below' must be a float in"):
        BlameModel(unfamiliar_below=1.5, detect=False).fit(ws)
