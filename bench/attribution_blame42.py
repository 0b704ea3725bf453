"""blame42 harness (issue 12): confidence that transfers to a held-out system. Protocol: bench/protocol_blame42.md.

Step 1, ``capture``: each real system of the frame held out in turn (the simulator is training data only), v11's
recipe fitted on every other run exactly as it ships (calibration by held-out training system, familiarity shrink);
written per agent row: the held-out system's agent tables (``part = "held"``) with the shipped confidence, and the
agent tables of the calibration's inner held-out systems (``part`` = that system: scored by a fit on the other
training systems, i.e. nested leave-one-system-out), each with the evidence a calibrator may read (move-softmax mass,
the run's agent count, the run's distance from the moves of the fit that scored it). Step 2, ``score``: each declared
calibrator fitted per outer system on the inner rows only and applied to the held-out rows; the figures.

Usage: attribution_blame42.py capture FRAME OUT.parquet; attribution_blame42.py score OUT.parquet
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribution_blame31 import V11  # noqa: E402
from attribution_logonly import SIM  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._calibration import PlattCalibration, agent_evidence, calibration_rows  # noqa: E402
from workbench.attribution._familiarity import Familiarity  # noqa: E402

_KEEP = ["run_id", "agent", "rank", "score", "share", "mass"]


def _rows(agents: pd.DataFrame, dist: pd.Series, culprit: set) -> pd.DataFrame:
    out = agents[_KEEP + [c for c in ("confidence",) if c in agents]].copy()
    out["n_agents"] = out.groupby("run_id")["agent"].transform("size")
    out["dist"] = out["run_id"].map(dist).astype(float)
    out["y"] = [(r, a) in culprit for r, a in zip(out["run_id"], out["agent"], strict=True)]
    return out


class Capture(BlameModel):
    """v11's model that keeps the agent tables its calibration was fitted on (the same fits, the same rows)."""

    culprit: set = set()
    inner: list = []

    def _calibrate(self, X, y, labels, y_agent=None):  # noqa: ANN001, ANN202
        y_agent = y if y_agent is None else y_agent  # (BlameModel's run-level labels: span48)
        systems = X["system"].fillna("")
        parts = []
        for s in sorted(systems.unique()):
            test = (systems == s).to_numpy()
            trees, agent_model = self._fit_scorers(X.loc[~test], y[~test], y_agent[~test])
            _, agents, scored = self._rank_both(X.loc[test], trees, agent_model)
            agents = agent_evidence(scored, agents)
            parts.append(calibration_rows(agents, labels))
            names = list(self.feature_names_in_)
            fam = Familiarity.fit(
                X.loc[~test, names].to_numpy(dtype=np.float64),
                X.loc[~test, "run_id"].to_numpy(dtype=object),
                self.shift_scale,
            )
            d = fam.distance(
                X.loc[test, names].to_numpy(dtype=np.float64), X.loc[test, "run_id"].to_numpy(dtype=object)
            )
            self.inner.append(_rows(agents, d / fam.reference, self.culprit).assign(part=s))
        return PlattCalibration.fit(pd.concat(parts, ignore_index=True), random_state=self.random_state)


def capture(frame: str, out: str) -> None:
    X = pd.read_parquet(frame + ".X.parquet")
    L = pd.read_parquet(frame + ".labels.parquet")
    culprit = set(zip(L.run_id, L.agent.astype(object), strict=True))
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    t0, got = time.process_time(), []
    for held in sorted(sys_of.unique()):
        if held == SIM:
            continue
        tr = sys_of.index[sys_of != held]
        m = Capture(**V11)
        m.culprit, m.inner = culprit, []
        m.fit_frame(X[X.run_id.isin(tr)], L[L.run_id.isin(tr)])
        Xh = X[X.run_id.isin(sys_of.index[sys_of == held])]
        _, agents = m.rank_frame(Xh)  # the shipped confidence (calibrated, shrunk)
        Xc = m._contrasted(m._with_prior(Xh))
        _, ag2, scored = m._rank_both(Xc, m.step_model_, m.agent_model_)
        ag2 = agent_evidence(scored, ag2).merge(
            agents[["run_id", "agent", "confidence"]], on=["run_id", "agent"]
        )
        names = list(m.feature_names_in_)
        d = m.familiarity_.distance(Xc[names].to_numpy(dtype=np.float64), Xc["run_id"].to_numpy(dtype=object))
        got.append(_rows(ag2, d / m.familiarity_.reference, culprit).assign(part="held"))
        got += m.inner
        for g in got[-1 - len(m.inner) :]:
            g["outer"] = held
        print(held, f"{time.process_time() - t0:.0f} CPU s", m.calibration_.to_dict(), flush=True)
    pd.concat(got, ignore_index=True).to_parquet(out)
    print(f"{time.process_time() - t0:.0f} CPU s; load {os.getloadavg()}")


def features(rows: pd.DataFrame) -> pd.DataFrame:
    """The top agent row of each run with every declared input (protocol_blame42.md, "Inputs") and ``sole``."""
    g = rows.groupby(["outer", "part", "run_id"], sort=False)
    mass = rows["mass"].clip(lower=0.0)
    p = mass / mass.groupby([rows["outer"], rows["part"], rows["run_id"]]).transform("sum").replace(
        0.0, np.nan
    )
    plogp = (-(p * np.log(p.where(p > 0)))).fillna(0.0)
    n = rows["n_agents"].astype(float)
    entropy = plogp.groupby([rows["outer"], rows["part"], rows["run_id"]]).transform("sum")
    out = rows.assign(mass_entropy=np.where(n > 1, entropy / np.log(n.where(n > 1, 2.0)), 0.0).astype(float))
    first = g["mass"].transform("max")
    ranked = rows.sort_values("mass", ascending=False, kind="stable")
    second = ranked.groupby(["outer", "part", "run_id"], sort=False)["mass"].nth(1)
    second = pd.Series(
        second.to_numpy(),
        index=pd.MultiIndex.from_frame(ranked.loc[second.index, ["outer", "part", "run_id"]]),
    )
    key = pd.MultiIndex.from_frame(rows[["outer", "part", "run_id"]])
    sec = pd.Series(second.reindex(key).fillna(0.0).to_numpy(), index=rows.index)
    best_other = np.where(rows["mass"] >= first, sec, first)
    out["mass_margin"] = rows["mass"].to_numpy() - best_other
    m = rows["mass"].clip(0.05, 0.95)
    out["log_mass"] = np.log(m / (1 - m))
    out["log_agents"] = np.log(n)
    out["log_novelty"] = np.log(rows["dist"].clip(lower=1e-6))
    out["sole"] = (n == 1) & rows["agent"].notna() & (rows["agent"] != "<none>")
    return (
        out[(out["rank"] == 1).to_numpy()].drop_duplicates(["outer", "part", "run_id"]).reset_index(drop=True)
    )


_SIGN = {"mass_margin": 1, "log_mass": 1, "mass_entropy": -1, "log_novelty": -1}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _signed_fit(M: np.ndarray, y: np.ndarray, w: np.ndarray, names: list[str]) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    use = np.ones(len(names), dtype=bool)
    while use.any():
        lr = LogisticRegression(C=1.0, max_iter=1000).fit(M[:, use], y, sample_weight=w)
        coef = np.zeros(len(names))
        coef[use] = lr.coef_[0]
        wrong = [i for i, nm in enumerate(names) if use[i] and _SIGN.get(nm, 0) * coef[i] < 0]
        if not wrong:
            return coef, float(lr.intercept_[0])
        use[wrong[0]] = False
    rate = float(np.clip(np.average(y, weights=w), 1e-3, 1 - 1e-3))
    return np.zeros(len(names)), float(np.log(rate / (1 - rate)))


def signed_platt(inner: pd.DataFrame, names: list[str], balanced: bool) -> tuple[np.ndarray, float, bool]:
    """K1-K3's calibrator: (coef, intercept, constant) fitted on ``inner`` top rows (protocol: sign rule, nested
    5-fold constant fallback as PlattCalibration.fit, seed 0)."""
    y = inner["y"].to_numpy(dtype=bool)
    M = np.nan_to_num(inner[names].to_numpy(dtype=np.float64))
    w = np.ones(len(y))
    if balanced:
        size = inner.groupby("part")["run_id"].transform("size").to_numpy(dtype=float)
        w = (1.0 / size) * (len(y) / inner["part"].nunique())
    rate = float(np.average(y, weights=w))
    fold = np.random.default_rng(0).permutation(len(y)) % 5
    p_fit, p_const = np.full(len(y), rate), np.full(len(y), rate)
    for f in range(5):
        tr, te = fold != f, fold == f
        coef, b = _signed_fit(M[tr], y[tr], w[tr], names)
        p_fit[te] = _sigmoid(M[te] @ coef + b)
        p_const[te] = np.average(y[tr], weights=w[tr])
    if np.average((p_fit - y) ** 2, weights=w) >= np.average((p_const - y) ** 2, weights=w):
        return np.zeros(len(names)), float(np.log(rate / (1 - rate))), True
    coef, b = _signed_fit(M, y, w, names)
    return coef, b, False


K_INPUTS = {
    "K1": (["mass_margin", "mass_entropy", "log_agents", "log_novelty"], False),
    "K2": (["mass_margin", "mass_entropy", "log_novelty"], False),
    "K3": (["mass_margin", "mass_entropy", "log_agents", "log_novelty"], True),
}


def confidences(F: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Held-out top rows with each candidate's confidence, and the fitted calibrators."""
    held, fitted = [], []
    for outer, part in F.groupby("outer", sort=True):
        inner, h = part[part["part"] != "held"], part[part["part"] == "held"].copy()
        k0 = PlattCalibration.fit(inner.assign(y=inner["y"].astype(bool)), random_state=0)
        p0 = _sigmoid(np.nan_to_num(h[list(k0.names)].to_numpy(dtype=np.float64)) @ k0.coef + k0.intercept)
        weight = np.exp(-np.maximum(0.0, h["dist"].to_numpy() - 1.0) / V11.get("shift_scale", 0.1))
        h["K0"] = Familiarity.shrink(p0, weight)
        fitted.append((outer, "K0", k0.to_dict()))
        for k, (names, balanced) in K_INPUTS.items():
            coef, b, const = signed_platt(inner, names, balanced)
            h[k] = _sigmoid(np.nan_to_num(h[names].to_numpy(dtype=np.float64)) @ coef + b)
            fitted.append(
                (
                    outer,
                    k,
                    {
                        "inputs": names,
                        "coef": coef.round(3).tolist(),
                        "intercept": round(b, 3),
                        "constant": const,
                    },
                )
            )
        for k in ["K0", *K_INPUTS]:
            h.loc[h["sole"], k] = 1.0
        h["const_oos"] = float(inner["y"].mean())
        held.append(h)
    return pd.concat(held, ignore_index=True), fitted


def reliability_table(conf: pd.Series, hit: pd.Series) -> str:
    bins = pd.cut(conf, [0, 0.2, 0.4, 0.6, 0.8, 1.0001], right=False)
    t = (
        pd.DataFrame({"conf": conf, "hit": hit.astype(float)})
        .groupby(bins, observed=True)
        .agg(n=("hit", "size"), conf=("conf", "mean"), acc=("hit", "mean"))
    )
    return "; ".join(
        f"{iv.left:.1f}-{iv.right:.1f}: {r.n} / {r.conf:.3f} / {r.acc:.3f}" for iv, r in t.iterrows()
    )


def score(path: str) -> None:
    F = features(pd.read_parquet(path))
    H, fitted = confidences(F)
    for f in fitted:
        print("fitted", *f)
    y = H["y"].astype(bool)
    print(
        "check: K0 recomputed vs shipped confidence, max abs diff",
        float((H["K0"] - H["confidence"]).abs().max()),
    )
    rate = y.mean()
    print(
        f"pooled verdicts {len(H)}, hit rate {rate:.3f}; oracle constant Brier {((rate - y) ** 2).mean():.3f}; "
        f"out-of-system constant Brier {((H['const_oos'] - y) ** 2).mean():.3f}"
    )
    for k in ["K0", *K_INPUTS]:
        print(f"\n== {k}")
        sure = H[k] >= 0.5
        qualify = 0
        for s, part in H.groupby("outer"):
            ps, pu = part[H.loc[part.index, k] >= 0.5], part[H.loc[part.index, k] < 0.5]
            both = len(ps) >= 5 and len(pu) >= 5
            qualify += both
            order = "" if not both else ("uncertain < sure" if pu.y.mean() < ps.y.mean() else "NOT ORDERED")
            print(
                f"  {s:30s} sure {int(ps.y.sum())}/{len(ps)}  uncertain {int(pu.y.sum())}/{len(pu)}  "
                f"Brier {((part[k] - part.y) ** 2).mean():.3f} (const {((part.y.mean() - part.y) ** 2).mean():.3f})"
                f"  {order}"
            )
            print(f"    reliability {reliability_table(part[k], part.y)}")
        hs, hu = y[sure].mean(), y[~sure].mean()
        print(
            f"  pooled sure {int(y[sure].sum())}/{int(sure.sum())} ({100 * hs:.1f} %)  uncertain "
            f"{int(y[~sure].sum())}/{int((~sure).sum())} ({100 * hu:.1f} %)  gap {100 * (hs - hu):.1f} points; "
            f"systems with >= 5 of each kind: {qualify}; Brier {((H[k] - y) ** 2).mean():.4f}"
        )
        print(f"  pooled reliability {reliability_table(H[k], y)}")
    H.to_csv(path.replace(".parquet", "_held.csv"), index=False)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    if sys.argv[1] == "capture":
        capture(sys.argv[2], sys.argv[3])
    else:
        score(sys.argv[2])
