"""Reliability of step confidence against run outcomes (scikit-learn's calibration_curve)."""

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
    # (checked before the store is read: a bad strategy was said by scikit-learn's calibration_curve, after it, or
    # not at all on a store without confidences; n_bins "3" raised a TypeError, 2.5 was taken)
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
    # here, not at import: scikit-learn (and the scipy.stats it loads) is a second or more of every import of
    # workbench.widgets, workbench.thresholds and the policy's limits, which need it only here
    from sklearn.calibration import calibration_curve

    rate, mean = calibration_curve(y, conf, n_bins=n_bins, strategy=strategy)
    edges = (
        np.unique(np.quantile(conf, np.linspace(0, 1, n_bins + 1)))
        if strategy == "quantile"
        else np.linspace(0, 1, n_bins + 1)
    )
    counts = np.histogram(conf, bins=edges)[0]
    counts = counts[counts > 0]
    frame = pd.DataFrame({"mean_confidence": mean, "success_rate": rate})
    if len(counts) == len(frame):
        frame["steps"] = counts
    frame["gap"] = frame["success_rate"] - frame["mean_confidence"]
    frame.attrs["counting"] = COUNTING[silent]
    return frame
