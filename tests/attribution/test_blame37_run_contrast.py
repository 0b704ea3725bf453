"""BlameModel's ``run_contrast``: each move measured against the other moves of its own run (bench/protocol_blame37.md).

Hand-written runs as arrays (a few ms each): the within-run z of a feature, its |z| beside the raw value, and two
tiny fits on blame30's synthetic runs, where a feature's level differs from run to run (the per-move fit reads it
backwards) or where the culprit stands out upward in some runs and downward in others (no one sign fits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_blame30_listwise import FEATURES, _agent_accuracy, _runs

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._feature_labels import feature_label
from workbench.attribution._run_contrast import base_name, contrast_names, run_z, with_run_contrasts

# two runs of the same feature at different levels, one with a missing value, and a run whose moves all agree
FRAME = pd.DataFrame(
    {
        "run_id": ["a", "a", "a", "b", "b", "b", "b", "c", "c"],
        "f": [0.0, 1.0, 2.0, 10.0, 12.0, np.nan, 14.0, 5.0, 5.0],
        "g": [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 4.0, np.nan, np.nan],
    }
)


def test_run_z_is_taken_within_each_run() -> None:
    z = run_z(FRAME, ["f", "g"])
    s = np.sqrt(2 / 3)
    # run a: mean 1, std sqrt(2/3); run b: mean 12 over its three values, same spread doubled; the NaN stays NaN
    assert np.allclose(z["f"].iloc[:3], [-1 / s, 0, 1 / s])
    assert np.allclose(z["f"].iloc[[3, 4, 6]], [-1 / s, 0, 1 / s]) and np.isnan(z["f"].iat[5])
    # a run whose moves all agree gives 0 to each; a run with no value keeps NaN
    assert (z["f"].iloc[7:] == 0).all() and (z["g"].iloc[:3] == 0).all() and z["g"].iloc[7:].isna().all()
    assert z["g"].iat[6] == pytest.approx(np.sqrt(3))  # the one move of four that differs
    assert z.index.equals(FRAME.index)


def test_contrast_columns_replace_or_sit_beside_the_features() -> None:
    assert contrast_names(["f", "g"], None) == ["f", "g"]
    assert contrast_names(["f", "g"], "standardise") == ["f@run_z", "g@run_z"]
    assert contrast_names(["f", "g"], "deviation") == ["f", "g", "f@run_dev", "g@run_dev"]
    assert base_name("f@run_dev") == "f" and base_name("f") == "f"
    with pytest.raises(ValueError, match="run_contrast"):
        contrast_names(["f"], "percentile")
    assert with_run_contrasts(FRAME, ["f"], None) is FRAME
    dev = with_run_contrasts(FRAME, ["f", "g"], "deviation")
    assert list(dev.columns) == ["run_id", "f", "g", "f@run_dev", "g@run_dev"]  # the raw columns stay
    assert (dev["f@run_dev"].dropna() >= 0).all() and dev["f@run_dev"].iat[0] == pytest.approx(np.sqrt(1.5))
    # computed again on its own output: the same columns, not a second set
    assert with_run_contrasts(dev, ["f", "g"], "deviation").equals(dev)
    assert "vs its run" in feature_label("hedge_words@run_z") and feature_label(
        "hedge_words"
    ) in feature_label("hedge_words@run_dev")


def test_standardised_runs_teach_the_per_move_fit_what_stands_out() -> None:
    # blame30's runs: long runs hedge 6 on every move, short ones 0, the culprit 1 more than its run. The per-move
    # fit alone reads "hedges a lot" as "a move of a long run" (< 0.2 right: test_blame30_listwise); within-run z
    # leaves only the contrast, so the same per-move fit learns it.
    X, labels = _runs(40, 0, "t")
    test_X, test_labels = _runs(40, 1, "u")
    m = BlameModel(features=FEATURES, calibration_cv=None, run_contrast="standardise").fit_frame(X, labels)
    names = list(m.feature_names_in_)
    assert sorted(names) == ["hedge_words@run_z", "n_numbers@run_z"]
    assert _agent_accuracy(m, test_X, test_labels) > 0.9
    assert m.step_model_.coef[names.index("hedge_words@run_z")] > 0
    back = BlameModel.from_dict(m.to_dict())  # the parameter travels with the file; its columns are accepted
    assert back.run_contrast == "standardise"
    assert back.rank_frame(test_X)[1].equals(m.rank_frame(test_X)[1])


def test_deviation_finds_a_culprit_that_stands_out_either_way() -> None:
    # The culprit hedges 1 more than its run in even runs and 1 less in odd ones: no one sign of the raw feature
    # fits both, its |z| does.
    X, labels = _runs(40, 0, "t")
    test_X, test_labels = _runs(40, 1, "u")
    for frame, lab in ((X, labels), (test_X, test_labels)):
        culprit = frame["step_id"].isin(lab["step_id"]).to_numpy()
        odd = frame["run_id"].str[1:].astype(int).to_numpy() % 2 == 1
        frame.loc[culprit & odd, "hedge_words"] -= 2.0
    raw = BlameModel(features=FEATURES, calibration_cv=None, listwise_weight=0.25).fit_frame(X, labels)
    dev = BlameModel(
        features=FEATURES, calibration_cv=None, listwise_weight=0.25, run_contrast="deviation"
    ).fit_frame(X, labels)
    assert sorted(dev.feature_names_in_) == sorted([*FEATURES, "hedge_words@run_dev", "n_numbers@run_dev"])
    assert _agent_accuracy(raw, test_X, test_labels) < 0.7 < 0.9 < _agent_accuracy(dev, test_X, test_labels)


def test_run_contrast_is_checked_and_off_by_default() -> None:
    X, labels = _runs(6, 0, "t")
    with pytest.raises(wb.InvalidParameterError, match="run_contrast"):
        BlameModel(features=FEATURES, run_contrast="percentile").fit_frame(X, labels)
    assert BlameModel().run_contrast is None
