"""Reliability of step confidence against run outcomes (scikit-learn's calibration_curve)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve

from ..exceptions import InvalidParameterError

_SQL = """
SELECT s.confidence, r.outcome = 'success' AS succeeded
FROM steps s JOIN runs r ON r.run_id = s.run_id AND r.outcome IN ('success', 'failure')
WHERE s.confidence IS NOT NULL AND s.confidence BETWEEN 0 AND 1
"""


def confidence_calibration(ws: Any, n_bins: int = 10, strategy: str = "quantile") -> pd.DataFrame:
    """How often runs succeed among steps of a given confidence: one row per bin with
    ``mean_confidence``, ``success_rate``, ``steps`` and the gap between the two. A calibrated
    confidence has ``success_rate ≈ mean_confidence``. Runs of unknown outcome are left out."""
    if n_bins < 2:
        raise InvalidParameterError(f"'n_bins' must be >= 2 (got {n_bins})")
    data = ws.con.cursor().execute(_SQL).fetchnumpy()
    conf = np.asarray(data["confidence"], dtype=float)
    if conf.size == 0:
        raise InvalidParameterError(
            "no step in this store has a confidence (no token log-probabilities or workbench.confidence "
            "in the logs): see workbench.available_signals(ws) for the signals it has")
    y = np.asarray(data["succeeded"], dtype=bool)
    if y.all() or not y.any():
        raise InvalidParameterError("calibration needs runs of both outcomes (success and failure)")
    rate, mean = calibration_curve(y, conf, n_bins=n_bins, strategy=strategy)
    edges = (np.unique(np.quantile(conf, np.linspace(0, 1, n_bins + 1))) if strategy == "quantile"
             else np.linspace(0, 1, n_bins + 1))
    counts = np.histogram(conf, bins=edges)[0]
    counts = counts[counts > 0]
    frame = pd.DataFrame({"mean_confidence": mean, "success_rate": rate})
    if len(counts) == len(frame):
        frame["steps"] = counts
    frame["gap"] = frame["success_rate"] - frame["mean_confidence"]
    return frame
