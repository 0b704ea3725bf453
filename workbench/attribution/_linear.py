"""A regularised logistic regression over standardised features, kept as plain arrays.

Why a linear scorer beside the trees: with a hundred labelled runs the trees learn the training
system's quirks, while a strongly regularised linear model keeps to the few directions that hold
everywhere ("the move that first states the final answer's value", "the move a correction later
cites"). Measured on Who&When Algorithm-Generated, 5-fold CV by run: see ``bench/attribution_logonly.py``.

Missing values are imputed by the training median; every feature is standardised; SHAP values of
a linear model over (imputed, standardised) inputs are exact and need no shap call:
``coef * z`` per feature, with the intercept as base value (the training mean of ``z`` is 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from ..exceptions import FormatError

_KEYS = ("median", "mean", "scale", "coef")


class LinearScorer:
    """Log-odds = intercept + coef · ((impute(x) - mean) / scale)."""

    def __init__(self, median: Any, mean: Any, scale: Any, coef: Any, intercept: float) -> None:
        self.median = np.asarray(median, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.n_features = len(self.coef)

    @classmethod
    def fit(
        cls, X: np.ndarray, y: np.ndarray, C: float, sample_weight: np.ndarray | None = None
    ) -> LinearScorer:
        """Fit with L2 penalty ``1 / C`` (lbfgs; deterministic); ``sample_weight`` weighs the rows' losses."""
        X = np.asarray(X, dtype=np.float64)
        with np.errstate(all="ignore"):
            median = (
                np.nanmedian(np.where(np.isnan(X).all(axis=0), 0.0, X), axis=0)
                if len(X)
                else np.zeros(X.shape[1])
            )
        median = np.nan_to_num(median)
        Z = np.where(np.isnan(X), median, X)
        mean, scale = Z.mean(axis=0), Z.std(axis=0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        lr = LogisticRegression(C=C, max_iter=5000).fit((Z - mean) / scale, y, sample_weight=sample_weight)
        return cls(median, mean, scale, lr.coef_[0], lr.intercept_[0])

    def _z(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X has shape {X.shape}; this model takes {self.n_features} features")
        return (np.where(np.isnan(X), self.median, X) - self.mean) / self.scale

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Log-odds of each row."""
        return self._z(X) @ self.coef + self.intercept

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        """Exact SHAP values (n_samples, n_features) and the base value."""
        return self._z(X) * self.coef, self.intercept

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "kind": "linear",
            **{k: getattr(self, k).tolist() for k in _KEYS},
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinearScorer:
        """Inverse of :meth:`to_dict`, checking the arrays."""
        try:
            arrays = [np.asarray(d[k], dtype=np.float64) for k in _KEYS]
            if len({len(a) for a in arrays}) != 1 or arrays[0].ndim != 1:
                raise FormatError("linear model arrays differ in length")
            if not all(np.isfinite(a).all() for a in arrays) or (arrays[2] <= 0).any():
                raise FormatError("linear model arrays hold non-finite values or a non-positive scale")
            return cls(*arrays, float(d["intercept"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not a linear model: {exc}") from exc
