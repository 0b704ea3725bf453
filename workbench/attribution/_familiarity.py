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

The shrink keeps the confidence on its side of 0.5, so it cannot make a verdict say "uncertain": on
systems the shipped model never saw (ADK, Strands, Haystack traces) it said 0.50-0.51 and "sure". What a
user reads instead is :meth:`Familiarity.familiarity`: the share of the model's own training runs that
lie at least as far out as the run (1: as typical as its most typical training runs; 0.05: further out
than 95 % of them; 0: further out than all). It is a rank among the training runs, so it means the same
for every model whatever its training mix, and a threshold on it (``BlameModel(unfamiliar_below=...)``)
chosen on leave-one-system-out models carries over to the shipped one. (None passed its declared test, so the
threshold is off by default: :mod:`._unfamiliar`.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import FormatError

_CLIP = 10.0
_KEYS = ("median", "mean", "scale")
# the training runs' distances are kept as this many evenly spaced quantiles (0 %, 0.5 %, ..., 100 %)
_N_QUANTILES = 201


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
        How fast the confidence falls toward 0.5 with the excess distance (> 0; 0: no shrink).
    quantiles : array-like of float or None
        The training runs' distances at evenly spaced quantiles (ascending), from which
        :meth:`familiarity` ranks a run; None (a model file from before they were kept): unknown.
    """

    def __init__(
        self, median: Any, mean: Any, scale: Any, reference: float, shrink_scale: float, quantiles: Any = None
    ) -> None:
        self.median = np.asarray(median, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.reference = float(reference)
        self.shrink_scale = float(shrink_scale)
        self.quantiles = None if quantiles is None else np.asarray(quantiles, dtype=np.float64)

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
        out.quantiles = np.quantile(d.to_numpy(), np.linspace(0.0, 1.0, _N_QUANTILES)) if len(d) else None
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
        """Per run, the factor (0, 1] its confidence's log-odds are multiplied by (1 without a shrink)."""
        return self.weight_of(self.distance(M, runs))

    def weight_of(self, d: pd.Series) -> pd.Series:
        """:meth:`weight` of the runs whose :meth:`distance` is ``d``."""
        if not self.shrink_scale > 0:
            return pd.Series(1.0, index=d.index)
        return np.exp(-np.maximum(0.0, d / self.reference - 1.0) / self.shrink_scale)

    def familiarity(self, M: np.ndarray, runs: np.ndarray) -> pd.Series:
        """Per run, the share in [0, 1] of the training runs at least as far out as it (NaN: not known)."""
        return self.familiarity_of(self.distance(M, runs))

    def familiarity_of(self, d: pd.Series) -> pd.Series:
        """:meth:`familiarity` of the runs whose :meth:`distance` is ``d``."""
        if self.quantiles is None or not len(self.quantiles):
            return pd.Series(np.nan, index=d.index)
        # the share of the training runs strictly nearer, read off the quantiles (to 1 / 200); a run at the
        # distance of many training runs (a flat stretch of quantiles) counts from the stretch's start
        nearer = np.searchsorted(self.quantiles, d.to_numpy(), side="left") / max(len(self.quantiles) - 1, 1)
        return pd.Series(np.clip(1.0 - nearer, 0.0, 1.0), index=d.index)

    @staticmethod
    def shrink(confidence: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """``sigmoid(weight * logit(confidence))``: toward 0.5, on the same side of it."""
        p = np.clip(np.asarray(confidence, dtype=np.float64), 1e-9, 1 - 1e-9)
        return 1.0 / (1.0 + np.exp(-np.asarray(weight, dtype=np.float64) * np.log(p / (1 - p))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        out = {
            **{k: getattr(self, k).tolist() for k in _KEYS},
            "reference": self.reference,
            "shrink_scale": self.shrink_scale,
        }
        if self.quantiles is not None:
            out["quantiles"] = self.quantiles.tolist()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any], n_features: int) -> Familiarity:
        """Inverse of :meth:`to_dict`, checking the arrays against the model's ``n_features``."""
        try:
            arrays = [np.asarray(d[k], dtype=np.float64) for k in _KEYS]
            if any(a.ndim != 1 or len(a) != n_features for a in arrays):
                raise FormatError(f"familiarity arrays are not {n_features} long")
            ref, scale = float(d["reference"]), float(d["shrink_scale"])
            if (
                not all(np.isfinite(a).all() for a in arrays)
                or (arrays[2] <= 0).any()
                or not ref > 0
                or not scale >= 0
            ):
                raise FormatError("familiarity holds non-finite or non-positive values")
            # files before the quantiles were kept: familiarity unknown, the shrink as it was fitted
            q = d.get("quantiles")
            if q is not None:
                q = np.asarray(q, dtype=np.float64)
                if q.ndim != 1 or len(q) < 2 or not np.isfinite(q).all() or (np.diff(q) < 0).any():
                    raise FormatError("familiarity quantiles are not an ascending list of finite numbers")
            return cls(*arrays, ref, scale, q)
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not a familiarity: {exc}") from exc


def unfamiliar(verdict: pd.DataFrame, agents: pd.DataFrame, below: float) -> pd.DataFrame:
    """``verdict`` (BlameModel.predict's table) with ``familiarity`` (its run's, from ``agents``; NaN: not
    known) and ``unfamiliar`` (familiarity below ``below``), and ``uncertain`` also where ``unfamiliar``."""
    out = verdict.copy()
    per_run = (
        agents.drop_duplicates("run_id").set_index("run_id")["familiarity"]
        if "familiarity" in agents
        else pd.Series(dtype=np.float64)
    )
    out["familiarity"] = out["run_id"].map(per_run).astype(np.float64)
    out["unfamiliar"] = (out["familiarity"] < below).fillna(False).astype(bool)
    out["uncertain"] = out["uncertain"].fillna(False).astype(bool) | out["unfamiliar"]
    return out
