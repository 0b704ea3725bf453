"""Feature-group dropout in the per-move fit: ``BlameModel(group_dropout=...)`` (issue 12, blame41).

A scorer fitted where two feature groups both point at the culprit shares the credit between them as the training
system's data happen to; on a system whose logs leave one group silent, the share that group carried is lost.
Copies of the training moves with one group silenced each teach the scorer to rank with either group alone.
Hand-written runs as arrays, then Who&When-format runs the test writes, through the public API.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import agent_hits, reloaded, two_systems_frame
from sklearn.linear_model import LogisticRegression
from test_blame30_listwise import _agent_accuracy

import workbench as wb
from workbench.attribution._blame_model import BlameModel

# two text features and a structure one: two groups
FEATURES = ["hedge_words", "n_numbers", "agent_share"]
KW = {"features": FEATURES, "calibration_cv": None}


def _runs(system: str, n: int, seed: int, structure: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of 6 moves. The culprit hedges more, and stands out on ``agent_share`` (structure) more clearly, but
    ``agent_share`` carries a move-level disturbance that ``n_numbers`` (text) measures too: beside it, ``n_numbers``
    helps by cancelling the disturbance; alone it says nothing of the culprit. Without ``structure``
    ``agent_share`` is the same for every move (a log that does not give it)."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        culprit = int(rng.integers(6))
        for p in range(6):
            disturbance = 1.5 * rng.normal()
            rows.append(
                {
                    "run_id": f"{system}{i}",
                    "step_id": f"{system}{i}-{p}",
                    "agent": f"agent{p}",
                    "kind": "llm",
                    "pos": p,
                    "system": system,
                    "hedge_words": rng.normal() + 1.0 * (p == culprit),
                    "n_numbers": disturbance + 0.3 * rng.normal(),
                    "agent_share": (2.0 * (p == culprit) + disturbance) if structure else 0.0,
                }
            )
        labels.append(
            {"run_id": f"{system}{i}", "agent": f"agent{culprit}", "step_id": f"{system}{i}-{culprit}"}
        )
    return pd.DataFrame(rows), pd.DataFrame(labels)


def test_silencing_a_group_keeps_the_other_groups_direction_for_a_system_that_lacks_it() -> None:
    X, labels = _runs("seen", 150, 0)
    plain = BlameModel(**KW).fit_frame(X, labels)
    dropped = BlameModel(group_dropout=1.0, **KW).fit_frame(X, labels)
    numbers, hedge = (list(plain.feature_names_in_).index(f) for f in ("n_numbers", "hedge_words"))
    # the plain fit leans on n_numbers to cancel agent_share's disturbance; fitted with the structure group silenced
    # in some rows, it leans less on it and more on the text feature that marks the culprit by itself
    assert plain.step_model_.coef[numbers] < 2 * dropped.step_model_.coef[numbers] < 0
    assert dropped.step_model_.coef[hedge] > plain.step_model_.coef[hedge] > 0
    # the imputation and standardisation are the plain fit's
    assert np.array_equal(dropped.step_model_.mean, plain.step_model_.mean)
    assert np.array_equal(dropped.step_model_.scale, plain.step_model_.scale)
    # where every group speaks both name most culprits (the plain fit more: dropout costs there); on a system whose
    # logs lack the structure feature the model fitted with dropout names more
    seen = _runs("seen", 80, 1)
    assert _agent_accuracy(plain, *seen) >= _agent_accuracy(dropped, *seen) > 0.8
    silent = _runs("silent", 200, 2, structure=False)
    assert _agent_accuracy(dropped, *silent) > _agent_accuracy(plain, *silent) + 0.05


def test_the_coefficients_are_one_logistic_fit_over_the_moves_and_their_silenced_copies() -> None:
    X, labels = _runs("seen", 40, 3)
    plain = BlameModel(**KW).fit_frame(X, labels)
    rho = 0.5
    m = BlameModel(group_dropout=rho, **KW).fit_frame(X, labels)
    names = list(m.feature_names_in_)
    y = BlameModel._targets(X, labels)
    Z = plain.step_model_._z(X[names].to_numpy(dtype=np.float64))
    copies = [Z]
    for cols in (["agent_share"], ["hedge_words", "n_numbers"]):  # the groups, sorted: structure, text
        silent = Z.copy()
        silent[:, [names.index(c) for c in cols]] = 0.0
        copies.append(silent)
    w = np.r_[np.ones(len(Z)), np.full(2 * len(Z), rho / 2)]
    w = w / w.mean() / 3
    lr = LogisticRegression(C=0.1, max_iter=5000).fit(np.vstack(copies), np.tile(y, 3), sample_weight=w)
    assert np.allclose(m.step_model_.coef, lr.coef_[0])
    assert np.isclose(m.step_model_.intercept, lr.intercept_[0])
    # 0 is the plain fit; one group only: nothing to drop, the plain fit
    assert np.array_equal(
        BlameModel(group_dropout=0.0, **KW).fit_frame(X, labels).step_model_.coef, plain.step_model_.coef
    )
    one = {"features": ["hedge_words", "n_numbers"], "calibration_cv": None}  # both text
    assert np.array_equal(
        BlameModel(group_dropout=1.0, **one).fit_frame(X, labels).step_model_.coef,
        BlameModel(**one).fit_frame(X, labels).step_model_.coef,
    )


def test_group_dropout_is_checked_and_travels_with_the_file() -> None:
    X, labels = _runs("seen", 30, 4)
    with pytest.raises(wb.InvalidParameterError, match=r"group_dropout.*>= 0"):
        BlameModel(group_dropout=-1.0, **KW).fit_frame(X, labels)
    with pytest.raises(wb.InvalidParameterError, match=r"group_dropout.*linear"):
        BlameModel(group_dropout=1.0, estimator="trees", **KW).fit_frame(X, labels)
    m = BlameModel(group_dropout=1.0, listwise_weight=0.25, **KW).fit_frame(X, labels)
    back = BlameModel.from_dict(m.to_dict())
    assert back.group_dropout == 1.0
    assert back.rank_frame(X)[1].equals(m.rank_frame(X)[1])


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory) -> tuple[wb.Workspace, pd.DataFrame, list[str], list[str]]:
    return two_systems_frame(tmp_path_factory.mktemp("group_dropout"), 24, 12)


def test_a_model_fitted_on_logged_runs_drops_each_group_in_turn(two_systems, tmp_path) -> None:
    ws, X, alpha, beta = two_systems
    kw = {"features": "portable", "detect": False, "calibration_cv": None}
    model = wb.BlameModel(group_dropout=1.0, **kw).fit(ws, alpha)
    labels = ws.sql("SELECT run_id, agent, step_id FROM labels").df()
    plain = wb.BlameModel(**kw).fit_frame(X[X["run_id"].isin(alpha)], labels[labels["run_id"].isin(alpha)])
    names = list(model.feature_names_in_)
    assert names == list(plain.feature_names_in_)
    groups = BlameModel._groups_of(names)
    # the portable features of these logs span several groups; each copy silences one
    assert len(set(groups)) >= 3
    assert not np.allclose(model.step_model_.coef, plain.step_model_.coef)
    assert agent_hits(model, ws, beta) > 0.8
    assert reloaded(model, X, tmp_path / "m.json").group_dropout == 1.0
