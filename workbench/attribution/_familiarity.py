"""How unlike its training runs a run is, and the confidence shrink that follows from it.

A calibration fitted on one system's held-out runs knows that system's hit rate; on a system the
model never saw it keeps claiming it. Trained on the simulator and scored on Who&When
Algorithm-Generated, the calibrated confidence averaged 0.78 where the verdicts were right 49 % of
the time (Brier 0.445 against 0.250 for a constant). The model cannot know another system's hit
rate, but it can see that a run does not look like the runs it learned from, and say less.

:class:`Familiarity` measures, per run, the mean absolute standardised value of its moves'
features (standardised by the training moves; clipped at 10 so one wild feature does not decide),
relative to the median training run's. A run further out than that has its calibrated log-odds
multiplied by ``exp(-(distance / median - 1) / scale)``: the confidence moves toward 0.5 (it keeps
its side of 0.5, so the "uncertain" flag does not change), by more the further out the run is.

``scale`` = 0.1 and the median as reference were chosen without Hand-Crafted, by the mean Brier
excess over a constant that knows the held-out hit rate, over Algorithm-Generated 5-fold CV,
Algorithm-Generated -> two simulator samples and simulator -> Algorithm-Generated
(``bench/attribution_variants.py --calibration``): excess +0.052 unshrunk, +0.0006 shrunk.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import FormatError

_CLIP = 10.0
_KEYS = ("median", "mean", "scale")


class Familiarity:
    """Per-run distance from the training moves, and the log-odds shrink it drives.

    Parameters
    ----------
    median, mean, scale : array-like of float
        Per feature: the training median (imputes a missing value), mean and standard deviation
        (of the imputed values).
    reference : float
        The median training run's distance.
    shrink_scale : float
        How fast the confidence falls toward 0.5 with the excess distance (> 0).
    """

    def __init__(self, median: Any, mean: Any, scale: Any, reference: float, shrink_scale: float) -> None:
        self.median = np.asarray(median, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.reference = float(reference)
        self.shrink_scale = float(shrink_scale)

    @classmethod
    def fit(cls, M: np.ndarray, runs: np.ndarray, shrink_scale: float) -> Familiarity:
        """Standardise on the training moves ``M`` (rows of runs ``runs``); reference: their median run."""
        M = np.asarray(M, dtype=np.float64)
        with np.errstate(all="ignore"):
            median = np.nanmedian(np.where(np.isnan(M).all(axis=0), 0.0, M), axis=0)
        median = np.nan_to_num(median)
        Z = np.where(np.isnan(M), median, M)
        scale = Z.std(axis=0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        out = cls(median, Z.mean(axis=0), scale, 1.0, shrink_scale)
        d = out.distance(M, runs)
        out.reference = float(np.median(d)) if len(d) and np.median(d) > 0 else 1.0
        return out

    def distance(self, M: np.ndarray, runs: np.ndarray) -> pd.Series:
        """Mean over a run's moves of the mean absolute standardised feature value, per run."""
        M = np.asarray(M, dtype=np.float64)
        if M.ndim != 2 or M.shape[1] != len(self.mean):
            raise ValueError(f"M has shape {M.shape}; this familiarity takes {len(self.mean)} features")
        Z = np.abs((np.where(np.isnan(M), self.median, M) - self.mean) / self.scale)
        per_move = np.minimum(Z, _CLIP).mean(axis=1) if M.shape[1] else np.zeros(len(M))
        return pd.Series(per_move).groupby(np.asarray(runs, dtype=object)).mean()

    def weight(self, M: np.ndarray, runs: np.ndarray) -> pd.Series:
        """Per run, the factor (0, 1] its confidence's log-odds are multiplied by."""
        excess = np.maximum(0.0, self.distance(M, runs) / self.reference - 1.0)
        return np.exp(-excess / self.shrink_scale)

    @staticmethod
    def shrink(confidence: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """``sigmoid(weight * logit(confidence))``: toward 0.5, on the same side of it."""
        p = np.clip(np.asarray(confidence, dtype=np.float64), 1e-9, 1 - 1e-9)
        return 1.0 / (1.0 + np.exp(-np.asarray(weight, dtype=np.float64) * np.log(p / (1 - p))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {**{k: getattr(self, k).tolist() for k in _KEYS}, "reference": self.reference,
                "shrink_scale": self.shrink_scale}

    @classmethod
    def from_dict(cls, d: dict[str, Any], n_features: int) -> Familiarity:
        """Inverse of :meth:`to_dict`, checking the arrays against the model's ``n_features``."""
        try:
            arrays = [np.asarray(d[k], dtype=np.float64) for k in _KEYS]
            if any(a.ndim != 1 or len(a) != n_features for a in arrays):
                raise FormatError(f"familiarity arrays are not {n_features} long")
            ref, scale = float(d["reference"]), float(d["shrink_scale"])
            if not all(np.isfinite(a).all() for a in arrays) or (arrays[2] <= 0).any() or not ref > 0 \
                    or not scale > 0:
                raise FormatError("familiarity holds non-finite or non-positive values")
            return cls(*arrays, ref, scale)
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not a familiarity: {exc}") from exc
