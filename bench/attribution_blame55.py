"""blame55 harness (issue 12): looks Q and R, a correction δ to v11's agent scorer learned in its own move-feature
space on hard pairs of agents (v11's score gap a fixed offset, both orders, no intercept), each beside v11 on the
Who&When splits, and the calibration of v11 as shipped on the same held-out runs. Protocol:
bench/protocol_blame55.md.

Usage::

    python bench/attribution_blame55.py FRAME

FRAME is ``bench/attribution_blame14.py --save-frame``'s. Prints per split its fit's progress, then the gates' table
(span48's Who&When splits and scoring), the pooled McNemar figures, what each look changes, δ's largest entries, the
looks' confidence under v11 as shipped, and v11's shipped calibration (blame51's code).
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
from scipy.special import expit
from scipy.stats import binomtest
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_span48 as s48  # noqa: E402
from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_blame50 import top_two  # noqa: E402
from attribution_blame51 import calibration, shipped_verdicts  # noqa: E402
from attribution_logonly import markdown  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._calibration import brier  # noqa: E402
from workbench.attribution._linear import LinearScorer  # noqa: E402

C = 0.1  # v11's
LOOKS = ("Q", "R")


def fit_v11(X: pd.DataFrame, labels: pd.DataFrame, runs: list, params: dict | None = None) -> BlameModel:
    return BlameModel(**(params or s48.FAST)).fit_frame(
        X[X["run_id"].isin(runs)], labels[labels["run_id"].isin(runs)]
    )


def ranked(m: BlameModel, Xs: pd.DataFrame, agent_scorer: LinearScorer | None = None) -> tuple:
    """The fit's inputs of ``Xs``' moves and its step and agent rankings (``rank_frame``'s, calibration off), the
    agents ranked by ``agent_scorer`` in place of the fit's own agent scorer when one is given."""
    Xc = m._contrasted(m._with_prior(Xs.reset_index(drop=True)))
    M = m._inputs(Xc)
    steps, agents, _ = m._rank_both(Xc, m.step_model_, agent_scorer or m.agent_model_, M)
    return Xc, M, steps, agents


def best_moves(scorer: LinearScorer, m: BlameModel, Xc: pd.DataFrame, M: np.ndarray) -> pd.DataFrame:
    """Per (run_id, agent) with a move: ``s`` the max over its moves of ``scorer``'s log-odds plus ``value_prior``'s
    offset (what ``agent_aggregation`` "max" ranks by) and ``row`` the row of ``Xc`` of that best move (the first
    in frame order on a tie)."""
    logit = scorer.decision_function(M) + m._value_offset(Xc)
    mv = pd.DataFrame({"run_id": Xc["run_id"], "agent": Xc["agent"].astype(object), "logit": logit})
    g = mv[mv["agent"].notna()].groupby(["run_id", "agent"], sort=False)["logit"]
    return pd.DataFrame({"s": g.max(), "row": g.idxmax()})


def candidates(m: BlameModel, Xc: pd.DataFrame, M: np.ndarray, agents: pd.DataFrame) -> tuple:
    """Per candidate agent of the agents table (run_id, agent): ``s`` its score and ``row`` its best move's row of
    ``Xc``; and the agent scorer's standardised inputs ``Z``."""
    cand = agents[agents["agent"].notna() & (agents["agent"].astype(str) != "<none>")]
    cand = cand[["run_id", "agent", "rank"]].drop_duplicates(["run_id", "agent"])
    cand = cand.join(best_moves(m.agent_model_, m, Xc, M), on=["run_id", "agent"])
    if cand["row"].isna().any():
        raise SystemExit("a candidate agent has no move: the harness is wrong")
    # rank 1 holds its run's highest score (the table ranks by it): else the harness reads another score
    top = cand.groupby("run_id")["s"].transform("max")
    if not np.allclose(cand.loc[cand["rank"] == 1, "s"], top[cand["rank"] == 1]):
        raise SystemExit("the agents table's first agent is not the best-scored: the harness is wrong")
    return cand.assign(row=cand["row"].astype(int)), m.agent_model_._z(M)


def pairs_of(cand: pd.DataFrame, agents: pd.DataFrame, la: pd.Series, look: str) -> list[tuple]:
    """The look's training pairs (run, culprit agent, other agent, weight): Q v11's top two when exactly one is a
    culprit; R every culprit candidate against every other candidate, the run's pairs sharing a weight of 1."""
    out = []
    if look == "Q":
        for run, a, b in top_two(agents)[["run_id", "first", "second"]].itertuples(index=False):
            cul = la.get(run, set())
            if (a in cul) != (b in cul):
                out.append((run, a, b, 1.0) if a in cul else (run, b, a, 1.0))
        return out
    for run, g in cand.groupby("run_id", sort=False):
        cul = la.get(run, set())
        yes = [a for a in g["agent"] if a in cul]
        no = [a for a in g["agent"] if a not in cul]
        out += [(run, a, b, 1.0 / (len(yes) * len(no))) for a in yes for b in no]
    return out


def pair_rows(parts: list[tuple]) -> tuple[np.ndarray, ...]:
    """(D, gap, y, w) over the out-of-fold parts' pairs in both orders, weights summing to the number of rows."""
    D, gap, W = [], [], []
    for cand, Z, pairs in parts:
        at = cand.set_index(["run_id", "agent"])
        for run, a, b, w in pairs:
            ra, rb = at.loc[(run, a)], at.loc[(run, b)]
            D.append(Z[int(ra["row"])] - Z[int(rb["row"])])
            gap.append(float(ra["s"]) - float(rb["s"]))
            W.append(w)
    D, gap, W = np.asarray(D), np.asarray(gap), np.asarray(W)
    D2, g2, y2, w2 = (
        np.vstack([D, -D]),
        np.r_[gap, -gap],
        np.r_[np.ones(len(D)), np.zeros(len(D))],
        np.r_[W, W] / 2,
    )
    return D2, g2, y2, w2 / w2.sum() * len(w2)


def fit_delta(D: np.ndarray, gap: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """δ minimising C · Σ w · log(1 + exp(-(2y - 1)(gap + D δ))) + ½‖δ‖² (no intercept; v11's gap fixed)."""
    sgn = 2.0 * y - 1.0
    D = np.asfortranarray(D)

    def f(delta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sgn * (gap + D @ delta)
        loss = float((w * np.logaddexp(0.0, -margin)).sum())
        grad = D.T @ (w * sgn * -expit(-margin))
        return C * loss + 0.5 * delta @ delta, C * grad + delta

    res = minimize(f, np.zeros(D.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return res.x


def corrected(m: BlameModel, delta: np.ndarray) -> LinearScorer:
    am = m.agent_model_
    return LinearScorer(am.median, am.mean, am.scale, am.coef + delta, am.intercept)


def first_of(table: pd.DataFrame, col: str) -> pd.Series:
    return table[table["rank"] == 1].drop_duplicates("run_id").set_index("run_id")[col]


def step_of(pick: pd.Series, v11_pick: pd.Series, steps: pd.DataFrame) -> pd.Series:
    """v11's step where the pick is v11's; else the picked agent's best-ranked move in v11's step ranking."""
    top = first_of(steps, "step_id")
    own = (
        steps[steps["agent"].notna()]
        .sort_values(["run_id", "rank"])
        .drop_duplicates(["run_id", "agent"])
        .set_index(["run_id", "agent"])["step_id"]
    )
    return pd.Series(
        {r: top.get(r) if a == v11_pick.get(r) else own.get((r, a)) for r, a in pick.items()}, dtype=object
    )


def split_run(X: pd.DataFrame, labels: pd.DataFrame, train: list, test: list, la: pd.Series) -> dict:
    """Everything one split contributes: picks and steps of v11, Q, R; δ's; pairs; the shipped confidences."""
    ids = np.asarray(sorted(train), dtype=object)
    oof = []
    for tr, te in GroupKFold(n_splits=5).split(ids, groups=ids):
        mf = fit_v11(X, labels, list(ids[tr]))
        Xc, M, _, agents = ranked(mf, X[X["run_id"].isin(ids[te])])
        cand, Z = candidates(mf, Xc, M, agents)
        oof.append((cand, Z, agents))
    m = fit_v11(X, labels, train)
    Xt = X[X["run_id"].isin(test)].reset_index(drop=True)
    Xc, M, steps, agents = ranked(m, Xt)
    v11_pick = first_of(agents, "agent").astype(object)
    out: dict = {"v11": (v11_pick, first_of(steps, "step_id")), "names": list(m.feature_names_in_)}
    for look in LOOKS:
        parts = [(cand, Z, pairs_of(cand, ag, la, look)) for cand, Z, ag in oof]
        delta = fit_delta(*pair_rows(parts))
        fixed = corrected(m, delta)
        if look == "R":
            _, _, _, ag_c = ranked(m, Xt, fixed)
            pick = first_of(ag_c, "agent").astype(object)
        else:
            score = best_moves(fixed, m, Xc, M)["s"]
            pick = v11_pick.copy()
            for run, a, b in top_two(agents)[["run_id", "first", "second"]].itertuples(index=False):
                if score[(run, b)] > score[(run, a)]:
                    pick[run] = b
        out[look] = (pick, step_of(pick, v11_pick, steps))
        out[f"{look} delta"] = delta
        out[f"{look} pairs"] = sum(len(p) for _, _, p in parts)
    t2 = top_two(agents)
    in2 = {
        r
        for r, a, b in t2[["run_id", "first", "second"]].itertuples(index=False)
        if {a, b} & la.get(r, set())
    }
    one = set(v11_pick.index) - set(t2["run_id"])
    out["ceiling"] = len(in2) + sum(v11_pick[r] in la.get(r, set()) for r in one)
    # v11 as shipped (calibration on): its verdicts and its calibrated confidence of every (run, agent)
    ms = fit_v11(X, labels, train, V11)
    out["shipped"] = shipped_verdicts(ms, Xt).set_index("run_id").reindex(list(test)).rename_axis("run_id")
    tab = ms.rank_frame(Xt)[1].drop_duplicates(["run_id", "agent"])
    out["conf"] = dict(zip(zip(tab["run_id"], tab["agent"], strict=True), tab["confidence"], strict=True))
    return out


def run(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    plan, ls, la = s48.whowhen_plan(X, labels)
    res: dict[str, dict] = {}
    held, deltas = [], []
    for name, train, test in plan:
        c0 = time.process_time()
        key = "Alg-Gen 5-fold CV" if name.startswith("cv") else name
        r = res.setdefault(key, {"runs": [], "ceiling": 0, "pairs": {}, "conf": {}})
        out = split_run(X, labels, list(train), list(test), la)
        r["runs"] += list(test)
        r["ceiling"] += out["ceiling"]
        v11_pick = out["v11"][0]
        for look in ("v11", *LOOKS):
            pick, step = out[look]
            r.setdefault(f"{look} agents", []).extend(pick.get(t) in la.get(t, set()) for t in test)
            r.setdefault(f"{look} steps", []).extend(step.get(t) in ls.get(t, set()) for t in test)
            r["conf"].setdefault(look, []).extend(
                (out["conf"].get((t, pick.get(t)), 0.0), pick.get(t) in la.get(t, set())) for t in test
            )
            if look != "v11":
                ch = [t for t in test if pick.get(t) != v11_pick.get(t)]
                r.setdefault(f"{look} changes", []).extend(ch)
                r.setdefault(f"{look} changes right", []).extend(
                    t for t in ch if pick.get(t) in la.get(t, set())
                )
                r["pairs"][look] = r["pairs"].get(look, 0) + out[f"{look} pairs"]
                deltas.append((name, look, out[f"{look} delta"], out["names"]))
        v = out["shipped"].reset_index()
        v["hit"] = [a in la.get(t, set()) for t, a in zip(v["run_id"], v["agent"], strict=True)]
        held.append(v.assign(split=key))
        print(
            f"  {name}: {len(train)} -> {len(test)} runs, {time.process_time() - c0:.0f} CPU s; "
            f"load {np.round(os.getloadavg(), 1)}",
            flush=True,
        )
    report(res)
    print("## δ's five largest entries (standardised) per split")
    for name, look, delta, names in deltas:
        top = np.argsort(-np.abs(delta))[:5]
        print(
            f"  {name} {look}: |δ| {np.linalg.norm(delta):.3f}; "
            + ", ".join(f"{names[i]} {delta[i]:+.3f}" for i in top)
        )
    stability(deltas)
    print("## Brier of v11-as-shipped's calibrated confidence in each pick, held out (per split, pooled)")
    for look in ("v11", *LOOKS):
        allc = []
        cells = []
        for key, r in res.items():
            c = np.array([x for x, _ in r["conf"][look]], dtype=float)
            h = np.array([y for _, y in r["conf"][look]], dtype=bool)
            allc += r["conf"][look]
            cells.append(f"{key} {brier(c, h):.4f}")
        c = np.array([x for x, _ in allc], dtype=float)
        h = np.array([y for _, y in allc], dtype=bool)
        print(
            f"  {look}: "
            + "; ".join(cells)
            + f"; pooled {brier(c, h):.4f} ({len(c)} verdicts, right {h.mean():.3f})"
        )
    calibration(pd.concat(held, ignore_index=True))


def stability(deltas: list[tuple]) -> None:
    """After the result (decides nothing): does δ point one way across the CV folds and across the two systems?
    (A feature a split's fit does not have, one silent in its training system, counts 0 in its δ.)"""
    print("## δ's direction: cosine between the CV folds' δ (mean, min, max), between ag->hc's and hc->ag's;")
    print("## features of one sign in all five CV folds with |δ| > 0.1 in each")
    for look in LOOKS:
        of = {name: pd.Series(d, index=n) for name, lk, d, n in deltas if lk == look}
        V = pd.DataFrame(of).fillna(0.0)
        unit = V / np.linalg.norm(V.to_numpy(), axis=0)
        cv = [c for c in V.columns if c.startswith("cv")]
        cos = [float(unit[cv[i]] @ unit[cv[j]]) for i in range(len(cv)) for j in range(i + 1, len(cv))]
        W = V[cv]
        same = list(W.index[(W > 0.1).all(axis=1) | (W < -0.1).all(axis=1)])
        print(
            f"  {look}: CV folds cosine mean {np.mean(cos):.3f} (min {min(cos):.3f}, max {max(cos):.3f}); "
            f"ag->hc vs hc->ag {float(unit['ag->hc'] @ unit['hc->ag']):.3f}; "
            f"one sign in all folds: {len(same)} of {len(V)} ({', '.join(same)})"
        )


def report(res: dict) -> None:
    rows, pooled = [], {look: [0, 0] for look in LOOKS}
    for key, r in res.items():
        d: dict = {"split": key, "runs": len(r["runs"]), "culprit in v11's top two": r["ceiling"]}
        for look in ("v11", *LOOKS):
            d[f"{look} agents / steps"] = f"{int(sum(r[f'{look} agents']))} / {int(sum(r[f'{look} steps']))}"
        for look in LOOKS:
            only = sum(x and not v for x, v in zip(r[f"{look} agents"], r["v11 agents"], strict=True))
            lost = sum(v and not x for x, v in zip(r[f"{look} agents"], r["v11 agents"], strict=True))
            pooled[look][0] += only
            pooled[look][1] += lost
            d[f"agents only {look} / only v11"] = f"{only} / {lost}"
            d[f"{look} changes (right); pairs"] = (
                f"{len(r[f'{look} changes'])} ({len(r[f'{look} changes right'])}); {r['pairs'][look]}"
            )
        rows.append(d)
    print("## Who&When, fitted per split (calibration off)\n" + markdown(pd.DataFrame(rows)))
    for look in LOOKS:
        gate1 = all(sum(r[f"{look} agents"]) > sum(r["v11 agents"]) for r in res.values())
        gate2 = all(
            sum(r[f"{look} steps"]) >= sum(r["v11 steps"]) - 0.01 * len(r["runs"]) for r in res.values()
        )
        only, lost = pooled[look]
        p = binomtest(only, only + lost, 0.5).pvalue if only + lost else 1.0
        total = sum(sum(r[f"{look} agents"]) for r in res.values())
        print(
            f"look {look}: gate 1 (agents > v11 on every split) {gate1}; gate 2 (steps within 1 point) {gate2}; "
            f"pooled agents right {total} (v11 {sum(sum(r['v11 agents']) for r in res.values())}); "
            f"only {look} / only v11 {only} / {lost}, exact McNemar p = {p:.3f}"
        )


def main() -> None:
    warnings.filterwarnings("ignore")
    c0, t0 = time.process_time(), time.perf_counter()
    X, labels = read_frame(Path(sys.argv[1]))
    run(X, labels)
    print(
        f"{time.process_time() - c0:.1f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
        f"load {np.round(os.getloadavg(), 1)}"
    )


if __name__ == "__main__":
    main()
