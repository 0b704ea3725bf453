"""Calibrated agent confidence: Platt scaling of out-of-fold agent scores, and how to check it.

The raw score share of an agent is not a probability: the trees' scores are pulled toward the
classes they saw, and a run with many agents spreads the share thin. :class:`PlattCalibration` is a
logistic regression, fitted on scores of runs the scorer did not see, from (the top agent's share
of its run's score, its lead over the runner-up, the log of the number of agents it competed with)
to "this agent is the labelled culprit". :func:`reliability` and :func:`brier` check it on held-out
runs. A model that will score systems it never saw is calibrated on scores of held-out *systems*
(see ``BlameModel(calibration_groups=...)``): scores on a system of its training data would make it
overconfident elsewhere. Files written before the agent count was an input (``share``, ``margin``)
still load and predict as they did.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ..exceptions import FormatError

_INPUTS = ("share", "margin", "log_agents")
_OLD_INPUTS = ("share", "margin")     # version-1 files of the first release


def margins(agents: pd.DataFrame) -> np.ndarray:
    """Each agent's share minus the best share of the other agents of its run (top: its lead)."""
    first = agents.groupby("run_id")["share"].transform("max")
    ranked = agents.sort_values(["run_id", "share"], ascending=[True, False], kind="stable")
    second = ranked.groupby("run_id")["share"].nth(1)
    second = agents["run_id"].map(pd.Series(second.to_numpy(), index=ranked.loc[second.index, "run_id"])).fillna(0.0)
    other_best = np.where(agents["share"] >= first, second, first)
    return (agents["share"] - other_best).to_numpy(dtype=np.float64)


def inputs(agents: pd.DataFrame) -> pd.DataFrame:
    """The calibration inputs of every agent row: share, margin, log_agents (agents in its run)."""
    return pd.DataFrame({"share": agents["share"].to_numpy(dtype=np.float64), "margin": margins(agents),
                         "log_agents": np.log(agents.groupby("run_id")["agent"].transform("size").to_numpy(
                             dtype=np.float64))}, index=agents.index)


def calibration_rows(agents: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The top agent of each scored run: its inputs and y (it is a labelled culprit)."""
    rows = pd.concat([agents[["run_id", "agent"]], inputs(agents)], axis=1)[(agents["rank"] == 1).to_numpy()]
    culprits = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    rows["y"] = [(r, a) in culprits for r, a in zip(rows["run_id"], rows["agent"], strict=True)]
    return rows.reset_index(drop=True)


class PlattCalibration:
    """P(the top agent is the culprit) = sigmoid(w · (share, margin, log_agents) + b).

    Fitted on the top agent of each held-out run (what a verdict reports); applied to other
    agents too, where the margin is negative.

    Parameters
    ----------
    coef : sequence of floats
        Weights of the inputs: the agent's score share, its margin over the best other agent and
        the log of the number of agents in the run.
    intercept : float
        The bias.
    n_rows : int
        Agent rows it was fitted on.
    names : sequence of str
        The inputs ``coef`` weighs (the first release's files: share and margin only).
    """

    def __init__(self, coef: Any, intercept: float, n_rows: int = 0, names: Any = _INPUTS) -> None:
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.n_rows = int(n_rows)
        self.names = tuple(names)

    @classmethod
    def fit(cls, rows: pd.DataFrame) -> PlattCalibration | None:
        """Fit on :func:`calibration_rows` (None when they hold only one class)."""
        y = rows["y"].to_numpy(dtype=bool)
        if y.all() or not y.any():
            return None
        M = np.nan_to_num(rows[list(_INPUTS)].to_numpy(dtype=np.float64))
        # A higher score share or lead must not lower the confidence: scores pooled over several
        # held-out systems can say so (a system where the model is confident and wrong), and a user
        # would rightly distrust it. Such an input is dropped (weight 0) and the rest refitted.
        use = np.ones(len(_INPUTS), dtype=bool)
        while True:
            lr = LogisticRegression(C=1.0, max_iter=1000).fit(M[:, use], y)
            coef = np.zeros(len(_INPUTS))
            coef[use] = lr.coef_[0]
            wrong = [i for i, n in enumerate(_INPUTS) if n in ("share", "margin") and use[i] and coef[i] < 0]
            if not wrong:
                return cls(coef, lr.intercept_[0], len(rows))
            use[wrong[0]] = False

    def predict(self, agents: pd.DataFrame) -> np.ndarray:
        """Calibrated probability for each agent row of a ranked agent table (run_id, agent, share)."""
        M = np.nan_to_num(inputs(agents)[list(self.names)].to_numpy(dtype=np.float64))
        return 1.0 / (1.0 + np.exp(-(M @ self.coef + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"inputs": list(self.names), "coef": self.coef.tolist(), "intercept": self.intercept,
                "n_rows": self.n_rows}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlattCalibration:
        """Inverse of :meth:`to_dict`."""
        try:
            names = tuple(d["inputs"])
            if names not in (_INPUTS, _OLD_INPUTS) or len(d["coef"]) != len(names):
                raise FormatError(f"calibration inputs {d['inputs']} are not {list(_INPUTS)}")
            return cls([float(c) for c in d["coef"]], float(d["intercept"]), int(d.get("n_rows", 0)), names)
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
