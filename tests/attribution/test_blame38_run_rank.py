"""BlameModel's length-free within-run contrasts, ``run_contrast="rank"`` and ``"scaled"`` (bench/protocol_blame38.md).

blame37's within-run z reaches further the longer the run (a move alone in its run on a 0/1 feature is at
``sqrt(n - 1)``), so a scorer fitted on short runs over-reads that feature on long ones. Hand-written runs as arrays
(a few ms each): the contrasts' values, their bounds at any length, a run and the same run with every move repeated,
and a fitted model's verdicts on both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_blame30_listwise import FEATURES, _agent_accuracy
from test_blame30_listwise import _runs as _runs30

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._feature_labels import feature_label
from workbench.attribution._run_contrast import (
    base_name,
    contrast_names,
    run_rank,
    run_scaled_z,
    run_z,
    with_run_contrasts,
)

FRAME = pd.DataFrame(
    {"run_id": ["a", "a", "a", "a", "b", "b", "b", "c"], "f": [0.0, 1.0, 1.0, 3.0, np.nan, 2.0, 2.0, 7.0]}
)


def test_rank_is_the_centred_within_run_percentile_with_ties_averaged() -> None:
    r = run_rank(FRAME, ["f"])["f"]
    # run a: ranks 1, 2.5, 2.5, 4 of 4 -> (r - 0.5) / 4 - 0.5; run b: two tied values (0), its NaN stays NaN;
    # run c: one move (0)
    assert np.allclose(r.iloc[:4], [-0.375, 0.0, 0.0, 0.375])
    assert np.isnan(r.iat[4]) and (r.iloc[[5, 6, 7]] == 0).all() and r.index.equals(FRAME.index)


def test_scaled_is_the_within_run_z_over_sqrt_m_minus_1() -> None:
    s = run_scaled_z(FRAME, ["f"])["f"]
    assert np.allclose(s.iloc[:4], run_z(FRAME, ["f"])["f"].iloc[:4] / np.sqrt(3))
    assert np.isnan(s.iat[4]) and (s.iloc[[5, 6, 7]] == 0).all()


@pytest.mark.parametrize("n", [3, 10, 32, 200])
def test_a_lone_move_reaches_as_far_in_a_long_run_as_in_a_short_one(n: int) -> None:
    X = pd.DataFrame({"run_id": ["r"] * n, "f": [1.0] + [0.0] * (n - 1)})
    assert run_z(X, ["f"])["f"].iat[0] == pytest.approx(np.sqrt(n - 1))  # the z grows with the run ...
    assert run_scaled_z(X, ["f"])["f"].iat[0] == pytest.approx(1.0)  # ... its scaled form does not
    rank = run_rank(X, ["f"])["f"]
    assert rank.iat[0] == pytest.approx(0.5 - 0.5 / n) and rank.iat[1] == pytest.approx(-0.5 / n)
    rng = np.random.default_rng(n)
    Y = pd.DataFrame({"run_id": ["r"] * n, "f": rng.lognormal(0, 2, n)})  # heavy-tailed, any length
    assert run_rank(Y, ["f"])["f"].abs().max() < 0.5 and run_scaled_z(Y, ["f"])["f"].abs().max() <= 1 + 1e-12


def test_a_run_with_every_move_repeated_gives_the_same_ranks() -> None:
    rng = np.random.default_rng(0)
    run = pd.DataFrame({"run_id": "r", "f": rng.integers(0, 4, 9).astype(float), "g": rng.normal(size=9)})
    for k in (2, 5):
        repeated = run.loc[run.index.repeat(k)].reset_index(drop=True)
        ranks = run_rank(repeated, ["f", "g"])
        assert np.allclose(ranks.to_numpy(), np.repeat(run_rank(run, ["f", "g"]).to_numpy(), k, axis=0))


def test_the_new_contrasts_name_their_columns() -> None:
    assert contrast_names(["f", "g"], "rank") == ["f@run_rank", "g@run_rank"]
    assert contrast_names(["f"], "scaled") == ["f@run_zs"]
    assert base_name("f@run_rank") == "f" and base_name("f@run_zs") == "f"
    out = with_run_contrasts(FRAME, ["f"], "rank")
    assert list(out.columns) == ["run_id", "f", "f@run_rank"] and with_run_contrasts(
        out, ["f"], "rank"
    ).equals(out)
    assert "rank in its run" in feature_label("hedge_words@run_rank")
    assert "vs its run" in feature_label("hedge_words@run_zs")
    with pytest.raises(wb.InvalidParameterError, match="run_contrast"):
        BlameModel(run_contrast="percentile").fit_frame(FRAME.assign(step_id="s", agent="x"), FRAME.iloc[:0])


def test_a_rank_model_scores_a_run_and_the_run_with_every_move_repeated_alike() -> None:
    # blame30's runs (long ones hedge 6 on every move, short ones 0; the culprit 1 more than its run)
    X, labels = _runs30(40, 0, "t")
    test_X, _ = _runs30(10, 1, "u")
    m = BlameModel(
        features=FEATURES, calibration_cv=None, listwise_weight=0.25, run_contrast="rank"
    ).fit_frame(X, labels)
    assert sorted(m.feature_names_in_) == ["hedge_words@run_rank", "n_numbers@run_rank"]
    assert _agent_accuracy(m, *_runs30(40, 1, "u")) > 0.9
    repeated = test_X.loc[test_X.index.repeat(3)].reset_index(drop=True)
    repeated["step_id"] += "-" + repeated.groupby("step_id").cumcount().astype(str)
    agents, again = (
        m.rank_frame(x)[1].sort_values(["run_id", "agent"]).reset_index(drop=True) for x in (test_X, repeated)
    )
    assert np.allclose(agents["score"], again["score"]) and agents["rank"].equals(again["rank"])
    back = BlameModel.from_dict(m.to_dict())  # the parameter travels with the file
    assert back.run_contrast == "rank" and back.rank_frame(test_X)[1].equals(m.rank_frame(test_X)[1])
