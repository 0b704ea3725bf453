"""Invariant features: a feature is kept only when the systems' own fits give it the same direction.

On Who&When-format runs of two systems the test writes itself; the kept features feed the public BlameModel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import write_runs

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._heuristics import culprit_labels
from workbench.attribution._portable_select import invariant_features, invariant_features_frame
from workbench.exceptions import InvalidParameterError, WorkbenchError


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory) -> tuple[wb.Workspace, pd.DataFrame, pd.DataFrame]:
    folder: Path = tmp_path_factory.mktemp("ww_select")
    write_runs(folder, "alpha", 24, seed=11)
    write_runs(folder, "beta", 16, seed=12)
    ws = wb.open()
    ws.ingest(str(folder / "*" / "*.json"), progress=False)
    labels = culprit_labels(ws)
    return ws, BlameModel(features="portable", detect=False).frame(ws), labels


def _culprit_moves(X: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray:
    steps = set(zip(labels["run_id"], labels["step_id"], strict=True))
    return np.array([(r, s) in steps for r, s in zip(X["run_id"], X["step_id"], strict=True)])


def test_a_feature_that_flips_between_systems_is_dropped_and_a_shared_one_kept(two_systems) -> None:
    _, X, labels = two_systems
    y = _culprit_moves(X, labels)
    beta = (X["system"] == "whowhen/Hand-Crafted").to_numpy()
    X = X.copy()
    # Both systems: the culprit move states the answer's value first. Only in alpha is it the
    # first move with numbers; in beta that mark falls on the move just before the culprit.
    X["final_origin"] = y.astype(float)
    before = np.r_[y[1:], False] & (X["run_id"].to_numpy() == np.r_[X["run_id"].to_numpy()[1:], None])
    X["first_numbers"] = np.where(beta, before, y).astype(float)
    keep = invariant_features_frame(X, labels)
    assert "final_origin" in keep and "first_numbers" not in keep
    assert set(keep) <= set(BlameModel(features="portable")._feature_list())
    # tol is the margin: a huge one vetoes nothing.
    assert "first_numbers" in invariant_features_frame(X, labels, tol=1e6)


def test_invariant_features_feed_a_blame_model_and_its_file_form(two_systems) -> None:
    ws, X, labels = two_systems
    keep = invariant_features(ws, detect=False)
    assert keep == invariant_features_frame(X, labels)
    assert 0 < len(keep) <= len(BlameModel(features="portable")._feature_list())
    alpha = X[X["system"] == "whowhen/Algorithm-Generated"]
    model = wb.BlameModel(features=keep, detect=False).fit_frame(
        alpha, labels[labels["run_id"].isin(alpha["run_id"])]
    )
    assert set(model.feature_names_in_) <= set(keep)
    _, agents = model.rank_frame(X)
    assert agents["run_id"].nunique() == 40 and agents["confidence"].between(0, 1).all()
    back = wb.BlameModel.from_dict(model.to_dict())  # a list of features survives the file form
    assert list(back.feature_names_in_) == list(model.feature_names_in_)


def test_one_system_or_a_bad_tolerance_is_refused(two_systems) -> None:
    ws, X, labels = two_systems
    alpha = X[X["system"] == "whowhen/Algorithm-Generated"]
    with pytest.raises(WorkbenchError, match="span 1 system"):
        invariant_features_frame(alpha, labels)
    with pytest.raises(InvalidParameterError, match="tol must be"):
        invariant_features_frame(X, labels, tol=-1.0)
    with pytest.raises(InvalidParameterError, match="no 'system' column"):
        invariant_features_frame(X.drop(columns="system"), labels)
    with pytest.raises(WorkbenchError, match="no failed run with a culprit label"):
        invariant_features(wb.open())
