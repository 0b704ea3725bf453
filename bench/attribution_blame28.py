"""blame28's declared variants (bench/protocol_blame28.md): v10's per-move scorer and blame26's listwise (L1)
scorer combined into one linear move scorer, everything else v10's (agent rule, step rule, calibration).

Usage::

    python bench/attribution_blame28.py --frame FRAME --variant B1 B2 B3
    python bench/attribution_blame28.py --frame FRAME --check      # gradient; alpha 1 = v10, alpha 0 = L1

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``).

Both scorers are linear in the same standardised portable features (v10's list, imputed by the training median),
so each variant is a ``LinearScorer`` and ships in v10's file format:

- (B1) coefficients ½ v10 + ½ L1 (the product of the two experts' move distributions, a geometric mean);
- (B2) ¾ v10 + ¼ L1;
- (B3) one fit of v10's per-move objective plus L1's listwise objective (each data term weighing the training moves).

Figures: bench/attribution_pair24.py's (Alg-Gen 5-fold CV; Alg-Gen only -> Hand-Crafted; pooled leave-one-system-
out agent over the 7 real systems; Brier and reliability of the calibrated confidence on the first two).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame14 as b14  # noqa: E402
from attribution_logonly import PARAMS, markdown  # noqa: E402
from attribution_pair24 import reliability  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._blame_params import run_weights, system_weights  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402
from workbench.attribution._linear import LinearScorer  # noqa: E402

V10 = {**PARAMS, "system_balance": True}
VARIANTS = {
    "v10": ("blend", 1.0),
    "L1": ("blend", 0.0),
    "B1": ("blend", 0.5),
    "B2": ("blend", 0.75),
    "B3": ("joint", None),
}


def _runs(X: pd.DataFrame, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run index per row (rows must come grouped by run), the runs' first rows, and blame26's listwise run
    weights: system-balanced, summing to the number of rows."""
    g = pd.factorize(X["run_id"])[0]
    if (np.diff(g) < 0).any():
        raise ValueError("rows are not grouped by run")
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    runs = X.iloc[starts]
    w = system_weights(runs["system"].reset_index(drop=True), None) if "system" in X else np.ones(len(starts))
    return g, starts, w / w.sum() * len(X)


def listwise_terms(
    s: np.ndarray, pos: np.ndarray, g: np.ndarray, starts: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Σ_r w_r · −log Σ_{labelled m} softmax_r(s)_m and its gradient in s (blame26's L1 term)."""
    s = s - np.maximum.reduceat(s, starts)[g]
    e = np.exp(s)
    d_all = np.add.reduceat(e, starts)
    d_pos = np.add.reduceat(e * pos, starts)
    loss = float((w * (np.log(d_all) - np.log(d_pos))).sum())
    return loss, w[g] * (e / d_all[g] - pos * e / d_pos[g])


def pointwise_terms(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Σ_i w_i · logloss(y_i, sigmoid(t_i)) and its gradient in t (sklearn's LogisticRegression data term)."""
    sign = np.where(y, 1.0, -1.0)
    loss = float((w * np.logaddexp(0.0, -sign * t)).sum())
    return loss, w * (1.0 / (1.0 + np.exp(-t)) - y)


class Combined(BlameModel):
    """v10 (BlameModel) with its per-move linear scorer replaced by a combination with the listwise scorer."""

    mode, alpha = "blend", 1.0

    def _fit_scorer(self, X: pd.DataFrame, y: np.ndarray) -> LinearScorer:
        order = np.lexsort((X["pos"].to_numpy(), pd.factorize(X["run_id"])[0]))
        X, y = X.iloc[order], y[order]
        base = super()._fit_scorer(X, y)  # v10's scorer, and the imputation and scaling both share
        M = X[list(self.feature_names_in_)].to_numpy(dtype=np.float64)
        Z = (np.where(np.isnan(M), base.median, M) - base.mean) / base.scale
        off = self._value_offset(X)
        g, starts, wr = _runs(X, y)
        pos = y.astype(float)
        C = self.C
        if self.mode == "blend":
            if self.alpha == 1.0:
                return base

            def f(beta: np.ndarray) -> tuple[float, np.ndarray]:
                loss, gs = listwise_terms(Z @ beta + off, pos, g, starts, wr)
                return C * loss + 0.5 * beta @ beta, C * (Z.T @ gs) + beta

            beta = minimize(f, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x
            a = self.alpha
            return LinearScorer(
                base.median, base.mean, base.scale, a * base.coef + (1 - a) * beta, a * base.intercept
            )
        # joint: v10's weighted logistic loss (no offset, free intercept) + the listwise loss, one β
        w = run_weights(X["run_id"], y, self.run_weight) if self.run_weight else None
        if self.system_balance and "system" in X.columns:
            w = system_weights(X["system"], w)
        w = np.ones(len(X)) if w is None else w

        def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
            beta, b = theta[:-1], theta[-1]
            lp, gp = pointwise_terms(Z @ beta + b, y, w)
            ll, gl = listwise_terms(Z @ beta + off, pos, g, starts, wr)
            grad = np.r_[C * (Z.T @ (gp + gl)) + beta, C * gp.sum()]
            return C * (lp + ll) + 0.5 * beta @ beta, grad

        theta0 = np.r_[base.coef, base.intercept]
        theta = minimize(f, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 5000}).x
        return LinearScorer(base.median, base.mean, base.scale, theta[:-1], theta[-1])


def model_class(name: str) -> type[Combined]:
    mode, alpha = VARIANTS[name]
    return type(f"Combined_{name}", (Combined,), {"mode": mode, "alpha": alpha})


class Variant:
    def __init__(self, name: str, X: pd.DataFrame, labels: pd.DataFrame) -> None:
        self.name, self.X, self.labels, self.cls = name, X, labels, model_class(name)

    def score(
        self, train: list[str], test: list[str], calibrate: bool = False
    ) -> tuple[dict, pd.DataFrame | None]:
        X, labels = self.X, self.labels
        p = V10 if calibrate else {**V10, "calibration_cv": None}
        m = self.cls(**p).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        steps, agents = m.rank_frame(X[X["run_id"].isin(test)])
        verdict = None
        if calibrate:
            top = agents[agents["rank"] == 1].set_index("run_id")
            culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
            verdict = pd.DataFrame(
                {
                    "confidence": top["confidence"].to_numpy(dtype=float),
                    "hit": [(r, a) in culprit for r, a in zip(top.index, top["agent"], strict=True)],
                },
                index=top.index,
            )
        return _metrics(labels[labels["run_id"].isin(test)], steps, agents, 3, 2), verdict


def figures(var: Variant) -> list[dict]:
    return b14.figure_rows(
        var.X,
        lambda train, test, first: var.score(train, test, calibrate=first),
        calibration=lambda v: dict(zip(("brier", "reliability"), reliability(v), strict=True)),
    )


def check(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    """The joint objective's gradient against finite differences (on Alg-Gen)."""
    ag = X[X["system"] == b14.AG]
    m = model_class("B3")(**V10)
    y = m._targets(ag, m._first_move_of_agent(ag, labels))
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(len(ag), 5))
    g, starts, wr = _runs(ag, y)
    off = rng.normal(size=len(ag))
    w = rng.uniform(0.5, 2, size=len(ag))
    keep = np.add.reduceat(y.astype(float), starts)[g] > 0

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta, b = theta[:-1], theta[-1]
        lp, gp = pointwise_terms(Z[keep] @ beta + b, y[keep], w[keep])
        g2, s2, w2 = _runs(ag[keep], y[keep])
        ll, gl = listwise_terms(Z[keep] @ beta + off[keep], y[keep].astype(float), g2, s2, w2)
        return 0.1 * (lp + ll) + 0.5 * beta @ beta, np.r_[
            0.1 * (Z[keep].T @ (gp + gl)) + beta, 0.1 * gp.sum()
        ]

    th = rng.normal(size=6)
    _, grad = f(th)
    num = np.array([(f(th + 1e-6 * e)[0] - f(th - 1e-6 * e)[0]) / 2e-6 for e in np.eye(6)])
    print(
        "gradient check: max |analytic - numeric| =",
        float(np.abs(grad - num).max()),
        "of max |grad|",
        float(np.abs(grad).max()),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", nargs="+", choices=list(VARIANTS), default=[])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    if args.check:
        check(X, labels)
    for name in args.variant:
        c0, t0 = time.process_time(), time.perf_counter()
        rows = figures(Variant(name, X, labels))
        print(
            f"\nvariant {name}, frame {args.frame}, {X['run_id'].nunique()} runs; {time.process_time() - c0:.0f} "
            f"CPU s, {time.perf_counter() - t0:.0f} s wall; load average {np.round(os.getloadavg(), 1)}\n"
        )
        print(markdown(pd.DataFrame(rows)), flush=True)


if __name__ == "__main__":
    main()
