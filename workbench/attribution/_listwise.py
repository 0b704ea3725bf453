"""A run-level (listwise) fit of a linear move scorer: the softmax over each run's moves should put its mass on the
labelled culprit step.

Why beside the per-move logistic fit: that one asks of every move alone "is this the culprit step?", across pooled
runs, while the verdict only compares a run's moves with each other. A listwise objective asks exactly that, so
what is constant within a run (its length, how many agents it has, its system) drops out of it. Alone it names
agents well off-system but loses the decisive step within a system (bench/protocol_blame26.md, L1); blended into
the per-move coefficients it moves the agent choice (bench/protocol_blame28.md, B2; bench/protocol_blame30.md).

Objective (blame26's L1): ``C · Σ_r w_r · −log Σ_{labelled m ∈ r} softmax_r(Z β + offset)_m + ½‖β‖²``, no intercept
(it would cancel within a run), minimised by L-BFGS with the exact gradient from β = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ._blame_params import system_weights


def run_terms(
    s: np.ndarray, pos: np.ndarray, g: np.ndarray, starts: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Σ_r w_r · −log Σ_{labelled m} softmax_r(s)_m and its gradient in ``s`` (rows grouped by run: ``g`` is each
    row's run index, ``starts`` each run's first row)."""
    s = s - np.maximum.reduceat(s, starts)[g]
    e = np.exp(s)
    d_all = np.add.reduceat(e, starts)
    d_pos = np.add.reduceat(e * pos, starts)
    loss = float((w * (np.log(d_all) - np.log(d_pos))).sum())
    return loss, w[g] * (e / d_all[g] - pos * e / d_pos[g])


def fit_listwise(
    Z: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    run_id: pd.Series,
    order: np.ndarray,
    system: pd.Series | None,
    C: float,
) -> np.ndarray:
    """β of the listwise objective over standardised features ``Z``.

    ``order`` sorts the rows by run then position; every run must have a labelled move (``y``). Runs are weighed
    alike within a system, each system the same total (``system``; None: every run alike), scaled so the weights sum
    to the number of rows: the data term weighs what the per-move fit's does at the same ``C``.
    """
    # Column-major, as a DataFrame's values come: the objective is flat in some directions, and the summation order
    # of another layout moves L-BFGS's stopping point by ~1e-3 (one AEGIS run of 150 flipped in a held-out fit).
    Z, y, offset = np.asfortranarray(Z[order]), np.asarray(y, dtype=np.float64)[order], offset[order]
    g = pd.factorize(run_id.iloc[order])[0]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    if len(np.unique(g)) != len(starts):
        raise ValueError("rows are not grouped by run")
    if (np.add.reduceat(y, starts) <= 0).any():
        raise ValueError("a run has no labelled move")
    w = (
        system_weights(system.iloc[order].iloc[starts].reset_index(drop=True), None)
        if system is not None
        else np.ones(len(starts))
    )
    w = np.asarray(w, dtype=np.float64)
    w = w / w.sum() * len(Z)

    def f(beta: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gs = run_terms(Z @ beta + offset, y, g, starts, w)
        return C * loss + 0.5 * beta @ beta, C * (Z.T @ gs) + beta

    return minimize(f, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x
