"""The shipped model v11: blame28's B2 names the agent, v10's per-move scorer the step (bench/protocol_blame30.md, C1)."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._linear import LinearScorer


def _quiet(fn):  # noqa: ANN001, ANN202
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loads without any warning (no scikit-learn version coupling)
        return fn()


def _v10() -> BlameModel:
    ref = resources.files("workbench.attribution").joinpath("models", "blame_model_whowhen_v10.json")
    with resources.as_file(ref) as path:
        return _quiet(lambda: BlameModel.load(path))


def _ws() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "failure"},
            {
                "run_id": "r",
                "step_id": "s1",
                "kind": "llm",
                "agent": "planner",
                "output": "Plan: buy 3 items.",
            },
            {
                "run_id": "r",
                "step_id": "s2",
                "kind": "llm",
                "agent": "buyer",
                "output": "I think maybe 4 items at 9.99 would do.",
            },
            {
                "run_id": "r",
                "step_id": "s3",
                "kind": "llm",
                "agent": "checker",
                "output": "Total 39.96. Done.",
            },
        ],
        progress=False,
    )
    return ws


def test_v11_ships_the_listwise_agent_scorer_and_v10s_steps() -> None:
    model = _quiet(BlameModel.pretrained)
    params = model.get_params()
    assert (
        params["listwise_weight"] == 0.25
        and params["listwise_steps"] is False
        and params["step_rule"] == "top"
    )
    assert (
        params["system_balance"] is True
        and params["features"] == "portable"
        and params["prior"] == "pretrained"
    )
    assert isinstance(model.agent_model_, LinearScorer)
    assert not np.allclose(model.agent_model_.coef, model.step_model_.coef)
    # the step scorer is v10's fit on the same runs (the steps of v10's verdicts are kept)
    v10 = _v10()
    assert v10.agent_model_ is None and v10.get_params()["listwise_weight"] == 0.0
    assert list(v10.feature_names_in_) == list(model.feature_names_in_)
    assert np.allclose(model.step_model_.coef, v10.step_model_.coef, atol=1e-6)
    assert "protocol_blame30" in model.provenance_["chosen_by"]
    measured = model.provenance_["measured_before_refit"]
    pooled = [v for k, v in measured.items() if "POOLED" in k]
    assert len(pooled) == 1 and pooled[0]["runs"] == 813 and pooled[0]["agent"] >= 0.45


def test_v11_ranks_agents_by_its_agent_scorer_and_explains_that() -> None:
    model = _quiet(BlameModel.pretrained)
    ws = _ws()
    pred = model.predict(ws)
    assert len(pred) == 1 and pred["agent"].iat[0] in ("planner", "buyer", "checker")
    X = model.frame(ws, ["r"])
    logit_agent = pd_logits(model, model.agent_model_, X)
    logit_step = pd_logits(model, model.step_model_, X)
    steps, agents = model.rank_frame(X)
    best = {a: logit_agent[X["agent"] == a].max() for a in X["agent"].unique()}
    assert agents.loc[agents["rank"] == 1, "agent"].iat[0] == max(best, key=best.get)
    assert steps.loc[steps["rank"] == 1, "step_id"].iat[0] == X["step_id"].iat[int(np.argmax(logit_step))]
    ex = model.explain(ws, "r")
    for agent, rows in ex[ex["level"] == "agent"].groupby("agent"):
        assert np.isclose(rows["base_value"].iat[0] + rows["shap"].sum(), best[agent])
        assert np.isclose(rows["output"].iat[0], best[agent])


def pd_logits(model: BlameModel, scorer: LinearScorer, X) -> np.ndarray:  # noqa: ANN001
    return scorer.decision_function(
        X[list(model.feature_names_in_)].to_numpy(dtype=np.float64)
    ) + model._value_offset(X)
