"""SHAP explanation of one run's BlameModel verdict: per move and per agent, values that add up to the scores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..exceptions import WorkbenchError
from ._feature_labels import feature_label
from ._linear import LinearScorer

if TYPE_CHECKING:
    from ._blame_model import BlameModel


def explain_run(model: BlameModel, ws, run_id: str) -> pd.DataFrame:  # noqa: ANN001
    """The table of :meth:`BlameModel.explain`."""
    import shap  # ~1.5 s to import: only when explaining

    check_is_fitted(model, "step_model_")
    X = model.frame(ws, [run_id])
    if X.empty:
        raise WorkbenchError(f"no run {run_id!r} with moves in this store")
    X = model._contrasted(model._with_prior(X))
    names = list(model.feature_names_in_)
    steps, agents = model.rank_frame(X.drop(columns=["prior_logit"], errors="ignore"))
    M = X[names].to_numpy(dtype=np.float64)
    if isinstance(model.step_model_, LinearScorer):
        values, base = model.step_model_.contributions(M)
    else:
        explainer = shap.TreeExplainer(model.step_model_.shap_model())
        values = np.asarray(explainer.shap_values(M), dtype=float).reshape(M.shape)
        base = float(np.ravel(explainer.expected_value)[0])
    agent_model = getattr(model, "agent_model_", None)
    # With a separate agent scorer (v11) the agent rows explain its log-odds, not the step scorer's.
    a_values, a_base = agent_model.contributions(M) if agent_model is not None else (values, base)
    if model.value_prior:
        # The unfitted prior is one more additive term: it gets its own row, so the sum still holds.
        names = [*names, "value_prior"]
        M = np.column_stack([M, X["first_numbers"].fillna(0.0).to_numpy(dtype=np.float64)])
        values = np.column_stack([values, model._value_offset(X)])
        a_values = np.column_stack([a_values, model._value_offset(X)])
    logit = steps.set_index("step_id")["logit"]
    top_step = steps.loc[steps["rank"] == 1, "step_id"].iat[0]
    top_agent = agents.loc[agents["rank"] == 1, "agent"].iat[0]
    long = pd.DataFrame(
        {
            "run_id": run_id,
            "level": "step",
            "agent": np.repeat(X["agent"].to_numpy(), len(names)),
            "step_id": np.repeat(X["step_id"].to_numpy(), len(names)),
            "feature": np.tile(names, len(X)),
            "value": M.ravel(),
            "shap": values.ravel(),
            "base_value": base,
        }
    )
    long["output"] = long["step_id"].map(logit).to_numpy()
    long["top"] = long["step_id"] == top_step
    if agent_model is None:
        agent_rows = _explain_agents(model.agent_aggregation, long, base)
    else:
        a_logit = model._rank_steps(X.drop(columns=["prior_logit"], errors="ignore"), agent_model).set_index(
            "step_id"
        )["logit"]
        scored = long.assign(
            shap=a_values.ravel(), base_value=a_base, output=long["step_id"].map(a_logit).to_numpy()
        )
        agent_rows = _explain_agents(model.agent_aggregation, scored, a_base)
    agent_rows["top"] = agent_rows["agent"] == top_agent
    out = pd.concat([long, agent_rows], ignore_index=True).assign(abs_shap=lambda d: d["shap"].abs())
    # the words a chart shows for each feature ("silent-failure finding on the move", not det_value)
    out.insert(out.columns.get_loc("feature") + 1, "label", out["feature"].map(feature_label))
    out = out.sort_values(
        ["level", "output", "agent", "step_id", "abs_shap"],
        ascending=[False, False, True, True, False],
        kind="stable",
        ignore_index=True,
    )
    return out.drop(columns="abs_shap")


def _explain_agents(aggregation: str, long: pd.DataFrame, base: float) -> pd.DataFrame:
    # "mass", "noisy_or": its best move is its largest term; "first_flagged": its score is its best move's
    if aggregation in ("max", "mass", "noisy_or", "first_flagged"):
        best = long.loc[long.groupby("agent", dropna=False)["output"].idxmax(), ["agent", "step_id"]]
        out = long.merge(best, on=["agent", "step_id"])[
            ["agent", "step_id", "feature", "value", "shap", "base_value", "output"]
        ]
    else:
        g = long.groupby(["agent", "feature"], dropna=False, sort=False)
        out = g.agg(shap=("shap", "sum"), value=("value", "mean")).reset_index()
        n = long.groupby("agent", dropna=False)["step_id"].nunique()
        out["base_value"] = base * out["agent"].map(n).to_numpy()
        out["output"] = out["agent"].map(
            long.drop_duplicates("step_id").groupby("agent", dropna=False)["output"].sum()
        )
    return out.assign(run_id=long["run_id"].iat[0], level="agent")
