"""BlameModel through the public API: held-out simulator seeds, SHAP additivity, params, Who&When logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import workbench as wb
from workbench.attribution._blame_model import BlameModel, InvalidParameterError
from workbench.attribution._evaluate import evaluate_attribution, labelled_failures
from workbench.attribution._features import FEATURES, step_features
from workbench.attribution._heuristics import HEURISTICS
from workbench.exceptions import WorkbenchError

WHOWHEN = Path("/work/shared/samples/whowhen")


def _store(seed: int, n: int) -> wb.Workspace:
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=seed, fault_rate=1.0).generate(n), progress=False)
    return ws


@pytest.fixture(scope="module")
def train_ws() -> wb.Workspace:
    return _store(101, 250)


@pytest.fixture(scope="module")
def test_ws() -> wb.Workspace:
    # Another seed: another catalogue, other tasks and noise; no run of it is seen in training.
    return _store(202, 250)


@pytest.fixture(scope="module")
def model(train_ws) -> BlameModel:
    return BlameModel().fit(train_ws)


def test_held_out_single_fault_accuracy_beats_heuristics(model, test_ws) -> None:
    single = labelled_failures(test_ws, max_faults=1)
    assert len(single) >= 120
    table = evaluate_attribution(test_ws, ["blame_model", *HEURISTICS], model=model, run_ids=single).set_index("method")
    bm = table.loc["blame_model"]
    # Issue targets: >= 85 % agent, >= 60 % step. Measured on this seed: 100 % / 99-100 %.
    assert bm["agent_acc"] >= 0.95 and bm["step_acc"] >= 0.95
    assert bm["agent_top2"] >= bm["agent_acc"] and bm["step_top3"] >= bm["step_acc"]
    heur = table.drop(index="blame_model")
    # Best heuristic (most detector hits) measured at about 90 % agent / 55 % step.
    assert bm["agent_acc"] >= heur["agent_acc"].max() + 0.05
    assert bm["step_acc"] >= heur["step_acc"].max() + 0.3
    assert table.loc["random", "agent_acc"] < 0.5


def test_held_out_multi_fault_runs(model, test_ws) -> None:
    multi = labelled_failures(test_ws, min_faults=2)
    assert len(multi) >= 20
    row = evaluate_attribution(test_ws, "blame_model", model=model, run_ids=multi).iloc[0]
    assert row["agent_acc"] >= 0.95 and row["step_acc"] >= 0.95   # measured 1.0 / 1.0
    assert row["agent_acc_first"] >= 0.5                         # measured 0.65: any culprit, not the first


def test_predict_columns_scores_and_store(model, test_ws) -> None:
    runs = labelled_failures(test_ws)[:10]
    pred = model.predict(test_ws, runs, store=True)
    assert list(pred.columns) == ["run_id", "agent", "step_id", "score", "agent_confidence"]
    assert sorted(pred["run_id"]) == runs
    assert pred["score"].between(0, 1).all() and pred["agent_confidence"].between(0, 1).all()
    steps = model.score_steps(test_ws, runs)
    top = steps[steps["rank"] == 1].set_index("run_id")["step_id"]
    assert (pred.set_index("run_id")["step_id"] == top.loc[pred["run_id"]]).all()
    agents = model.score_agents(test_ws, runs)
    assert np.allclose(agents.groupby("run_id")["share"].sum(), 1.0)
    n = test_ws.sql("SELECT unit, count(*) FROM attributions WHERE method = 'blame_model' GROUP BY unit "
                    "ORDER BY unit").fetchall()
    assert dict(n) == {"agent": len(agents), "step": len(steps), "verdict": 10}
    model.predict(test_ws, runs, store=True)   # replaces, does not duplicate
    again = test_ws.sql("SELECT count(*) FROM attributions WHERE method = 'blame_model'").fetchall()[0][0]
    assert again == len(agents) + len(steps) + 10


def test_explain_shap_values_add_up_to_the_model_output(model, test_ws) -> None:
    run_id = labelled_failures(test_ws, max_faults=1)[0]
    ex = model.explain(test_ws, run_id)
    assert set(ex["level"]) == {"step", "agent"}
    steps = ex[ex["level"] == "step"]
    per_step = steps.groupby("step_id").agg(shap=("shap", "sum"), base=("base_value", "first"),
                                            output=("output", "first"))
    assert np.allclose(per_step["base"] + per_step["shap"], per_step["output"], atol=1e-6)
    logits = model.score_steps(test_ws, [run_id]).set_index("step_id")["logit"]
    assert np.allclose(per_step["output"], logits.loc[per_step.index], atol=1e-9)
    top_step = steps.loc[steps["top"], "step_id"].unique()
    assert list(top_step) == [model.predict(test_ws, [run_id])["step_id"].iat[0]]
    agents = ex[ex["level"] == "agent"].groupby("agent").agg(shap=("shap", "sum"), base=("base_value", "first"),
                                                            output=("output", "first"))
    assert np.allclose(agents["base"] + agents["shap"], agents["output"], atol=1e-6)
    assert set(steps["feature"]) == set(model.feature_names_in_)


def test_not_fitted_raises(test_ws) -> None:
    m = BlameModel()
    for call in (lambda: m.predict(test_ws), lambda: m.score_steps(test_ws), lambda: m.explain(test_ws, "x")):
        with pytest.raises(NotFittedError):
            call()


@pytest.mark.parametrize(("param", "value", "message"), [
    ("max_depth", -3, "'max_depth' must be None or an int >= 1 (got -3)"),
    ("learning_rate", 0.0, "'learning_rate' must be a float in (0, 1] (got 0.0)"),
    ("n_estimators", 2.5, "'n_estimators' must be an int >= 1 (got 2.5)"),
    ("agent_aggregation", "mean", "'agent_aggregation' must be one of 'max', 'sum', 'model' (got 'mean')"),
    ("features", ["latency", "no_such"], "'features' must be None, 'portable'"),
    ("detect", "sometimes", "'detect' must be 'auto', True or False (got 'sometimes')"),
])
def test_bad_params_are_named_at_fit_time(train_ws, param, value, message) -> None:
    m = BlameModel(**{param: value})          # __init__ only stores
    assert m.get_params()[param] == value
    with pytest.raises(InvalidParameterError) as err:
        m.fit(train_ws)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, WorkbenchError)


def test_sklearn_conventions_and_feature_subsets(model, train_ws) -> None:
    c = clone(model)
    assert c.get_params() == model.get_params() and not hasattr(c, "step_model_")
    assert list(model.feature_names_in_) == [f for f in FEATURES if f not in model.unavailable_features_]
    some = labelled_failures(train_ws)[:60]
    portable = BlameModel(features="portable", n_estimators=10).fit(train_ws, some)
    needs = {FEATURES[f][0] for f in portable.feature_names_in_}
    assert needs <= {"structure", "text", "edges", "status", "findings"}
    only = BlameModel(features=["text", "is_error"], n_estimators=10).fit(train_ws, some)
    assert {FEATURES[f][0] for f in only.feature_names_in_} == {"text", "status"}


def test_fit_needs_labelled_failures() -> None:
    ws = wb.open()
    ws.ingest([{"record": "run", "run_id": "r", "outcome": "failure"},
               {"run_id": "r", "step_id": "a", "kind": "llm", "agent": "x", "seq": 0}])
    with pytest.raises(WorkbenchError, match="no failed run with a culprit label"):
        BlameModel().fit(ws)


@pytest.fixture(scope="module")
def whowhen_ws() -> wb.Workspace:
    if not WHOWHEN.is_dir():
        pytest.skip(f"{WHOWHEN} is not here")
    ws = wb.open()
    ws.ingest(str(WHOWHEN / "*" / "*.json"))
    return ws


def test_whowhen_text_only_logs_end_to_end(whowhen_ws, model) -> None:
    ws = whowhen_ws
    runs = ws.runs()["run_id"].tolist()
    assert len(runs) == 5
    X = step_features(ws, runs)
    # Computed from the transcript alone: text and structure are there, timing and log-probs are not.
    assert X["out_len"].gt(0).all() and X["latency"].isna().all() and X["confidence"].isna().all()
    assert X["status_missing"].sum() > 0.9 * len(X)
    m = BlameModel(n_estimators=20, min_samples_leaf=2).fit(ws)   # 5 records: runs, measures nothing
    for f in ("latency", "confidence", "entropy", "tokens_in"):
        assert f in m.unavailable_features_ and f not in m.feature_names_in_
    pred = m.predict(ws)
    assert sorted(pred["run_id"]) == sorted(runs) and pred["agent"].notna().all()
    assert {"latency", "confidence", "entropy"} <= set(pred.attrs["unavailable_features"])
    ex = m.explain(ws, runs[0])
    assert set(ex.loc[ex["level"] == "step", "feature"]) == set(m.feature_names_in_)
    # A model fitted on simulator logs scores text-only runs too (null features go down the trees'
    # missing-value branches).
    transfer = model.predict(ws)
    assert len(transfer) == 5
