"""Checks of BlameModel's parameters and the per-run weights of its fit (kept apart from the model itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .._params import is_integer, is_number


def _int_or_none(low: int) -> Callable[[Any], bool]:
    return lambda v: v is None or (is_integer(v) and v >= low)


def _real(low: float, high: float = np.inf, closed_low: bool = True) -> Callable[[Any], bool]:
    def ok(v: Any) -> bool:
        if not is_number(v):
            return False
        return (v >= low if closed_low else v > low) and v <= high

    return ok


def _int(low: int) -> Callable[[Any], bool]:
    return lambda v: is_integer(v) and v >= low


def run_weights(run_id: pd.Series, y: np.ndarray, power: float) -> np.ndarray:
    """Row weights: culprit steps 1, other moves ``(mean moves per run / the run's moves) ** power``.

    Scaled to mean 1, so the regularisation strength keeps its meaning. With ``power=1`` a run of n
    moves weighs about as much as any other however large n is (each of its moves counts 1 / n).
    """
    n = run_id.groupby(run_id).transform("size").to_numpy(dtype=np.float64)
    w = np.where(y, 1.0, (n.mean() / n) ** power)
    return w / w.mean()


def system_weights(system: pd.Series, w: np.ndarray | None) -> np.ndarray:
    """Row weights ``w`` (None: all 1) rescaled so each system's rows sum to the same total; mean 1.

    A run with no system (NaN) counts as a system of its own, the unnamed one."""
    base = np.ones(len(system)) if w is None else np.asarray(w, dtype=np.float64)
    key = system.fillna("").astype(str).to_numpy()
    totals = pd.Series(base).groupby(key).transform("sum").to_numpy()
    out = base / totals
    return out / out.mean()
