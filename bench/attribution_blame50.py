"""blame50 harness (issue 12): look K, a symmetric pairwise choice between v11's top two agents, fitted on pairs
from seven real systems at once. Protocol: bench/protocol_blame50.md.

Usage::

    python bench/attribution_blame50.py FRAME STORES
    python bench/attribution_blame50.py FRAME STORES SYSTEM1 SYSTEM2   # a dry run on two other systems

FRAME is ``bench/attribution_blame14.py --save-frame``'s (Who&When and the other real systems in it); STORES holds
TRAIL's ``{gaia,swe}.duckdb`` (``bench/attribution_trail46.py build``). Prints the six gates' figures in the
protocol's order, v11 beside K on every split, the paired comparison, then the diagnostics that decide nothing.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame31 import V11  # noqa: E402
from attribution_blame47 import oof_rank, score, v11_rank  # noqa: E402
from attribution_blame49 import (  # noqa: E402
    COLS,
    best_steps,
    brier_of,
    cv_merge,
    gated_runs,
    look_rows,
    paired,
    split_table,
    trail_stores,
)
from attribution_logonly import markdown  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402

C = 1.0
KEEP = ("best", "mass", "near_share")
FEATS = [*KEEP, *COLS]
# the labelled real systems beside Who&When whose pairs K is fitted on too (the simulator's are not)
OTHER = ("aegis/", "tau-bench/")


def top_two(agents: pd.DataFrame) -> pd.DataFrame:
    """Per run with two or more candidates: ``first`` (v11's pick: rank 1 of its agents table, the first such row)
    and ``second`` (the best-ranked other candidate, table order breaking ties)."""
    c = agents[agents["agent"].notna() & (agents["agent"].astype(str) != "<none>")][
        ["run_id", "agent", "rank"]
    ]
    c = c.assign(_o=np.arange(len(c))).drop_duplicates(["run_id", "agent"])
    c = c.sort_values(["run_id", "rank", "_o"])
    c["_k"] = c.groupby("run_id").cumcount()
    first = c[c["_k"] == 0].set_index("run_id")["agent"]
    second = c[c["_k"] == 1].set_index("run_id")["agent"]
    return pd.DataFrame({"first": first.reindex(second.index), "second": second}).reset_index()


def pairs(X: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """One row per run with two or more candidates: run_id, first, second and the 12 evidence differences first
    minus second (a missing value 0)."""
    P = top_two(agents)
    ev = look_rows(X, steps, agents, KEEP).drop_duplicates(["run_id", "agent"]).set_index(["run_id", "agent"])
    ev = ev[FEATS].astype(float).fillna(0.0)
    a = ev.reindex(list(zip(P["run_id"], P["first"], strict=True))).to_numpy()
    b = ev.reindex(list(zip(P["run_id"], P["second"], strict=True))).to_numpy()
    return pd.concat([P, pd.DataFrame(np.nan_to_num(a - b), columns=FEATS)], axis=1)


def truth_of(labels: pd.DataFrame) -> set:
    return set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))


def fit_pairs(
    P: pd.DataFrame, labels: pd.DataFrame, sys_of: pd.Series
) -> tuple[LogisticRegression, np.ndarray]:
    """K's stage: no intercept, both orders, each system's pairs weighing the same total; its scales."""
    truth = truth_of(labels)
    y1 = np.array([(r, a) in truth for r, a in zip(P["run_id"], P["first"], strict=True)])
    y2 = np.array([(r, a) in truth for r, a in zip(P["run_id"], P["second"], strict=True)])
    keep = y1 != y2  # both or neither a culprit: the pair says nothing about the choice
    D, y, s = (
        P.loc[keep, FEATS].to_numpy(dtype=np.float64),
        y1[keep].astype(int),
        P.loc[keep, "run_id"].map(sys_of),
    )
    w = (len(s) / (s.nunique() * s.map(s.value_counts()))).to_numpy(dtype=np.float64)
    D2, y2x, w2 = np.vstack([D, -D]), np.r_[y, 1 - y], np.r_[w, w]
    sd = D2.std(axis=0)
    sd[sd == 0] = 1.0
    lr = LogisticRegression(C=C, fit_intercept=False, max_iter=5000).fit(D2 / sd, y2x, sample_weight=w2)
    return lr, sd


def k_pick(
    P: pd.DataFrame, v11: pd.Series, lr: LogisticRegression, sd: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """K's agent per run (v11's where the run has one candidate) and the runs it flips to v11's second."""
    p_first = lr.predict_proba(P[FEATS].to_numpy(dtype=np.float64) / sd)[:, 1]
    flip = pd.Series(p_first < 0.5, index=P["run_id"].to_numpy())
    pick = v11.copy()
    fl = flip[flip].index
    pick.loc[fl] = P.set_index("run_id").loc[fl, "second"]
    return pick, flip


def shipped_table(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> pd.DataFrame:
    """v11 as shipped (calibration on), fitted on ``train``: its agents table of the ``test`` runs."""
    m = BlameModel(**V11).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
    return m.rank_frame(X[X["run_id"].isin(test)])[1]


def split_figures(
    X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str], others: pd.DataFrame, sys_of
) -> dict:
    s_te, a_te = v11_rank(X, labels, train, test)
    s_tr, a_tr = oof_rank(X, labels, train)
    v11 = a_te[a_te["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"].astype(object)
    lr, sd = fit_pairs(pd.concat([pairs(X, s_tr, a_tr), others], ignore_index=True), labels, sys_of)
    P = pairs(X, s_te, a_te)
    pick, flip = k_pick(P, v11, lr, sd)
    truth = truth_of(labels)
    tab = shipped_table(X, labels, train, test)
    conf = {(r, a): float(c) for r, a, c in zip(tab["run_id"], tab["agent"], tab["confidence"], strict=True)}
    ship = tab[tab["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
    top2 = set(zip(P["run_id"], P["first"], strict=True)) | set(zip(P["run_id"], P["second"], strict=True))
    one = set(v11.index) - set(P["run_id"])
    return {
        "v11": score(labels, s_te, v11, test),
        "K": score(labels, s_te, pick, test),
        "beta": dict(zip(FEATS, np.round(lr.coef_[0], 2), strict=True)),
        "brier_K": [(conf.get((r, pick.get(r)), 0.0), (r, pick.get(r)) in truth) for r in test],
        "brier_v11": [(conf[(r, ship[r])], (r, ship[r]) in truth) for r in test if r in ship.index],
        "ceiling": sum(any((r, a) in truth for a in (x for (q, x) in top2 if q == r)) for r in test)
        + sum((r, v11[r]) in truth for r in one if r in test),
        "flips": int(flip.sum()),
        "flips right": sum((r, pick[r]) in truth for r in flip[flip].index),
    }


def trail_gate(lr: LogisticRegression, sd: np.ndarray, stores: Path) -> list[dict]:
    """Gate 4: the shipped-form stage applied to the pretrained v11's TRAIL rankings."""
    pre = BlameModel.pretrained()
    rows = []
    for n, ws, runs, truth in trail_stores(stores):
        F = pre.frame(ws)
        steps, agents = pre.rank_frame(F[F["run_id"].isin(runs)].reset_index(drop=True))
        v11 = (
            agents[agents["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"].astype(object)
        )
        p_top = steps.sort_values(["run_id", "rank"]).drop_duplicates("run_id").set_index("run_id")
        P = pairs(F, steps, agents)
        pick, flip = k_pick(P, v11, lr, sd) if len(P) else (v11, pd.Series(dtype=bool))
        best = best_steps(steps)
        rows.append(
            {
                "TRAIL": n,
                "traces": len(runs),
                "P top-1": f"{np.mean([p_top['step_id'].get(r) in truth[r] for r in runs]):.3f}",
                "P's agent, its best step": f"{np.mean([best.get((r, v11.get(r))) in truth[r] for r in runs]):.3f}",
                "K top-1": f"{np.mean([best.get((r, pick.get(r))) in truth[r] for r in runs]):.3f}",
                "agent changed by K": int(flip.sum()),
            }
        )
    return rows


def loso(X: pd.DataFrame, labels: pd.DataFrame, ww: pd.DataFrame, s_o, a_o, sys_of: pd.Series) -> list[dict]:
    """Diagnostic: the stage held out by system over the five other real systems (v11's rankings out of fold by
    run)."""
    others = pairs(X, s_o, a_o)
    v11 = a_o[a_o["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"].astype(object)
    truth = truth_of(labels)
    rows = []
    for s in sorted(set(others["run_id"].map(sys_of))):
        held = others["run_id"].map(sys_of) == s
        lr, sd = fit_pairs(pd.concat([ww, others[~held]], ignore_index=True), labels, sys_of)
        runs = sorted(r for r in v11.index if sys_of[r] == s)
        pick, flip = k_pick(others[held].reset_index(drop=True), v11[runs], lr, sd)
        a, k = sum((r, v11[r]) in truth for r in runs), sum((r, pick[r]) in truth for r in runs)
        rows.append(
            {
                "held-out system": s,
                "runs": len(runs),
                "v11 agents": a,
                "K agents": k,
                "K flips": int(flip.sum()),
            }
        )
    return rows


def main() -> None:
    warnings.filterwarnings("ignore")
    # with two system names: a dry run off the gated data (its "others" stay the remaining real systems)
    X, labels, sys_of, ag, hc, gated = gated_runs(sys.argv)
    stores = Path(sys.argv[2])
    oth = sorted(r for r in sys_of.index[sys_of.str.startswith(OTHER)] if r not in set(ag + hc))
    X, labels = X[X["run_id"].isin(ag + hc + oth)], labels[labels["run_id"].isin(ag + hc + oth)]
    c0, t0 = time.process_time(), time.perf_counter()
    s_o, a_o = oof_rank(X, labels, oth)  # once: no Who&When run in these fits
    others = pairs(X, s_o, a_o)
    ids = np.asarray(ag)
    folds = [
        split_figures(X, labels, list(ids[tr]), list(ids[te]), others, sys_of)
        for tr, te in GroupKFold(n_splits=5).split(ids, groups=ids)
    ]
    cv = cv_merge(folds, ("v11", "K"), ("brier_K", "brier_v11"))
    for k in ("ceiling", "flips", "flips right"):
        cv[k] = sum(f[k] for f in folds)
    cv["beta"] = [f["beta"] for f in folds]
    res = {
        "AG CV (126)": cv,
        "AG -> HC (58)": split_figures(X, labels, ag, hc, others, sys_of),
        "HC -> AG (126)": split_figures(X, labels, hc, ag, others, sys_of),
    }
    n_of = dict(zip(res, (len(ag), len(hc), len(ag)), strict=True))
    print(f"others: {len(oth)} runs, {len(others)} with two or more candidates")
    print("gates 1-3: agents and steps right per split")
    print(split_table(res, n_of, ("v11", "K")))
    print("gate 4: TRAIL")
    ww_s, ww_a = oof_rank(X, labels, ag + hc)
    ww = pairs(X, ww_s, ww_a)
    lr, sd = fit_pairs(pd.concat([ww, others], ignore_index=True), labels, sys_of)
    if gated:  # a dry run stays off TRAIL too
        print(markdown(pd.DataFrame(trail_gate(lr, sd, stores))))
    print("shipped-form coefficients:", dict(zip(FEATS, np.round(lr.coef_[0], 2), strict=True)))
    bk = [x for r in res.values() for x in r["brier_K"]]
    bv = [x for r in res.values() for x in r["brier_v11"]]
    print(f"gate 5: pooled Brier K {brier_of(bk)} vs v11 shipped {brier_of(bv)}")
    paired(res, "K")
    print("diagnostics (decide nothing)")
    for name, r in res.items():
        print(
            f"  {name}: culprit in v11's top two {r['ceiling']}, K flips {r['flips']}, flips right {r['flips right']}"
        )
    for name, r in res.items():
        print(f"  {name} K's coefficients:", r["beta"])
    print(markdown(pd.DataFrame(loso(X, labels, ww, s_o, a_o, sys_of))))
    print(
        f"{time.process_time() - c0:.1f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
        f"load {np.round(os.getloadavg(), 1)}"
    )


if __name__ == "__main__":
    main()
