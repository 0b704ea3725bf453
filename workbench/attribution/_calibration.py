"""Calibrated agent confidence: Platt scaling of out-of-fold agent scores, and how to check it.

The raw score share of an agent is not a probability: the trees' scores are pulled toward the
classes they saw, and a run with many agents spreads the share thin. :class:`PlattCalibration` is a
logistic regression, fitted on scores of runs the scorer did not see, from (the top agent's share
of its run's score, its lead over the runner-up) to "this agent is the labelled culprit". :func:`reliability` and :func:`brier` check it on held-out runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ..exceptions import FormatError

_INPUTS = ("share", "margin")


def margins(agents: pd.DataFrame) -> np.ndarray:
    """Each agent's share minus the best share of the other agents of its run (top: its lead)."""
    first = agents.groupby("run_id")["share"].transform("max")
    ranked = agents.sort_values(["run_id", "share"], ascending=[True, False], kind="stable")
    second = ranked.groupby("run_id")["share"].nth(1)
    second = agents["run_id"].map(pd.Series(second.to_numpy(), index=ranked.loc[second.index, "run_id"])).fillna(0.0)
    other_best = np.where(agents["share"] >= first, second, first)
    return (agents["share"] - other_best).to_numpy(dtype=np.float64)


def calibration_rows(agents: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The top agent of each scored run: share, margin and y (it is a labelled culprit)."""
    rows = agents[["run_id", "agent", "share"]].assign(margin=margins(agents))[(agents["rank"] == 1).to_numpy()]
    culprits = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    rows["y"] = [(r, a) in culprits for r, a in zip(rows["run_id"], rows["agent"], strict=True)]
    return rows.reset_index(drop=True)


class PlattCalibration:
    """P(the top agent is the culprit) = sigmoid(w · (share, margin) + b).

    Fitted on the top agent of each held-out run (what a verdict reports); applied to other
    agents too, where the margin is negative.

    Parameters
    ----------
    coef : sequence of 2 floats
        Weights of the agent's score share and of its margin over the best other agent.
    intercept : float
        The bias.
    n_rows : int
        Agent rows it was fitted on.
    """

    def __init__(self, coef: Any, intercept: float, n_rows: int = 0) -> None:
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.n_rows = int(n_rows)

    @classmethod
    def fit(cls, rows: pd.DataFrame) -> PlattCalibration | None:
        """Fit on :func:`calibration_rows` (None when they hold only one class)."""
        y = rows["y"].to_numpy(dtype=bool)
        if y.all() or not y.any():
            return None
        M = np.nan_to_num(rows[list(_INPUTS)].to_numpy(dtype=np.float64))
        lr = LogisticRegression(C=1.0, max_iter=1000).fit(M, y)
        return cls(lr.coef_[0], lr.intercept_[0], len(rows))

    def predict(self, share: np.ndarray, margin: np.ndarray) -> np.ndarray:
        """Calibrated probability for each agent row."""
        M = np.nan_to_num(np.column_stack([share, margin]).astype(np.float64))
        return 1.0 / (1.0 + np.exp(-(M @ self.coef + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"inputs": list(_INPUTS), "coef": self.coef.tolist(), "intercept": self.intercept, "n_rows": self.n_rows}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlattCalibration:
        """Inverse of :meth:`to_dict`."""
        try:
            if list(d["inputs"]) != list(_INPUTS) or len(d["coef"]) != len(_INPUTS):
                raise FormatError(f"calibration inputs {d['inputs']} are not {list(_INPUTS)}")
            return cls([float(c) for c in d["coef"]], float(d["intercept"]), int(d.get("n_rows", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not a calibration: {exc}") from exc


def reliability(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 5) -> pd.DataFrame:
    """Reliability curve: per confidence bin, runs, mean confidence and accuracy.

    Parameters
    ----------
    confidence : array of float
        The verdicts' agent confidence.
    correct : array of bool
        Whether each verdict named the culprit.
    n_bins : int
        Equal-width bins over [0, 1].

    Returns
    -------
    pandas.DataFrame
        bin (its lower edge), runs, confidence (mean), accuracy; empty bins left out.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    idx = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    df = pd.DataFrame({"bin": idx / n_bins, "confidence": confidence, "accuracy": correct})
    out = df.groupby("bin").agg(runs=("accuracy", "size"), confidence=("confidence", "mean"),
                                accuracy=("accuracy", "mean"))
    return out.reset_index()


def brier(confidence: np.ndarray, correct: np.ndarray) -> float:
    """Mean squared error between confidence and correctness (0 is perfect; 0.25 is a coin at 0.5)."""
    confidence = np.asarray(confidence, dtype=float)
    return float(np.mean((confidence - np.asarray(correct, dtype=float)) ** 2)) if len(confidence) else float("nan")
