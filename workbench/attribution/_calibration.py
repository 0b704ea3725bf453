"""Calibrated agent confidence: Platt scaling of out-of-fold agent scores, and how to check it.

The raw score share of an agent is not a probability: the scorer's outputs are pulled toward the
classes it saw, and a run with many agents spreads the share thin. :class:`PlattCalibration` is a
logistic regression, fitted on scores of runs the scorer did not see, from two inputs to "this
agent is the labelled culprit":

- ``log_mass``: the log-odds of the agent's probability mass when the run's move scores are read
  as a softmax over its moves (how much of "which move was decisive" falls on this agent's moves);
- ``log_agents``: the log of the number of agents in the run (a share of the mass means less
  when there are more agents to share it).

Chosen without Hand-Crafted, by the mean Brier excess over a constant in four settings:
Algorithm-Generated 5-fold CV, Algorithm-Generated → simulator, and leave-one-system-out with the
simulator and with Algorithm-Generated held out (``bench/attribution_logonly.py``). "The agent
acted first" calibrated best within Algorithm-Generated, where the first agent is the culprit in
half the runs, and inverted the confidence on the simulator, where it rarely is: a fact about one
system, not a portable input. The share, lead and agent count of the earlier files did worse.

When the inputs do not beat a constant in a nested cross-validation of the calibration rows, the
calibration *is* that constant (the out-of-fold hit rate), so a confidence never claims to separate
what it cannot. :func:`reliability` and :func:`brier` check it on held-out runs. Files written with
the older inputs (``share``, ``margin``, ``log_agents``) still load and predict as they did.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ..exceptions import FormatError

_INPUTS = ("log_mass", "log_agents")
_V2_INPUTS = ("share", "margin", "log_agents")  # the v2 pretrained model's file
_OLD_INPUTS = ("share", "margin")  # version-1 files of the first release
_MASS_CLIP = 0.05  # log-odds within ±2.9: one run's near-certain softmax must not make a near-certain verdict
_C = 1.0  # clip and C: Alg-Gen CV and the Alg-Gen → simulator transfer
_KNOWN = (_INPUTS, _V2_INPUTS, _OLD_INPUTS)
_MONOTONE = ("share", "margin", "log_mass")  # more of these must never lower the confidence


def margins(agents: pd.DataFrame) -> np.ndarray:
    """Each agent's share minus the best share of the other agents of its run (top: its lead)."""
    first = agents.groupby("run_id")["share"].transform("max")
    ranked = agents.sort_values(["run_id", "share"], ascending=[True, False], kind="stable")
    second = ranked.groupby("run_id")["share"].nth(1)
    second = (
        agents["run_id"]
        .map(pd.Series(second.to_numpy(), index=ranked.loc[second.index, "run_id"]))
        .fillna(0.0)
    )
    other_best = np.where(agents["share"] >= first, second, first)
    return (agents["share"] - other_best).to_numpy(dtype=np.float64)


def agent_evidence(steps: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """``agents`` with ``mass`` taken from the run's scored moves.

    ``steps`` holds run_id, agent and logit (the scorer's log-odds per move); ``mass`` is the sum
    of the agent's moves' softmax weights within the run.
    """
    s = steps[["run_id", "agent", "logit"]].assign(agent=steps["agent"].fillna("<none>"))
    w = np.exp(s["logit"] - s.groupby("run_id")["logit"].transform("max"))
    s = s.assign(w=w / w.groupby(s["run_id"]).transform("sum"))
    mass = s.groupby(["run_id", "agent"])["w"].sum()
    key = pd.MultiIndex.from_arrays([agents["run_id"], agents["agent"].fillna("<none>")])
    return agents.assign(mass=mass.reindex(key).fillna(0.0).to_numpy())


def inputs(agents: pd.DataFrame) -> pd.DataFrame:
    """The calibration inputs of every agent row: share, margin, log_agents (agents in its run),
    and, when ``agents`` went through :func:`agent_evidence`, log_mass."""
    out = pd.DataFrame(
        {
            "share": agents["share"].to_numpy(dtype=np.float64),
            "margin": margins(agents),
            "log_agents": np.log(
                agents.groupby("run_id")["agent"].transform("size").to_numpy(dtype=np.float64)
            ),
        },
        index=agents.index,
    )
    if "mass" in agents.columns:
        m = np.clip(agents["mass"].to_numpy(dtype=np.float64), _MASS_CLIP, 1 - _MASS_CLIP)
        out["log_mass"] = np.log(m / (1 - m))
    return out


def calibration_rows(agents: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The top agent of each scored run: its inputs and y (it is a labelled culprit)."""
    rows = pd.concat([agents[["run_id", "agent"]], inputs(agents)], axis=1)[(agents["rank"] == 1).to_numpy()]
    culprits = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    rows["y"] = [(r, a) in culprits for r, a in zip(rows["run_id"], rows["agent"], strict=True)]
    return rows.reset_index(drop=True)


class PlattCalibration:
    """P(the top agent is the culprit) = sigmoid(w · inputs + b).

    Fitted on the top agent of each held-out run (what a verdict reports); applied to other
    agents too.

    Parameters
    ----------
    coef : sequence of floats
        Weights of the inputs (all 0 when the calibration fell back to a constant).
    intercept : float
        The bias.
    n_rows : int
        Agent rows it was fitted on.
    names : sequence of str
        The inputs ``coef`` weighs: log_mass and log_agents (files of earlier versions: share,
        margin and log_agents, or share and margin).
    constant : bool
        The inputs did not beat a constant in the nested check, so every verdict gets the
        out-of-fold hit rate.
    """

    def __init__(
        self, coef: Any, intercept: float, n_rows: int = 0, names: Any = _INPUTS, constant: bool = False
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.n_rows = int(n_rows)
        self.names = tuple(names)
        self.constant = bool(constant)

    @staticmethod
    def _logistic(M: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, float]:
        # A higher mass (or share, lead) must not lower the confidence: scores pooled over several
        # held-out systems can say so (a system where the model is confident and wrong), and a user
        # would rightly distrust it. Such an input is dropped (weight 0) and the rest refitted.
        use = np.ones(len(names), dtype=bool)
        while True:
            if not use.any():  # every input pointed the wrong way: the hit rate alone
                rate = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
                return np.zeros(len(names)), float(np.log(rate / (1 - rate)))
            lr = LogisticRegression(C=_C, max_iter=1000).fit(M[:, use], y)
            coef = np.zeros(len(names))
            coef[use] = lr.coef_[0]
            wrong = [i for i, n in enumerate(names) if n in _MONOTONE and use[i] and coef[i] < 0]
            if not wrong:
                return coef, float(lr.intercept_[0])
            use[wrong[0]] = False

    @classmethod
    def fit(
        cls, rows: pd.DataFrame, n_splits: int = 5, random_state: int | None = 0
    ) -> PlattCalibration | None:
        """Fit on :func:`calibration_rows` (None when they hold only one class).

        The logistic fit is kept only if, in a ``n_splits``-fold cross-validation of the rows
        themselves, its Brier score beats that of a constant at the training folds' hit rate;
        otherwise the calibration is that constant (``constant=True``).
        """
        y = rows["y"].to_numpy(dtype=bool)
        if y.all() or not y.any():
            return None
        M = np.nan_to_num(rows[list(_INPUTS)].to_numpy(dtype=np.float64))
        rate = float(y.mean())
        const = cls(
            np.zeros(len(_INPUTS)), float(np.log(rate / (1 - rate))), len(rows), _INPUTS, constant=True
        )
        fold = np.random.default_rng(random_state).permutation(len(y)) % n_splits
        p_fit, p_const = np.full(len(y), rate), np.full(len(y), rate)
        for f in range(n_splits):
            tr, te = fold != f, fold == f
            if y[tr].all() or not y[tr].any() or not te.any():
                continue
            coef, b = cls._logistic(M[tr], y[tr], _INPUTS)
            p_fit[te] = 1.0 / (1.0 + np.exp(-(M[te] @ coef + b)))
            p_const[te] = y[tr].mean()
        if brier(p_fit, y) >= brier(p_const, y):
            return const
        coef, b = cls._logistic(M, y, _INPUTS)
        return cls(coef, b, len(rows), _INPUTS)

    def predict(self, agents: pd.DataFrame) -> np.ndarray:
        """Calibrated probability for each agent row of a ranked agent table (run_id, agent, share;
        and mass from :func:`agent_evidence` for the current inputs)."""
        M = np.nan_to_num(inputs(agents)[list(self.names)].to_numpy(dtype=np.float64))
        return 1.0 / (1.0 + np.exp(-(M @ self.coef + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "inputs": list(self.names),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "n_rows": self.n_rows,
            "constant": self.constant,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlattCalibration:
        """Inverse of :meth:`to_dict`."""
        try:
            names = tuple(d["inputs"])
            if names not in _KNOWN or len(d["coef"]) != len(names):
                raise FormatError(f"calibration inputs {d['inputs']} are not {list(_INPUTS)}")
            return cls(
                [float(c) for c in d["coef"]],
                float(d["intercept"]),
                int(d.get("n_rows", 0)),
                names,
                bool(d.get("constant", False)),
            )
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
    out = df.groupby("bin").agg(
        runs=("accuracy", "size"), confidence=("confidence", "mean"), accuracy=("accuracy", "mean")
    )
    return out.reset_index()


def brier(confidence: np.ndarray, correct: np.ndarray) -> float:
    """Mean squared error between confidence and correctness (0 is perfect; 0.25 is a coin at 0.5)."""
    confidence = np.asarray(confidence, dtype=float)
    return (
        float(np.mean((confidence - np.asarray(correct, dtype=float)) ** 2))
        if len(confidence)
        else float("nan")
    )
