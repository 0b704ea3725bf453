"""Features whose evidence points the same way in every system: what a model for an unseen system keeps.

A feature can be portable in the sense that any log has it (a move's position, whether it is the
last one, who spoke first) and still mean opposite things in two systems: in Who&When
Algorithm-Generated the move that first states the final answer's number is often the culprit, in
the procurement simulator it rarely is. A model fitted on one system learns such a feature's sign
from that system alone, and on a third system it is a coin flip whether the sign holds.

:func:`invariant_features` fits the per-move scorer on each system of the labelled runs on its
own and keeps a feature only when no two systems give it clearly opposite weights (the product of
the two standardised weights below ``-tol``). A feature one system never varies gets weight 0
there and so no veto. This is the sign-agreement half of invariant causal prediction: a direction
that held in two different systems is the better bet for the next one.

Measured (``bench/attribution_logonly.py``, the "invariant features" rows), and **not** used by the
shipped model: with the features kept against the simulator (``tol`` 0.01, chosen among five values
on these two settings), a model fitted on Who&When Algorithm-Generated alone kept its 5-fold CV agent
accuracy (65.1 %, step 48.4 -> 45.2 %) and did better on simulator runs held out from the check
(agent 52.6 -> 57.2 %, step 7.4 -> 24.7 %), but on Who&When Hand-Crafted, a real system neither fit
saw, it lost (agent 51.7 -> 37.9 %, step 12.1 -> 5.2 %): agreement with a simulator did not pick the
features that carry over to another real system. Kept as a tool (with two or more *real* labelled
systems the check may mean more) and to reproduce that result; not exported at the top level.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError, WorkbenchError
from ._heuristics import culprit_labels

TOL = 0.01  # weights are those of C = 0.1 on standardised features; |w| below ~0.1 is weak evidence


def invariant_features_frame(
    X: pd.DataFrame,
    labels: pd.DataFrame,
    features: str | list[str] | None = "portable",
    tol: float = TOL,
    C: float = 0.1,
) -> list[str]:
    """:func:`invariant_features` on a feature table of :meth:`BlameModel.frame` (with ``system``).

    Returns
    -------
    list of str
        The features of ``features`` kept, in the model's order.
    """
    from ._blame_model import BlameModel

    if not (isinstance(tol, (int, float)) and not isinstance(tol, bool) and tol >= 0):
        raise InvalidParameterError(f"tol must be a float >= 0 (got {tol!r})")
    if "system" not in X.columns:
        raise InvalidParameterError("the feature table has no 'system' column: make it with BlameModel.frame")
    systems = X["system"].fillna("")
    labelled = set(labels["run_id"])
    names = sorted(s for s in systems.unique() if X.loc[systems == s, "run_id"].isin(labelled).any())
    if len(names) < 2:
        raise WorkbenchError(
            f"the labelled runs span {len(names)} system(s): comparing weights needs at least 2 "
            "(runs.system names a run's system)"
        )
    template = BlameModel(features=features, C=C, calibration_cv=None, detect=False)
    wanted = template._feature_list()
    weights = {}
    for s in names:
        part = X[(systems == s).to_numpy()]
        m = BlameModel(**template.get_params()).fit_frame(part, labels[labels["run_id"].isin(part["run_id"])])
        w = pd.Series(m.step_model_.coef, index=list(m.feature_names_in_))
        weights[s] = w.reindex(wanted).fillna(0.0)  # a feature the system never gives: no evidence either way
    W = pd.DataFrame(weights)
    veto = np.zeros(len(W), dtype=bool)
    for a, b in combinations(names, 2):
        veto |= (W[a] * W[b] < -tol).to_numpy()
    return [f for f, v in zip(W.index, veto, strict=True) if not v]


def invariant_features(
    ws,
    run_ids: Iterable[str] | None = None,
    features: str | list[str] | None = "portable",  # noqa: ANN001
    tol: float = TOL,
    C: float = 0.1,
    detect: str | bool = "auto",
) -> list[str]:
    """Features whose fitted weights agree in sign across the systems of labelled runs.

    Parameters
    ----------
    ws : Workspace
        Store with labelled failed runs of at least two systems (``runs.system``).
    run_ids : iterable of str, optional
        Runs to compare on (default: every failed run with a culprit label).
    features : None, "portable" or list of str
        The candidates (as :class:`BlameModel`'s ``features``).
    tol : float
        A feature is dropped when two systems' standardised weights multiply to less than
        ``-tol`` (0: any disagreement drops it).
    C : float
        Inverse L2 strength of the per-system linear fits.
    detect : {"auto", True, False}
        Whether detector findings are computed first (as :class:`BlameModel`'s ``detect``).

    Returns
    -------
    list of str
        Feature names, for ``BlameModel(features=...)``.

    Examples
    --------
    With ``ws`` holding labelled failed runs of two systems (say Who&When Algorithm-Generated and
    the simulator), fit on one system with the features both agree on::

        keep = wb.invariant_features(ws)
        model = wb.BlameModel(features=keep).fit(ws, runs_of_one_system)
    """
    from ._blame_model import BlameModel

    labels = culprit_labels(ws, run_ids)
    if labels.empty:
        raise WorkbenchError("no failed run with a culprit label to compare systems on")
    X = BlameModel(features=features, detect=detect).frame(ws, labels["run_id"].unique().tolist())
    return invariant_features_frame(X, labels, features, tol, C)
