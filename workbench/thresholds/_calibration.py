"""Reliability of step confidence against run outcomes (the bins of scikit-learn's calibration_curve)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._params import integer_at_least
from ..exceptions import InvalidParameterError
from ..store._outcomes import COUNTING, learn_scope, learning, run_ids, silent_flag, with_run_outcomes
from ._runs_given import refuse_empty

# Outcomes from store/sql/run_outcomes.sql: $silent true counts the runs taken as failed; $learn_scoped: only the
# runs in _learn_scope have a known outcome (the others are left out, as runs of unknown outcome are).
_SQL = learning(
    with_run_outcomes("""
SELECT s.confidence, r.outcome = 'success' AS succeeded
FROM steps s JOIN {run_outcomes} r ON r.run_id = s.run_id AND r.outcome IN ('success', 'failure')
WHERE s.confidence IS NOT NULL AND s.confidence BETWEEN 0 AND 1
""")
)


def confidence_calibration(
    ws: Any, n_bins: int = 10, strategy: str = "quantile", silent: bool = True, runs: Any = None
) -> pd.DataFrame:
    """How often runs succeed among steps of a given confidence: one row per bin with
    ``mean_confidence``, ``success_rate``, ``steps`` and the gap between the two. A calibrated
    confidence has ``success_rate ≈ mean_confidence``. Runs of unknown outcome are left out.

    ``silent``: a run taken as failed (a silent failure: reported success, a critical
    ``silent_failure`` finding, no label) counts as failed, as ``workbench investigate``, the sweep and
    the backtest count it; ``False``: the stored outcome only. ``frame.attrs["counting"]`` says which.
    ``runs``: only these runs (ids, or a frame of ``ws.runs(...)``: one system's, as the ThresholdTuner picks it)."""
    silent = silent_flag(silent, "confidence_calibration")
    # (checked before the store is read: a bad strategy was said after it, or not at all on a store without
    # confidences; n_bins "3" raised a TypeError, 2.5 was taken)
    n_bins = integer_at_least(n_bins, "n_bins", 2)
    if strategy not in ("quantile", "uniform"):
        raise InvalidParameterError(f"strategy must be 'quantile' or 'uniform' (got {strategy!r})")
    runs = run_ids(ws, runs, "confidence_calibration")
    refuse_empty(ws, runs, "confidence_calibration")
    con = ws.con.cursor()
    try:
        scoped = learn_scope(con, runs)
        data = con.execute(_SQL, {"silent": silent, "learn_scoped": scoped}).fetchnumpy()
    finally:
        con.close()
    conf = np.asarray(data["confidence"], dtype=float)
    if conf.size == 0:
        raise InvalidParameterError(
            f"no step {'of the given runs' if runs is not None else 'in this store'} has a confidence (no token "
            "log-probabilities or workbench.confidence in the logs): see workbench.available_signals(ws) for the "
            "signals it has"
        )
    y = np.asarray(data["succeeded"], dtype=bool)
    if y.all() or not y.any():
        raise InvalidParameterError("calibration needs runs of both outcomes (success and failure)")
    rate, mean, steps = reliability_bins(y, conf, n_bins, strategy)
    frame = pd.DataFrame({"mean_confidence": mean, "success_rate": rate, "steps": steps})
    frame["gap"] = frame["success_rate"] - frame["mean_confidence"]
    frame.attrs["counting"] = COUNTING[silent]
    return frame


def reliability_bins(
    y: np.ndarray, conf: np.ndarray, n_bins: int, strategy: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bin of ``conf`` holding a step: the success rate of ``y``, the mean confidence and the steps. The bins
    of scikit-learn's ``calibration_curve`` (quantile: edges at ``np.percentile``; uniform: on [0, 1]; a value on an
    inner edge in the bin below), made here: importing scikit-learn, and the scipy it loads, cost the tuner and
    the widgets more than a second for these lines, and a bin's steps are counted by the same binning."""
    edges = (
        np.percentile(conf, np.linspace(0, 1, n_bins + 1) * 100)
        if strategy == "quantile"
        else np.linspace(0.0, 1.0, n_bins + 1)
    )
    ids = np.searchsorted(edges[1:-1], conf)
    total = np.bincount(ids, minlength=n_bins)
    kept = total != 0
    rate = np.bincount(ids, weights=y, minlength=n_bins)[kept] / total[kept]
    mean = np.bincount(ids, weights=conf, minlength=n_bins)[kept] / total[kept]
    return rate, mean, total[kept]
