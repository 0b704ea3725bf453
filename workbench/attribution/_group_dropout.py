"""Feature-group dropout in the per-move fit: ``BlameModel(group_dropout=rho)``.

Why: a system the model never saw leaves whole groups of features silent or meaning something else (on each of the
six real systems other than Who&When's, 25 to 40 of the shipped model's 94 features have no value or one value;
on Algorithm-Generated, 10). A scorer fitted where every group speaks shares the credit between correlated features
of different groups as that system's data happen to, and on a system where one of them is silent the share it
carried is lost. Beside the training moves the fit sees one copy of them per feature group with that group silenced
(its features at their imputed, standardised value 0, as a feature no log gives), so it must also rank a run's
moves with each group missing (bench/protocol_blame41.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from ._linear import LinearScorer


def fit_group_dropout(
    base: LinearScorer,
    M: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    groups: Sequence[str],
    C: float,
    rho: float,
) -> LinearScorer:
    """``base`` refitted with one copy of the rows per group of ``groups`` (each column's group) silenced.

    The copies weigh ``rho`` of the rows ``w`` in all (``rho / G`` each, G groups), and every weight is scaled so
    their total is the rows' count: the data term weighs what ``base``'s does at the same ``C``. ``base``'s
    imputation and standardisation are kept. With one group there is nothing to drop: ``base``."""
    groups = np.asarray(groups, dtype=object)
    names = sorted(set(groups))
    if len(names) < 2:
        return base
    Z = base._z(M)
    w = np.ones(len(Z)) if w is None else np.asarray(w, dtype=np.float64)
    Zs, ws = [Z], [w]
    for g in names:
        silent = Z.copy()
        silent[:, groups == g] = 0.0
        Zs.append(silent)
        ws.append(w * rho / len(names))
    W = np.concatenate(ws)
    W = W / W.mean() * (len(Z) / len(W))
    lr = LogisticRegression(C=C, max_iter=5000).fit(np.vstack(Zs), np.tile(y, len(Zs)), sample_weight=W)
    return LinearScorer(base.median, base.mean, base.scale, lr.coef_[0], lr.intercept_[0])
