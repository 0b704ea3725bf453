"""A run-level (listwise) fit blended into the scorer that names the culprit agent (issue 12, blame28 / blame30).

The per-move fit asks of every move alone "is this the culprit step?" across pooled runs; a verdict compares a
run's moves with each other. When a feature's level differs from run to run (here: long runs where every move
hedges a lot), the per-move fit reads "hedges a lot" as "an innocent move of a long run" and names the wrong agent;
the softmax over each run's moves only sees that the culprit hedges *more than its run*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._listwise import run_terms

FEATURES = ["hedge_words", "n_numbers"]


def _runs(n: int, seed: int, tag: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Short runs (3 moves, hedging 0) and long ones (12 moves, hedging 6): the culprit hedges 1 more than its run."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        long = i % 2 == 0
        k, base = (12, 6.0) if long else (3, 0.0)
        culprit = int(rng.integers(k))
        for p in range(k):
            rows.append(
                {
                    "run_id": f"{tag}{i}",
                    "step_id": f"{tag}{i}-{p}",
                    "agent": f"agent{p}",
                    "kind": "llm",
                    "pos": p,
                    "system": "s",
                    FEATURES[0]: base + (p == culprit) + rng.normal(0, 0.1),
                    FEATURES[1]: rng.normal(),
                }
            )
        labels.append({"run_id": f"{tag}{i}", "agent": f"agent{culprit}", "step_id": f"{tag}{i}-{culprit}"})
    return pd.DataFrame(rows), pd.DataFrame(labels)


def _agent_accuracy(model: BlameModel, X: pd.DataFrame, labels: pd.DataFrame) -> float:
    _, agents = model.rank_frame(X)
    top = agents[agents["rank"] == 1].merge(labels, on="run_id", suffixes=("", "_true"))
    return float((top["agent"] == top["agent_true"]).mean())


def test_the_listwise_blend_learns_what_stands_out_within_a_run() -> None:
    X, labels = _runs(40, 0, "t")
    test_X, test_labels = _runs(40, 1, "u")
    per_move = BlameModel(features=FEATURES, calibration_cv=None).fit_frame(X, labels)
    blend = BlameModel(features=FEATURES, calibration_cv=None, listwise_weight=0.25).fit_frame(X, labels)
    assert per_move.agent_model_ is None
    assert _agent_accuracy(per_move, test_X, test_labels) < 0.2
    assert _agent_accuracy(blend, test_X, test_labels) > 0.9
    hedge = list(blend.feature_names_in_).index("hedge_words")
    assert blend.agent_model_.coef[hedge] > 0 > per_move.step_model_.coef[hedge]
    # the steps keep the per-move scorer unless asked (listwise_steps)
    assert np.allclose(blend.step_model_.coef, per_move.step_model_.coef)
    both = BlameModel(
        features=FEATURES, calibration_cv=None, listwise_weight=0.25, listwise_steps=True
    ).fit_frame(X, labels)
    assert both.agent_model_ is None and np.allclose(both.step_model_.coef, blend.agent_model_.coef)


def test_run_terms_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(4), [3, 5, 2, 4])
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    pos = np.zeros(len(g))
    pos[[0, 4, 5, 9, 13]] = 1.0  # every run has a labelled move; one has two
    w = rng.uniform(0.5, 2.0, size=4)
    s = rng.normal(size=len(g)) * 3
    _, grad = run_terms(s, pos, g, starts, w)
    eps = 1e-6
    num = [
        (run_terms(s + eps * e, pos, g, starts, w)[0] - run_terms(s - eps * e, pos, g, starts, w)[0])
        / (2 * eps)
        for e in np.eye(len(s))
    ]
    assert np.allclose(grad, num, atol=1e-6)


def test_named_agent_step_rule_gives_a_move_of_the_named_agent() -> None:
    X, labels = _runs(30, 0, "t")
    test_X, _ = _runs(20, 1, "u")
    # with two scorers the run's top move by the step scorer need not be the named agent's
    m = BlameModel(
        features=FEATURES, calibration_cv=None, listwise_weight=0.25, step_rule="named_agent"
    ).fit_frame(X, labels)
    steps, agents = m.rank_frame(test_X)
    top_step = steps[steps["rank"] == 1].set_index("run_id")["agent"]
    top_agent = agents[agents["rank"] == 1].set_index("run_id")["agent"]
    assert (top_step == top_agent.reindex(top_step.index)).all()
    plain = BlameModel(features=FEATURES, calibration_cv=None, listwise_weight=0.25).fit_frame(X, labels)
    steps_plain, _ = plain.rank_frame(test_X)
    mismatch = steps_plain[steps_plain["rank"] == 1].set_index("run_id")["agent"] != top_agent.reindex(
        top_step.index
    )
    assert mismatch.any()  # the rule is what makes them agree here
    # within the named agent's moves, and among the others, the per-move order is kept
    for _, run in steps.groupby("run_id"):
        for part in (
            run[run["agent"] == top_agent[run["run_id"].iat[0]]],
            run[run["agent"] != top_agent[run["run_id"].iat[0]]],
        ):
            assert list(part.sort_values("rank")["logit"]) == sorted(part["logit"], reverse=True)


def test_the_agent_scorer_is_saved_and_calibrated(tmp_path) -> None:  # noqa: ANN001
    X, labels = _runs(30, 0, "t")
    test_X, _ = _runs(10, 1, "u")
    m = BlameModel(
        features=FEATURES, calibration_cv=2, listwise_weight=0.25, calibration_groups="run"
    ).fit_frame(X, labels)
    assert m.calibration_ is not None
    back = BlameModel.load(m.save(tmp_path / "m.json"))
    assert np.allclose(back.agent_model_.coef, m.agent_model_.coef)
    a1, a2 = m.rank_frame(test_X)[1], back.rank_frame(test_X)[1]
    assert np.allclose(a1["confidence"], a2["confidence"]) and (a1["agent"] == a2["agent"]).all()


def test_listwise_parameters_are_checked() -> None:
    X, labels = _runs(6, 0, "t")
    with pytest.raises(wb.InvalidParameterError, match="listwise_weight"):
        BlameModel(features=FEATURES, estimator="trees", listwise_weight=0.5).fit_frame(X, labels)
    with pytest.raises(wb.InvalidParameterError, match="listwise_weight"):
        BlameModel(features=FEATURES, listwise_weight=1.5).fit_frame(X, labels)
    with pytest.raises(wb.InvalidParameterError, match="step_rule"):
        BlameModel(features=FEATURES, step_rule="first").fit_frame(X, labels)
