"""blame47 harness (issue 12): a second stage choosing the culprit among a run's agents. Protocol:
bench/protocol_blame47.md.

Usage::

    python bench/attribution_blame47.py FRAME            # v11 and every look (A1, A2, B1, B2, C1, C2)
    BLAME47_LOOKS=B1,B2 python bench/attribution_blame47.py FRAME   # addenda B and C only (C: B on coin flips)
    python bench/attribution_blame47.py FRAME SYSTEM1 SYSTEM2       # a dry run on two other systems

FRAME is ``bench/attribution_blame14.py --save-frame``'s (Who&When Algorithm-Generated and Hand-Crafted in it). The
stage is a conditional logit over the run's candidate agents (v11's agents table), fitted on v11's out-of-fold
rankings of the training runs (``_listwise.run_terms``'s objective over agents instead of moves).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import binomtest
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_logonly import AG, HC, markdown  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._coin_flip import score_margins  # noqa: E402
from workbench.attribution._listwise import run_terms  # noqa: E402

C = 1.0
# A1's per-agent aggregates over the agent's moves in the frame (max, or mean for the word counts)
AGG_MAX = (
    "agent_share",
    "agent_final_first",
    "final_origin_first",
    "agent_final_relay",
    "corrected_by_other",
    "corrected_later",
    "contra_next",
    "is_last",
    "agent_first_rel",
    "agent_order_rel",
    "agent_in_degree",
    "agent_out_degree",
    "after_tool_fail",
    "agent_errors",
    "agent_det_hits",
    "unconfirmed_values",
)
AGG_MEAN = ("hedge_words", "self_correct")
# (look, C, v11's agent score as an offset): A1 / A2 the protocol's looks, B1 / B2 its addendum B
LOOKS = [("A2", C, False), ("A1", C, False), ("B1", 1.0, True), ("B2", 0.1, True)]
if os.environ.get("BLAME47_LOOKS"):
    LOOKS = [x for x in LOOKS if x[0] in os.environ["BLAME47_LOOKS"].split(",")]
NAMES = [x[0] for x in LOOKS] + ["C" + x[0][1] for x in LOOKS if x[0] in ("B1", "B2")]
A2_COLS = ("best", "lead", "rank", "mass", "near_share", "best_rel", "near_first_rel")


def v11_rank(
    X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]
) -> tuple[pd.DataFrame, ...]:
    m = BlameModel(**{**V11, "calibration_cv": None}).fit_frame(
        X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
    )
    return m.rank_frame(X[X["run_id"].isin(test)])


def oof_rank(X: pd.DataFrame, labels: pd.DataFrame, train: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """v11's rankings of every training run by a fit on the other 4/5 of them."""
    ids = np.asarray(sorted(train))
    steps, agents = [], []
    for tr, te in GroupKFold(n_splits=5).split(ids, groups=ids):
        s, a = v11_rank(X, labels, list(ids[tr]), list(ids[te]))
        steps.append(s)
        agents.append(a)
    return pd.concat(steps, ignore_index=True), pd.concat(agents, ignore_index=True)


def agent_rows(X: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, look: str) -> pd.DataFrame:
    """One row per (run, candidate agent) with the look's features."""
    cand = agents[agents["agent"].notna() & (agents["agent"] != "<none>")][
        ["run_id", "agent"]
    ].drop_duplicates()
    st = steps[steps["agent"].notna()].copy()
    n = st.groupby("run_id")["pos"].transform("size")
    top = st.groupby("run_id")["logit"].transform("max")
    st["rel"] = st.groupby("run_id")["pos"].rank(method="first") / n
    st["near"] = (st["logit"] >= top - 1.0).astype(float)
    st["e"] = np.exp(st["logit"] - top)
    st["mass_all"] = st.groupby("run_id")["e"].transform("sum")
    g = st.groupby(["run_id", "agent"], sort=False)
    best_idx = g["logit"].idxmax()
    A = pd.DataFrame(
        {
            "best": g["logit"].max(),
            "mass": g["e"].sum() / g["mass_all"].first(),
            "best_rel": st.loc[best_idx, "rel"].to_numpy(),
        }
    )
    A["near_share"] = (
        g["near"].sum() / st.groupby("run_id").size().reindex(A.index.get_level_values(0)).to_numpy()
    )
    near = st[st["near"] > 0].groupby(["run_id", "agent"])["rel"].min()
    A["near_first_rel"] = near.reindex(A.index).fillna(1.0)
    A = A.reset_index()
    A = cand.merge(A, on=["run_id", "agent"], how="left")
    A["best"] = A["best"].fillna(A.groupby("run_id")["best"].transform("min") - 1.0).fillna(0.0)
    A[["mass", "near_share"]] = A[["mass", "near_share"]].fillna(0.0)
    A[["best_rel", "near_first_rel"]] = A[["best_rel", "near_first_rel"]].fillna(1.0)
    A["rank"] = A.groupby("run_id")["best"].rank(ascending=False, method="min")
    top1 = A.groupby("run_id")["best"].transform("max")
    second = A.groupby("run_id")["best"].transform(
        lambda s: s.nlargest(2).iloc[-1] if len(s) > 1 else s.iloc[0] - 1
    )
    A["lead"] = np.where(A["best"] >= top1, A["best"] - second, A["best"] - top1)
    cols = list(A2_COLS)
    if look == "A1":
        moves = X[X["run_id"].isin(A["run_id"]) & X["agent"].notna()]
        agg = (
            moves.groupby(["run_id", "agent"])
            .agg(**{c: (c, "max") for c in AGG_MAX}, **{c: (c, "mean") for c in AGG_MEAN})
            .reset_index()
        )
        A = A.merge(agg, on=["run_id", "agent"], how="left")
        cols += list(AGG_MAX) + list(AGG_MEAN)
    return A[["run_id", "agent", *cols]]


def fit_stage(
    rows: pd.DataFrame,
    labels: pd.DataFrame,
    c: float = C,
    offset: bool = False,
    cols: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The conditional logit's coefficients, the features' training means and scales, the columns; with ``offset``
    (addendum B) v11's agent score ``best`` is a fixed offset and the coefficients are corrections to it. ``cols``:
    the features (default every column but the run and the agent; blame49's look I names its own, ``best`` not
    among them)."""
    cols = cols or [c for c in rows.columns if c not in ("run_id", "agent")]
    truth = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    y = np.array(
        [(r, a) in truth for r, a in zip(rows["run_id"], rows["agent"], strict=True)], dtype=np.float64
    )
    keep_runs = set(rows.loc[y > 0, "run_id"])
    m = rows["run_id"].isin(keep_runs).to_numpy()
    R = rows[m].sort_values(["run_id", "agent"], kind="stable")
    y = np.array([(r, a) in truth for r, a in zip(R["run_id"], R["agent"], strict=True)], dtype=np.float64)
    V = R[cols].astype(float)
    mu = V.mean().fillna(0.0).to_numpy()
    sd = V.std().replace(0, 1).fillna(1.0).to_numpy()
    Z = np.nan_to_num((V.to_numpy() - mu) / sd)
    g = pd.factorize(R["run_id"])[0]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    w = np.ones(len(starts)) / len(starts) * len(Z)
    off = R["best"].to_numpy(dtype=np.float64) if offset else np.zeros(len(Z))

    def f(beta: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gs = run_terms(Z @ beta + off, y, g, starts, w)
        return c * loss + 0.5 * beta @ beta, c * (Z.T @ gs) + beta

    beta = minimize(f, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x
    return beta, mu, sd, cols


def stage_pick(
    rows: pd.DataFrame,
    beta: np.ndarray,
    mu: np.ndarray,
    sd: np.ndarray,
    cols: list[str],
    offset: bool = False,
) -> pd.Series:
    Z = np.nan_to_num((rows[cols].astype(float).to_numpy() - mu) / sd)
    s = rows.assign(_s=Z @ beta + (rows["best"].to_numpy(dtype=np.float64) if offset else 0.0)).sort_values(
        ["run_id", "_s", "best"], ascending=[True, False, False], kind="stable"
    )
    return s.drop_duplicates("run_id").set_index("run_id")["agent"]


def score(
    labels: pd.DataFrame, steps: pd.DataFrame, picks: pd.Series, runs: list[str]
) -> tuple[int, int, dict]:
    """(agents right, steps right, each run's agent right) over ``runs``; the step is the picked agent's best-ranked
    step."""
    la = labels.groupby("run_id")["agent"].apply(lambda s: set(s.dropna()))
    ls = labels.groupby("run_id")["step_id"].apply(lambda s: set(s.dropna()))
    best_step = (
        steps.sort_values(["run_id", "rank"])
        .drop_duplicates(["run_id", "agent"])
        .set_index(["run_id", "agent"])["step_id"]
    )
    hits = [picks.get(r) in la.get(r, set()) for r in runs]
    s_ok = sum(best_step.get((r, picks.get(r))) in ls.get(r, set()) for r in runs)
    return sum(hits), s_ok, dict(zip(runs, hits, strict=True))


def split_figures(
    X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]
) -> dict[str, tuple]:
    s_te, a_te = v11_rank(X, labels, train, test)
    s_tr, a_tr = oof_rank(X, labels, train)
    v11 = a_te[a_te["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
    out = {"v11": score(labels, s_te, v11, test)}
    truth = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    cands = a_te[["run_id", "agent"]]
    out["ceiling"] = (
        sum(any((r, a) in truth for a in cands.loc[cands["run_id"] == r, "agent"]) for r in test),
        0,
        {},
    )
    for look, c, offset in LOOKS:
        feats = "A2" if look == "A2" else "A1"
        beta, mu, sd, cols = fit_stage(
            agent_rows(X, s_tr, a_tr, feats), labels[labels["run_id"].isin(train)], c, offset
        )
        picks = stage_pick(agent_rows(X, s_te, a_te, feats), beta, mu, sd, cols, offset)
        out[look] = score(labels, s_te, picks, test)
        out[look + "_beta"] = dict(zip(cols, np.round(beta, 2), strict=True))
        if look in ("B1", "B2"):  # addendum C: the stage's pick on v11's coin flips only
            flip = score_margins(a_te).reindex(test).fillna(0.0) < 0.1
            mixed = pd.Series(np.where(flip, picks.reindex(test), v11.reindex(test)), index=test)
            name = "C" + look[1]
            out[name] = score(labels, s_te, mixed, test)
            out[name + "_beta"] = {
                "v11 coin flips": int(flip.sum()),
                "changed": int((mixed != v11.reindex(test)).sum()),
            }
    return out


def main() -> None:
    warnings.filterwarnings("ignore")
    X, labels = read_frame(Path(sys.argv[1]))
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    # two other systems' names: a dry run of the harness off the gated data
    first, second = sys.argv[2:4] if len(sys.argv) > 3 else (AG, HC)
    ag, hc = sorted(sys_of.index[sys_of == first]), sorted(sys_of.index[sys_of == second])
    X, labels = X[X["run_id"].isin(ag + hc)], labels[labels["run_id"].isin(ag + hc)]
    c0 = time.process_time()
    ids = np.asarray(ag)
    folds = [
        split_figures(X, labels, list(ids[tr]), list(ids[te]))
        for tr, te in GroupKFold(n_splits=5).split(ids, groups=ids)
    ]
    cv = {k: tuple(sum(f[k][i] for f in folds) for i in range(2)) for k in ("v11", "ceiling", *NAMES)}
    for k in ("v11", *NAMES):  # per-run agent hits of the folds, for the paired comparison
        cv[k] = (*cv[k], {r: h for f in folds for r, h in f[k][2].items()})
    res = {
        "AG CV (126)": cv,
        "AG -> HC (58)": split_figures(X, labels, ag, hc),
        "HC -> AG (126)": split_figures(X, labels, hc, ag),
    }
    rows = []
    for name, r in res.items():
        n = len(ag) if name.endswith("AG (126)") or name.startswith("AG CV") else len(hc)
        for k in ("v11", *NAMES):
            rows.append(
                {
                    "split": name,
                    "ranking": k,
                    "agent right": f"{r[k][0]} ({r[k][0] / n:.1%})",
                    "step right": f"{r[k][1]} ({r[k][1] / n:.1%})",
                }
            )
        rows.append(
            {
                "split": name,
                "ranking": "culprit among candidates",
                "agent right": str(r["ceiling"][0]),
                "step right": "",
            }
        )
    print(markdown(pd.DataFrame(rows)))
    for name in ("AG -> HC (58)", "HC -> AG (126)"):
        for look in NAMES:
            print(name, look, res[name][look + "_beta"])
    print("paired against v11 (agent): runs only the look gets right / only v11 gets right, exact McNemar p")
    for name, r in res.items():
        for k in NAMES:
            gain = sum(h and not r["v11"][2][x] for x, h in r[k][2].items())
            loss = sum(r["v11"][2][x] and not h for x, h in r[k][2].items())
            p = binomtest(gain, gain + loss).pvalue if gain + loss else 1.0
            print(f"  {name} {k}: +{gain} / -{loss}, p = {p:.2f}")
    print(f"{time.process_time() - c0:.1f} CPU s; load {np.round(os.getloadavg(), 1)}")


if __name__ == "__main__":
    main()
