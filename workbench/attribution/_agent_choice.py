"""The culprit agent chosen over the run's agents at once (a conditional logit), not by its best move.

The move scorer is trained to find the culprit *step*; naming the agent of the top-scored move then
throws away how the agent's other moves scored, how much of the run it made and whether the run's
first error is its. :class:`AgentChooser` scores each candidate agent of a run from its moves and
picks the culprit by a softmax over the run's agents (McFadden's conditional logit), fitted on the
move scorer's *out-of-fold* log-odds so it learns how far they can be trusted on runs it never saw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ..exceptions import FormatError

AGENT_FEATURES = ("max_logit", "top2_logit", "move_share", "first_rel", "first_error", "top_move")
_KEYS = ("mean", "scale", "coef")


def agent_table(steps: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """The candidate agents of ``agents`` (run_id, agent) with :data:`AGENT_FEATURES` from their moves.

    ``steps``: run_id, agent, pos, logit of every move, and optionally first_error (1 on the run's
    first error move; absent or null: no error known).
    """
    s = steps.assign(agent=steps["agent"].fillna("<none>"))
    fe = s["first_error"].fillna(0.0).to_numpy(dtype=np.float64) if "first_error" in s.columns else 0.0
    s = s.assign(first_error=fe)
    n = s.groupby("run_id")["pos"].transform("size")
    last = s.groupby("run_id")["pos"].transform("max").clip(lower=1)
    s = s.assign(w=1.0 / n, rel=s["pos"] / last)
    s = s.sort_values(["run_id", "agent", "logit"], ascending=[True, True, False], kind="stable")
    s["k"] = s.groupby(["run_id", "agent"]).cumcount()
    g = s.groupby(["run_id", "agent"])
    per = pd.DataFrame({"max_logit": g["logit"].max(), "top2_logit": s[s["k"] < 2].groupby(["run_id", "agent"])["logit"].mean(),
                        "move_share": g["w"].sum(), "first_rel": g["rel"].min(), "first_error": g["first_error"].max()})
    out = agents[["run_id", "agent"]].assign(agent=agents["agent"].fillna("<none>"))
    out = out.merge(per.reset_index(), on=["run_id", "agent"], how="left")
    best = out.groupby("run_id")["max_logit"].transform("max")
    out["top_move"] = (out["max_logit"] >= best).astype(np.float64)
    return out


def _softmax_by(z: np.ndarray, run: np.ndarray) -> np.ndarray:
    zs = pd.Series(z)
    e = np.exp(z - zs.groupby(run).transform("max").to_numpy())
    return e / pd.Series(e).groupby(run).transform("sum").to_numpy()


class AgentChooser:
    """Utility of an agent = coef · standardised :data:`AGENT_FEATURES`; softmax over the run's agents."""

    def __init__(self, mean: Any, scale: Any, coef: Any) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)

    @classmethod
    def fit(cls, table: pd.DataFrame, culprit: np.ndarray, C: float = 1.0) -> AgentChooser:
        """Maximise the L2-penalised (``1 / C``) likelihood of the culprit agents of each run.

        ``culprit``: True on the rows of ``table`` that are a labelled culprit. Runs with no culprit
        among their candidates, or with one candidate, teach nothing and are left out.
        """
        run = table["run_id"].to_numpy(dtype=object)
        pos = pd.Series(np.asarray(culprit, dtype=bool))
        usable = (pos.groupby(run).transform("any") & (pd.Series(run).groupby(run).transform("size") > 1)).to_numpy()
        F = table.loc[usable, list(AGENT_FEATURES)].to_numpy(dtype=np.float64)
        F = np.nan_to_num(F)
        mean, scale = (F.mean(axis=0), F.std(axis=0)) if len(F) else (np.zeros(F.shape[1]), np.ones(F.shape[1]))
        scale = np.where(scale > 1e-12, scale, 1.0)
        Z, r, y = (F - mean) / scale, run[usable], pos.to_numpy()[usable].astype(np.float64)
        if not len(Z):
            return cls(mean, scale, np.zeros(len(AGENT_FEATURES)))

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            p = _softmax_by(Z @ w, r)
            got = pd.Series(p * y).groupby(r).transform("sum").to_numpy()   # P(a culprit) per run
            q = p * y / got
            nll = -np.log(pd.Series(got).groupby(r).first().to_numpy()).sum()
            return nll + 0.5 / C * w @ w, Z.T @ (p - q) + w / C

        w = minimize(loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B").x
        return cls(mean, scale, w)

    def utility(self, table: pd.DataFrame) -> np.ndarray:
        """Each row's utility (its log-odds up to the run's constant)."""
        F = np.nan_to_num(table[list(AGENT_FEATURES)].to_numpy(dtype=np.float64))
        return ((F - self.mean) / self.scale) @ self.coef

    def probability(self, table: pd.DataFrame) -> np.ndarray:
        """Softmax of the utilities within each run."""
        return _softmax_by(self.utility(table), table["run_id"].to_numpy(dtype=object)) if len(table) else np.zeros(0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"features": list(AGENT_FEATURES), **{k: getattr(self, k).tolist() for k in _KEYS}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AgentChooser:
        """Inverse of :meth:`to_dict`, checking the arrays."""
        try:
            if list(d["features"]) != list(AGENT_FEATURES):
                raise FormatError(f"agent chooser features {d['features']} are not {list(AGENT_FEATURES)}")
            arrays = [np.asarray(d[k], dtype=np.float64) for k in _KEYS]
            if any(a.shape != (len(AGENT_FEATURES),) for a in arrays):
                raise FormatError("agent chooser arrays do not match its features")
            if not all(np.isfinite(a).all() for a in arrays) or (arrays[1] <= 0).any():
                raise FormatError("agent chooser arrays hold non-finite values or a non-positive scale")
            return cls(*arrays)
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not an agent chooser: {exc}") from exc
