"""Adapting to the investigated system without labels (``adapt_prior``): EM over its agents' names.

On score tables the test builds, and on Who&When-format runs it writes itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import write_runs

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._heuristics import rank_agents, rank_steps
from workbench.attribution._target_prior import prior_offsets
from workbench.exceptions import InvalidParameterError


def _steps(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["run_id", "agent", "kind", "logit"]).assign(
        step_id=lambda d: [f"s{i}" for i in range(len(d))], pos=lambda d: d.groupby("run_id").cumcount())


def _top(steps: pd.DataFrame, offsets: np.ndarray) -> pd.Series:
    s = steps.assign(logit=steps["logit"] + offsets)
    s["score"] = 1 / (1 + np.exp(-s["logit"]))
    a = rank_agents(rank_steps(s), talkers_only=True)
    return a[a["rank"] == 1].set_index("run_id")["agent"]


def test_a_name_the_system_leans_on_wins_the_close_runs() -> None:
    # 30 runs where "coder" clearly leads, 10 where "planner" leads by a hair: the system's runs say
    # the coder is the usual culprit, so the close runs go to it; the clear ones stay as they were.
    rows = []
    for i in range(30):
        rows += [(f"c{i}", "planner", "agent", -2.0), (f"c{i}", "coder", "agent", 1.0), (f"c{i}", "terminal", "tool", 3.0)]
    for i in range(10):
        rows += [(f"h{i}", "planner", "agent", 0.1), (f"h{i}", "coder", "agent", 0.0)]
    rows += [("far", "planner", "agent", 4.0), ("far", "coder", "agent", -3.0)]
    steps = _steps(rows)
    off = prior_offsets(steps, pd.Series("sys", index=steps.index), talkers_only=True)
    assert (off[steps["agent"].eq("coder").to_numpy()] > off[steps["agent"].eq("planner").to_numpy()]).all()
    assert (off[steps["agent"].eq("terminal").to_numpy()] == 0).all()   # a tool is no candidate
    top = _top(steps, off)
    assert (top[[f"h{i}" for i in range(10)]] == "coder").all() and (top[[f"c{i}" for i in range(30)]] == "coder").all()
    assert top["far"] == "planner"
    before = _top(steps, np.zeros(len(steps)))
    assert (before[[f"h{i}" for i in range(10)]] == "planner").all()


def test_unique_names_keep_each_runs_order_and_systems_are_adapted_apart() -> None:
    rng = np.random.default_rng(7)
    rows = [(f"r{i}", f"agent{i}_{j}", "agent", float(rng.normal())) for i in range(12) for j in range(3)]
    steps = _steps(rows)
    off = prior_offsets(steps, pd.Series("sys", index=steps.index))
    assert (_top(steps, off) == _top(steps, np.zeros(len(steps)))).all()
    # Two systems sharing names are adapted on their own runs: "a" leads in one, "b" in the other.
    rows = [(f"x{i}", "a", "agent", 1.0) for i in range(20)] + [(f"x{i}", "b", "agent", 0.0) for i in range(20)]
    rows += [(f"y{i}", "a", "agent", 0.0) for i in range(20)] + [(f"y{i}", "b", "agent", 1.0) for i in range(20)]
    steps = _steps(rows)
    system = pd.Series(np.where(steps["run_id"].str.startswith("x"), "X", "Y"), index=steps.index)
    off = pd.Series(prior_offsets(steps, system), index=steps.index)
    x, y = system == "X", system == "Y"
    assert off[x & (steps["agent"] == "a")].iat[0] > off[x & (steps["agent"] == "b")].iat[0]
    assert off[y & (steps["agent"] == "b")].iat[0] > off[y & (steps["agent"] == "a")].iat[0]
    assert prior_offsets(steps.iloc[:0], system.iloc[:0]).shape == (0,)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[wb.Workspace, list[str], list[str]]:
    tmp = tmp_path_factory.mktemp("adapt")
    write_runs(tmp, "alpha", 24, seed=5)
    write_runs(tmp, "beta", 16, seed=6)
    ws = wb.open()
    ws.ingest(str(tmp / "*" / "*.json"), progress=False)
    runs = ws.sql("SELECT run_id, system FROM runs ORDER BY run_id").df()
    return (ws, runs.loc[runs["system"].str.endswith("Generated"), "run_id"].tolist(),
            runs.loc[runs["system"].str.endswith("Crafted"), "run_id"].tolist())


def test_blame_model_adapts_to_the_scored_system_and_keeps_the_setting(store, tmp_path) -> None:
    ws, alpha, beta = store
    kw = {"features": "portable", "detect": False, "calibration_cv": 3, "talkers_only": True}
    plain = BlameModel(**kw).fit(ws, alpha)
    adapted = BlameModel(adapt_prior=True, **kw).fit(ws, alpha)
    p, q = plain.predict(ws, beta), adapted.predict(ws, beta)
    assert list(q.columns) == list(p.columns) and len(q) == len(beta)
    assert q["agent_confidence"].between(0, 1).all()
    # The offsets move the scores (the same scorer underneath), and explain still adds up.
    assert np.allclose(plain.step_model_.coef, adapted.step_model_.coef)
    assert not np.allclose(plain.score_steps(ws, beta)["logit"], adapted.score_steps(ws, beta)["logit"])
    ex = adapted.explain(ws, beta[0])
    per_step = ex[ex["level"] == "step"].groupby("step_id").agg(
        shap=("shap", "sum"), base=("base_value", "first"), output=("output", "first"))
    assert np.allclose(per_step["base"] + per_step["shap"], per_step["output"], atol=1e-6)
    assert "adapt_prior" in set(ex["feature"])
    back = BlameModel.load(adapted.save(tmp_path / "a.json"))
    assert back.adapt_prior is True
    pd.testing.assert_frame_equal(back.predict(ws, beta), q)
    with pytest.raises(InvalidParameterError, match="'adapt_prior' must be True or False"):
        BlameModel(adapt_prior=1, detect=False).fit(ws, alpha)
