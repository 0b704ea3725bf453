"""One per-move fit per training system, their coefficients combined: ``BlameModel(system_fits=...)``.

Why: a fit pooled over several systems learns a direction that one or two of them carry strongly as if it held
everywhere, and on a system it never saw that direction may point the other way. Each system fitted alone (on the
pooled fit's imputation and standardisation, so the coefficients are on one scale) and the coefficients combined
element-wise keeps what most systems agree on: the mean averages a one-system direction down, the median ignores
it (bench/protocol_blame40.md). With one training system this is the pooled fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ._blame_params import run_weights
from ._linear import LinearScorer

SYSTEM_FITS = ("mean", "median")


def combine_system_fits(
    pooled: LinearScorer,
    M: np.ndarray,
    y: np.ndarray,
    system: pd.Series,
    run_id: pd.Series,
    run_weight: float,
    C: float,
    how: str,
) -> LinearScorer:
    """``pooled`` with its coefficients replaced by the ``how`` (mean, median) of one fit per system of ``system``.

    Each system's fit weighs its moves by ``run_weight`` within the system, scaled to the pooled fit's total weight
    so the penalty ``1 / C`` means the same in every fit; the intercept stays the pooled one. A system whose moves
    are all culprits or none teaches nothing and is left out; with fewer than two systems left, ``pooled``."""
    key = system.fillna("").astype(str).to_numpy()
    run_id = run_id.reset_index(drop=True)
    Z = pooled._z(M)
    coefs = []
    for s in sorted(set(key)):
        k = key == s
        if y[k].all() or not y[k].any():
            continue
        w = (
            run_weights(run_id[k].reset_index(drop=True), y[k], run_weight)
            if run_weight
            else np.ones(int(k.sum()))
        )
        w = w * (len(M) / w.sum())
        coefs.append(LogisticRegression(C=C, max_iter=5000).fit(Z[k], y[k], sample_weight=w).coef_[0])
    if len(coefs) < 2:
        return pooled
    coef = np.mean(coefs, axis=0) if how == "mean" else np.median(coefs, axis=0)
    return LinearScorer(pooled.median, pooled.mean, pooled.scale, coef, pooled.intercept)
