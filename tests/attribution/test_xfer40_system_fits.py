"""One per-move fit per training system, the coefficients combined: ``BlameModel(system_fits=...)`` (issue 12,
blame40).

A fit pooled over systems learns a direction the biggest (or loudest) training system carries as if it held
everywhere; ``system_fits="mean"`` averages it down by the other systems, ``"median"`` follows the majority. With one
training system each is the pooled fit. Hand-written runs as arrays, then Who&When-format runs the test writes,
through the public API.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import two_systems_frame
from sklearn.linear_model import LogisticRegression
from test_blame30_listwise import _agent_accuracy

import workbench as wb
from workbench.attribution._blame_model import BlameModel

FEATURES = ["hedge_words", "n_numbers"]  # "shared" direction, "quirk" direction


def _runs(system: str, n: int, seed: int, quirk: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of 6 moves: the culprit hedges more in every system; it states more numbers by ``quirk`` (its sign
    differs by system)."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        culprit = int(rng.integers(6))
        for p in range(6):
            rows.append(
                {
                    "run_id": f"{system}{i}",
                    "step_id": f"{system}{i}-{p}",
                    "agent": f"agent{p}",
                    "kind": "llm",
                    "pos": p,
                    "system": system,
                    "hedge_words": rng.normal() + 1.5 * (p == culprit),
                    "n_numbers": rng.normal() + quirk * (p == culprit),
                }
            )
        labels.append(
            {"run_id": f"{system}{i}", "agent": f"agent{culprit}", "step_id": f"{system}{i}-{culprit}"}
        )
    return pd.DataFrame(rows), pd.DataFrame(labels)


def _three_systems() -> tuple[pd.DataFrame, pd.DataFrame]:
    # a big system whose culprits state many numbers, two smaller ones whose culprits state fewer
    parts = [_runs("big", 150, 0, 2.5), _runs("b", 40, 1, -1.0), _runs("c", 40, 2, -1.0)]
    return pd.concat([p[0] for p in parts], ignore_index=True), pd.concat(
        [p[1] for p in parts], ignore_index=True
    )


KW = {"features": FEATURES, "calibration_cv": None}


def test_a_direction_one_system_carries_is_averaged_down_or_outvoted() -> None:
    X, labels = _three_systems()
    pooled = BlameModel(**KW).fit_frame(X, labels)
    mean = BlameModel(system_fits="mean", **KW).fit_frame(X, labels)
    median = BlameModel(system_fits="median", **KW).fit_frame(X, labels)
    hedge, numbers = (list(pooled.feature_names_in_).index(f) for f in FEATURES)
    # the pooled fit follows the big system; the median follows the two others; the mean lies between
    assert (
        pooled.step_model_.coef[numbers]
        > mean.step_model_.coef[numbers]
        > 0
        > median.step_model_.coef[numbers]
    )
    # the direction every system shares stays
    assert min(m.step_model_.coef[hedge] for m in (pooled, mean, median)) > 0.3
    # the imputation, standardisation and intercept are the pooled fit's
    for m in (mean, median):
        assert np.array_equal(m.step_model_.mean, pooled.step_model_.mean)
        assert m.step_model_.intercept == pooled.step_model_.intercept
    # a system never seen, like the smaller ones: the majority's direction names more of its culprits
    unseen = _runs("new", 150, 3, -1.5)
    assert (
        _agent_accuracy(median, *unseen) > _agent_accuracy(mean, *unseen) > _agent_accuracy(pooled, *unseen)
    )


def test_with_one_training_system_it_is_the_pooled_fit() -> None:
    X, labels = _runs("only", 60, 4, 1.0)
    pooled = BlameModel(**KW).fit_frame(X, labels)
    test = _runs("only", 30, 5, 1.0)[0]
    for how in ("mean", "median"):
        m = BlameModel(system_fits=how, **KW).fit_frame(X, labels)
        assert np.array_equal(m.step_model_.coef, pooled.step_model_.coef)
        assert m.rank_frame(test)[1].equals(pooled.rank_frame(test)[1])
    # a system with no culprit move among those fitted on teaches nothing: one system left, the pooled fit
    extra = _runs("nolabel", 10, 6, 1.0)[0]
    m = BlameModel(system_fits="mean", **KW).fit_frame(pd.concat([X, extra], ignore_index=True), labels)
    assert np.array_equal(
        m.step_model_.coef,
        BlameModel(**KW).fit_frame(pd.concat([X, extra], ignore_index=True), labels).step_model_.coef,
    )


def test_system_fits_is_checked_and_travels_with_the_file() -> None:
    X, labels = _three_systems()
    with pytest.raises(wb.InvalidParameterError, match=r"system_fits.*'max'"):
        BlameModel(system_fits="max", **KW).fit_frame(X, labels)
    with pytest.raises(wb.InvalidParameterError, match=r"system_fits.*linear"):
        BlameModel(system_fits="mean", estimator="trees", **KW).fit_frame(X, labels)
    m = BlameModel(system_fits="median", listwise_weight=0.25, **KW).fit_frame(X, labels)
    back = BlameModel.from_dict(m.to_dict())
    assert back.system_fits == "median"
    assert back.rank_frame(X)[1].equals(m.rank_frame(X)[1])


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory) -> tuple[wb.Workspace, pd.DataFrame, list[str], list[str]]:
    return two_systems_frame(tmp_path_factory.mktemp("system_fits"), 24, 12)


def test_a_model_fitted_on_two_logged_systems_combines_their_fits(two_systems, tmp_path) -> None:
    ws, X, alpha, beta = two_systems
    kw = {"features": "portable", "detect": False, "calibration_cv": None}
    # the Who&When adapter names each subset folder's runs a system
    assert set(X["system"]) == {"whowhen/Algorithm-Generated", "whowhen/Hand-Crafted"}
    model = wb.BlameModel(system_fits="mean", **kw).fit(ws)
    labels = ws.sql("SELECT run_id, agent, step_id FROM labels").df()
    pooled = wb.BlameModel(**kw).fit_frame(X, labels)
    # its coefficients: the mean of one logistic fit per system on the pooled fit's standardisation (no run_weight:
    # every move weighs 1, each system's fit as much in total as the pooled one)
    names = list(model.feature_names_in_)
    assert names == list(pooled.feature_names_in_)
    y = BlameModel._targets(X, labels)
    Z = pooled.step_model_._z(X[names].to_numpy(dtype=np.float64))
    own = [
        LogisticRegression(C=0.1, max_iter=5000)
        .fit(Z[k], y[k], sample_weight=np.full(k.sum(), len(X) / k.sum()))
        .coef_[0]
        for k in ((X["system"] == s).to_numpy() for s in sorted(set(X["system"])))
    ]
    assert np.allclose(model.step_model_.coef, np.mean(own, axis=0))
    assert not np.allclose(model.step_model_.coef, pooled.step_model_.coef)
    verdicts = model.predict(ws, beta)
    truth = labels.set_index("run_id")["agent"]
    assert (verdicts["agent"].to_numpy() == truth.loc[verdicts["run_id"]].to_numpy()).mean() > 0.8
    model.save(tmp_path / "m.json")
    back = wb.BlameModel.load(tmp_path / "m.json")
    assert back.system_fits == "mean"
    assert back.rank_frame(X)[1].equals(model.rank_frame(X)[1])
