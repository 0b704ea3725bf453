"""Unsupervised adaptation to the system being investigated: which of its agents tends to be blamed.

A system's culprits are not spread evenly over its agents: in Who&When Algorithm-Generated the
agent that speaks first is the culprit in half the runs, in the simulator a fifth. Such a prior is
a fact about one system, so a model trained elsewhere cannot know it -- but the user's own
unlabelled runs of the system can reveal it. This is label-shift adaptation (Saerens, Latinne and
Decaestecker, "Adjusting the outputs of a classifier to new a priori probabilities", Neural
Computation 2002), with the run's agents as the classes:

- each run's agents get a posterior from the scorer: a softmax over their scores (the best move's
  log-odds, as the agents are ranked);
- an agent *name* of the system gets a log-offset ``o_k = log((S_k + tau) / (U_k + tau))``, where
  ``S_k`` is the expected number of runs it is the culprit of (the sum of its adjusted posteriors)
  and ``U_k`` the number it would be culprit of if every run's agents were equally likely
  (``sum over runs of 1 / agents in the run``); ``tau`` pseudo-runs keep a name seen in a few runs
  near 0;
- the posteriors are recomputed with the offsets, until they settle (EM).

The offset of a name is added to the log-odds of each of its moves, so the decisive step and the
culprit agent can change. No label is read: only the scores of the runs being attributed, grouped
by their system. A name seen in one run only gets an offset that keeps its run's order of agents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_MAX_ITER = 200
_TOL = 1e-7


def _system_offsets(run: np.ndarray, name: np.ndarray, score: np.ndarray, tau: float) -> dict[object, float]:
    """Offsets of one system's agent names from the (run, name, score) rows of its candidate agents."""
    runs, r = np.unique(run, return_inverse=True)
    names, k = np.unique(name, return_inverse=True)
    per_run = np.bincount(r, minlength=len(runs)).astype(np.float64)
    neutral = np.bincount(k, weights=1.0 / per_run[r], minlength=len(names))
    offset = np.zeros(len(names))
    for _ in range(_MAX_ITER):
        z = score + offset[k]
        z = z - pd.Series(z).groupby(r).transform("max").to_numpy()
        w = np.exp(z)
        p = w / np.bincount(r, weights=w, minlength=len(runs))[r]
        new = np.log((np.bincount(k, weights=p, minlength=len(names)) + tau) / (neutral + tau))
        new -= new.mean()   # only differences between names matter; keep the offsets centred
        done = np.abs(new - offset).max() < _TOL
        offset = new
        if done:
            break
    return dict(zip(names.tolist(), offset.tolist(), strict=True))


def prior_offsets(steps: pd.DataFrame, systems: pd.Series, tau: float = 1.0, talkers_only: bool = False) -> np.ndarray:
    """Log-odds to add to each move so its agent's score reflects the system's estimated prior.

    Parameters
    ----------
    steps : pandas.DataFrame
        run_id, agent, kind and logit of every scored move.
    systems : pandas.Series
        The system of each move's run (aligned with ``steps``); runs are adapted per system.
    tau : float
        Pseudo-runs at the even prior (> 0).
    talkers_only : bool
        Count as candidates only agents with a turn of their own, as ``rank_agents`` does.

    Returns
    -------
    numpy.ndarray
        One offset per row of ``steps`` (0 for an agent that is no candidate).
    """
    if not len(steps):
        return np.zeros(0)
    agent = steps["agent"].fillna("<none>").to_numpy(dtype=object)
    frame = pd.DataFrame({"run": steps["run_id"].to_numpy(dtype=object), "agent": agent,
                          "system": systems.fillna("").to_numpy(dtype=object),
                          "logit": steps["logit"].to_numpy(dtype=np.float64),
                          "talks": ~steps["kind"].isin(("tool", "retriever", "human")).to_numpy()})
    cand = frame.groupby(["system", "run", "agent"], sort=False).agg(score=("logit", "max"), talks=("talks", "any"))
    cand = cand.reset_index()
    if talkers_only:
        has = cand.groupby("run")["talks"].transform("any")
        cand = cand[cand["talks"] | ~has]
    out = np.zeros(len(frame))
    for system, c in cand.groupby("system", sort=False):
        off = _system_offsets(c["run"].to_numpy(dtype=object), c["agent"].to_numpy(dtype=object),
                              c["score"].to_numpy(dtype=np.float64), tau)
        rows = (frame["system"] == system).to_numpy()
        out[rows] = frame.loc[rows, "agent"].map(off).fillna(0.0).to_numpy(dtype=np.float64)
    return out
