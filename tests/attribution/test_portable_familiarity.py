"""Confidence on a system the model never saw: runs unlike the training runs say less (``shift_scale``).

On Who&When-format runs of two "systems" the test writes itself, and on plain arrays.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import two_systems_frame

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._familiarity import Familiarity
from workbench.exceptions import FormatError, InvalidParameterError


def test_distance_weight_and_shrink_on_arrays() -> None:
    rng = np.random.default_rng(0)
    M = rng.normal(size=(300, 4))
    M[rng.random(M.shape) < 0.1] = np.nan
    runs = np.repeat(np.arange(30), 10)
    fam = Familiarity.fit(M, runs, shrink_scale=0.1)
    w_train = fam.weight(M, runs)
    assert np.isclose(np.median(fam.distance(M, runs)), fam.reference)
    assert (
        w_train[fam.distance(M, runs) <= fam.reference] == 1.0
    ).all()  # typical runs keep their confidence
    far = M * 3 + 2
    w_far = fam.weight(far, runs)
    assert (w_far < 0.05).all() and (fam.distance(far, runs) > fam.distance(M, runs)).all()
    conf = np.array([0.9, 0.2, 0.5, 0.7])
    shrunk = Familiarity.shrink(conf, np.array([0.5, 0.5, 0.5, 1.0]))
    assert ((shrunk > 0.5) == (conf > 0.5))[[0, 1, 3]].all() and shrunk[2] == pytest.approx(0.5)
    assert abs(shrunk[0] - 0.5) < abs(conf[0] - 0.5) and shrunk[3] == pytest.approx(0.7)
    back = Familiarity.from_dict(json.loads(json.dumps(fam.to_dict())), 4)
    assert np.array_equal(back.weight(far, runs), w_far)
    with pytest.raises(FormatError, match="not 3 long"):
        Familiarity.from_dict(fam.to_dict(), 3)
    with pytest.raises(FormatError, match="non-positive"):
        Familiarity.from_dict({**fam.to_dict(), "shrink_scale": -0.1}, 4)
    with pytest.raises(FormatError, match="not a familiarity"):
        Familiarity.from_dict({"median": [0.0]}, 1)
    with pytest.raises(ValueError, match="takes 4 features"):
        fam.distance(M[:, :3], runs)


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory) -> tuple[wb.Workspace, pd.DataFrame, list[str], list[str]]:
    return two_systems_frame(tmp_path_factory.mktemp("familiar"), 24, 12)


def test_runs_of_an_unseen_system_get_a_confidence_nearer_one_half(two_systems, tmp_path) -> None:
    ws, X, alpha, beta = two_systems
    labels = ws.sql("SELECT run_id, agent, step_id FROM labels").df()
    train = labels[labels["run_id"].isin(alpha[:18])]
    kw = {"features": "portable", "detect": False, "calibration_cv": 3}
    plain = BlameModel(**kw).fit_frame(X[X["run_id"].isin(alpha[:18])], train)
    wary = BlameModel(shift_scale=0.1, **kw).fit_frame(X[X["run_id"].isin(alpha[:18])], train)
    # every model keeps its training runs' familiarity statistics; without shift_scale they shrink nothing
    assert plain.familiarity_.shrink_scale == 0.0 and wary.familiarity_.shrink_scale == 0.1
    p = plain.predict(ws, beta).set_index("run_id")
    q = wary.predict(ws, beta).set_index("run_id").loc[p.index]
    # The same verdicts, on the same side of 0.5 (so the same "uncertain" flags), each no further from 0.5.
    assert (p["agent"] == q["agent"]).all() and (p["step_id"] == q["step_id"]).all()
    assert (p["uncertain"] == q["uncertain"]).all()
    gap_p, gap_q = (p["agent_confidence"] - 0.5).abs(), (q["agent_confidence"] - 0.5).abs()
    assert (gap_q <= gap_p + 1e-12).all() and (gap_q < gap_p - 1e-3).any()
    # The other system is further from the training runs than held-out runs of the same one.
    M = X[list(wary.feature_names_in_)].to_numpy(dtype=np.float64)
    w = wary.familiarity_.weight(M, X["run_id"].to_numpy(dtype=object))
    assert w[beta].mean() < w[alpha[18:]].mean()
    # Saved and loaded, it shrinks the same way; a model fitted without it loads without it.
    back = BlameModel.load(wary.save(tmp_path / "m.json"))
    assert np.allclose(
        back.predict(ws, beta).set_index("run_id").loc[p.index, "agent_confidence"], q["agent_confidence"]
    )
    assert BlameModel.load(plain.save(tmp_path / "p.json")).familiarity_.shrink_scale == 0.0


def test_shift_scale_must_be_non_negative(two_systems) -> None:
    ws, *_ = two_systems
    with pytest.raises(InvalidParameterError, match="'shift_scale' must be a float >= 0"):
        BlameModel(shift_scale=-1.0, detect=False).fit(ws)
