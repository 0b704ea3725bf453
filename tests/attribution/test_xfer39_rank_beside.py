"""A within-run rank beside the raw level, on chosen features: ``run_contrast="rank_beside"``, ``contrast_features``
(issue 12, blame39).

blame37-38's contrasts replaced every raw feature and lost the raw levels that carry from Alg-Gen to Hand-Crafted;
``"rank_beside"`` keeps them and adds the centred within-run rank beside the features named in ``contrast_features``
(any contrast may be limited to some features; the others stay raw). Hand-written runs as arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_blame30_listwise import FEATURES, _agent_accuracy
from test_blame30_listwise import _runs as _runs30

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._run_contrast import contrast_names, run_rank, with_run_contrasts


def test_the_columns_of_a_contrast_limited_to_some_features() -> None:
    names = ["f", "g", "h"]
    assert contrast_names(names, "rank_beside") == ["f", "g", "h", "f@run_rank", "g@run_rank", "h@run_rank"]
    assert contrast_names(names, "rank_beside", only=["g"]) == ["f", "g", "h", "g@run_rank"]
    # a contrast that replaces its features replaces only the chosen ones
    assert contrast_names(names, "rank", only=["g"]) == ["f", "h", "g@run_rank"]
    assert contrast_names(names, "standardise", only=["f", "h"]) == ["g", "f@run_z", "h@run_z"]
    X = pd.DataFrame({"run_id": ["a", "a", "a", "b", "b"], "f": [1.0, 5.0, 3.0, 2.0, 2.0], "g": [0.0] * 5})
    out = with_run_contrasts(X, ["f"], "rank_beside")
    assert list(out.columns) == ["run_id", "f", "g", "f@run_rank"]
    assert np.allclose(out["f@run_rank"], run_rank(X, ["f"])["f"]) and out["f"].equals(X["f"])


def _two_level_runs(n: int, seed: int, tag: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of 6 moves whose level of ``hedge_words`` differs by run (heavy-tailed, its spread with its level); the
    culprit is always the run's highest hedger. ``n_numbers`` flags another move of every run (a decoy) and the
    culprit too in half of them, so it points to the culprit but must never outweigh the hedging gap: on raw values
    that gap is anything from tiny to huge, on the rank it is at least one rank unit."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        k, level = 6, float(rng.lognormal(1.0, 2.5))
        hedges = rng.normal(level, level / 2 + 0.01, k)
        culprit = int(np.argmax(hedges))
        decoy = int(rng.choice([p for p in range(k) if p != culprit]))
        for p in range(k):
            rows.append(
                {
                    "run_id": f"{tag}{i}",
                    "step_id": f"{tag}{i}-{p}",
                    "agent": f"agent{p}",
                    "kind": "llm",
                    "pos": p,
                    "system": "s",
                    "hedge_words": hedges[p],
                    "n_numbers": float(p == decoy or (p == culprit and i % 2 == 0)),
                }
            )
        labels.append({"run_id": f"{tag}{i}", "agent": f"agent{culprit}", "step_id": f"{tag}{i}-{culprit}"})
    return pd.DataFrame(rows), pd.DataFrame(labels)


def test_a_model_keeps_the_raw_features_and_ranks_the_chosen_ones_beside() -> None:
    X, labels = _two_level_runs(80, 0, "t")
    kw = {"features": FEATURES, "calibration_cv": None}
    m = BlameModel(run_contrast="rank_beside", contrast_features=["hedge_words"], **kw).fit_frame(X, labels)
    names = list(m.feature_names_in_)
    assert sorted(names) == ["hedge_words", "hedge_words@run_rank", "n_numbers"]
    # the rank is learned: the culprit is the highest of its run
    assert m.step_model_.coef[names.index("hedge_words@run_rank")] > 0
    # the raw gap is too small in low runs for one weight to serve every run; the rank's is not
    raw = BlameModel(**kw).fit_frame(X, labels)
    test = _two_level_runs(60, 1, "u")
    assert _agent_accuracy(m, *test) > 0.9 > 0.7 > _agent_accuracy(raw, *test)
    back = BlameModel.from_dict(m.to_dict())  # the parameters travel with the file
    assert (back.run_contrast, back.contrast_features) == ("rank_beside", ["hedge_words"])
    assert back.rank_frame(test[0])[1].equals(m.rank_frame(test[0])[1])
    # None: every feature gets its rank beside it
    every = BlameModel(run_contrast="rank_beside", **kw).fit_frame(*_runs30(20, 0, "t"))
    assert len(every.feature_names_in_) == 4


def test_contrast_features_must_be_features_of_the_model() -> None:
    X, labels = _runs30(10, 0, "t")
    with pytest.raises(wb.InvalidParameterError, match=r"contrast_features.*\['latency'\]"):
        BlameModel(
            features=FEATURES,
            run_contrast="rank_beside",
            contrast_features=["hedge_words", "latency"],
            calibration_cv=None,
        ).fit_frame(X, labels)
    with pytest.raises(wb.InvalidParameterError, match="contrast_features"):
        BlameModel(
            features=FEATURES, run_contrast="rank_beside", contrast_features=[], calibration_cv=None
        ).fit_frame(X, labels)
