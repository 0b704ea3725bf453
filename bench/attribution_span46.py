"""span46 (bench/protocol_blame46.md, addendum span46): look C (a span ranker for span-tree traces) and look D
(an "uncertain" that fires at a coin flip).

    python bench/attribution_span46.py rank OUT            # look C on the stores attribution_trail46.py built
    python bench/attribution_span46.py conf TRAIL OUT HC   # look D: U1 / U2 on Hand-Crafted and TRAIL GAIA
    python bench/attribution_span46.py conf2 [--alone] TRAIL OUT HC   # D2 (today or margin) / D3 (margin alone)
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _span_ranker46 import SpanRanker, span_frame  # noqa: E402
from attribution_trail46 import (  # noqa: E402
    SPLITS,
    _derived_culprits,
    _hit_chance,
    _kinds,
    _scorable,
    _trivial,
    generated_store,
)

import workbench as wb  # noqa: E402
from workbench.attribution import BlameModel  # noqa: E402
from workbench.attribution._heuristics import culprit_labels  # noqa: E402


def _labels(ws: wb.Workspace, runs: list[str]) -> pd.DataFrame:
    return culprit_labels(ws, runs).dropna(subset=["step_id"])[["run_id", "step_id"]].drop_duplicates()


def _score(ranker: SpanRanker, X: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    """top-1 / top-3 over the runs of X: an annotated move among the first k."""
    r = ranker.rank_frame(X)
    named = set(zip(labels["run_id"], labels["step_id"], strict=True))
    r["hit"] = [(a, b) in named for a, b in zip(r["run_id"], r["step_id"], strict=True)]
    top1 = r[r["rank"] == 1].groupby("run_id")["hit"].any()
    top3 = r[r["rank"] <= 3].groupby("run_id")["hit"].any()
    return {"top1": float(top1.mean()), "top3": float(top3.mean()), "traces": int(len(top1))}


def _cv_choice(X: pd.DataFrame, labels: pd.DataFrame, seed: int = 0) -> tuple[str, dict]:
    """The estimator with the higher top-1 + top-3 in 5-fold CV by trace on the training set (ties: linear)."""
    runs = np.array(sorted(labels["run_id"].unique()))
    rng = np.random.default_rng(seed)
    folds = np.array_split(rng.permutation(runs), 5)
    res = {}
    for est in ("linear", "trees"):
        s1 = s3 = n = 0
        for f in folds:
            tr, te = X[~X.run_id.isin(f)], X[X.run_id.isin(f)]
            m = SpanRanker(estimator=est).fit_frame(tr, labels[~labels.run_id.isin(f)])
            s = _score(m, te, labels[labels.run_id.isin(f)])
            s1, s3, n = s1 + s["top1"] * s["traces"], s3 + s["top3"] * s["traces"], n + s["traces"]
        res[est] = (s1 / n, s3 / n)
    best = "trees" if sum(res["trees"]) > sum(res["linear"]) else "linear"
    return best, res


def _generated(n: int = 150, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    gen = generated_store(n, seed)
    runs = sorted(culprit_labels(gen).run_id.unique())
    return span_frame(gen, runs), _labels(gen, runs)


def _data(out: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    data = {}
    for n in SPLITS:
        ws = wb.open(str(out / f"{n}.duckdb"), read_only=True)
        runs, info = _scorable(ws)
        print(f"{n}: {info}", file=sys.stderr)
        kinds = _kinds(ws)
        data[n] = (span_frame(ws, runs), _labels(ws, runs), kinds[kinds.run_id.isin(runs)])
    return data


def rank(out: Path) -> None:
    data = _data(out)
    gX, gL = _generated()
    rows = []
    other = {"gaia": "swe", "swe": "gaia"}
    for n, (X, L, K) in data.items():
        o = other[n]
        tX, tL, tK = data[o]
        est, cv = _cv_choice(tX, tL)
        s = _score(SpanRanker(estimator=est).fit_frame(tX, tL), X, L)
        uni = _hit_chance(K, pd.Series(False, index=K.index))
        kind, triv = _trivial(tK, K)
        gest, gcv = _cv_choice(gX, gL)
        g = _score(SpanRanker(estimator=gest).fit_frame(gX, gL), X, L)
        print(f"{n}: CV on {o}: {cv} -> {est}; CV on generated: {gcv} -> {gest}", file=sys.stderr)
        for what, r in (
            (f"R: fitted on TRAIL {o} ({est})", s),
            (f"R: fitted on generated only ({gest})", g),
            ("uniformly random row", uni),
            (f"trivial: random {kind} span (kind from {o})", triv),
        ):
            rows.append({"ranking": what, "scored on": n, "top1": r["top1"], "top3": r["top3"]})
        ok = all(s[k] > uni[k] and s[k] > triv[k] for k in ("top1", "top3"))
        gok = all(g[k] > uni[k] and g[k] > triv[k] for k in ("top1", "top3"))
        print(f"{n}: cross-split passes: {ok}; generated-only passes: {gok}")
    print(pd.DataFrame(rows).round(3).to_string(index=False))


# ---- look D --------------------------------------------------------------------------------------------------


def _rules(verdicts: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """Per verdict: today's uncertain, U1 (chance) and U2 (margin)."""
    a = agents[agents["agent"].notna() & (agents["agent"] != "<none>")].sort_values(
        ["run_id", "confidence"], ascending=[True, False]
    )
    n = a.groupby("run_id")["agent"].size()
    c2 = a.groupby("run_id")["confidence"].nth(1)
    c2 = pd.Series(c2.to_numpy(), index=a.loc[c2.index, "run_id"]) if len(c2) else pd.Series(dtype=float)
    v = verdicts.copy()
    v["n"] = v.run_id.map(n)
    c1 = v["agent_confidence"].astype(float)
    v["today"] = v["uncertain"].astype(bool)
    v["U1"] = v["today"] | ((c1 - 1 / v["n"]) / (1 - 1 / v["n"]) < 0.2)
    v["U2"] = v["today"] | ((c1 - v.run_id.map(c2).fillna(0.0)) < 0.1)
    return v


def share_margin(agents: pd.DataFrame, column: str = "share") -> pd.Series:
    """Per run: the top agent's share of the run's blame minus the runner-up's (shares before calibration)."""
    a = agents[agents["agent"].notna() & (agents["agent"] != "<none>")]
    s = a.sort_values(["run_id", column], ascending=[True, False]).groupby("run_id")[column]
    return s.apply(lambda x: float(x.iloc[0] - (x.iloc[1] if len(x) > 1 else 0.0)))


def _report(
    name: str, v: pd.DataFrame, truth: dict[str, str], rules: tuple = ("today", "U1", "U2")
) -> list[dict]:
    ok = np.array([a == truth.get(r) for r, a in zip(v.run_id, v.agent, strict=True)])
    rows = []
    for rule in rules:
        u = v[rule].to_numpy(bool)
        sure = ok[~u].mean() if (~u).any() else np.nan
        unc = ok[u].mean() if u.any() else np.nan
        rows.append(
            {
                "set": name,
                "rule": rule,
                "runs": len(v),
                "right": int(ok.sum()),
                "sure": f"{int(ok[~u].sum())}/{int((~u).sum())}",
                "uncertain": f"{int(ok[u].sum())}/{int(u.sum())}",
                "gap": round(100 * (sure - unc), 1) if u.any() and (~u).any() else None,
                "changed": int((u & ~v["today"].to_numpy(bool)).sum()),
                "passes": bool(u.sum() >= 3 and (~u).sum() >= 3 and sure - unc >= 0.05),
            }
        )
    return rows


def _whowhen(folder: Path) -> wb.Workspace:
    ws = wb.open()
    ws.ingest([str(p) for p in sorted(folder.glob("*.json"))], format="whowhen", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from workbench.detect import detect

        detect(ws, progress=False)
    return ws


def conf(trail: Path, out: Path, hc: Path) -> None:
    model = BlameModel.pretrained()
    rows = []
    ws = wb.open(str(out / "gaia.duckdb"), read_only=True)
    runs = sorted(culprit_labels(ws).run_id.unique())
    v, _, agents = model._predict(ws, runs)
    first, _ = _derived_culprits(trail, ws)
    cands = agents.groupby("run_id")["agent"].agg(set)
    v = v[v.run_id.map(lambda r: len(cands.get(r, ())) > 1 and first.get(r) in cands.get(r, ()))]
    rows += _report("TRAIL GAIA two-agent (earliest HIGH)", _rules(v, agents), first)
    ag = Path(__file__).resolve().parents[2] / "shared" / "samples" / "whowhen-algorithm-generated"
    for name, folder in (("Who&When Hand-Crafted", hc), ("Who&When Alg-Gen (v11's training set)", ag)):
        if not folder.exists():
            continue
        w = _whowhen(folder)
        lab = culprit_labels(w).dropna(subset=["agent"])
        truth = lab[lab["first"]].set_index("run_id")["agent"].to_dict()
        truth.update({r: a for r, a in zip(lab.run_id, lab.agent, strict=True) if r not in truth})
        v, _, agents = model._predict(w, sorted(truth))
        v = v[~v["only_agent"]]
        rows += _report(name, _rules(v, agents), truth)
    print(pd.DataFrame(rows).to_string(index=False))


def _sets(trail: Path, out: Path, hc: Path) -> list[tuple[str, pd.DataFrame, pd.DataFrame, dict]]:
    """(name, verdicts, agents, culprits) of TRAIL GAIA's two-agent runs, Hand-Crafted and Alg-Gen under v11."""
    model = BlameModel.pretrained()
    ws = wb.open(str(out / "gaia.duckdb"), read_only=True)
    v, _, agents = model._predict(ws, sorted(culprit_labels(ws).run_id.unique()))
    first, _ = _derived_culprits(trail, ws)
    cands = agents.groupby("run_id")["agent"].agg(set)
    v = v[v.run_id.map(lambda r: len(cands.get(r, ())) > 1 and first.get(r) in cands.get(r, ()))]
    sets = [("TRAIL GAIA two-agent (earliest HIGH)", v, agents, first)]
    ag = Path(__file__).resolve().parents[2] / "shared" / "samples" / "whowhen-algorithm-generated"
    for name, folder in (("Who&When Hand-Crafted", hc), ("Who&When Alg-Gen", ag)):
        w = _whowhen(folder)
        lab = culprit_labels(w).dropna(subset=["agent"])
        truth = lab[lab["first"]].set_index("run_id")["agent"].to_dict()
        truth.update({r: a for r, a in zip(lab.run_id, lab.agent, strict=True) if r not in truth})
        v, _, agents = model._predict(w, sorted(truth))
        sets.append((name, v[~v["only_agent"]], agents, truth))
    return sets


def conf2(trail: Path, out: Path, hc: Path, alone: bool = False, on: str = "share") -> None:
    """Look D2: U3 = today's or share margin < delta (D3, ``alone``: the margin alone), delta chosen on Alg-Gen."""
    sets = _sets(trail, out, hc)
    grid = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3) if on == "share" else (0.01, 0.02, 0.05, 0.1, 0.15, 0.2)

    def with_u3(v: pd.DataFrame, agents: pd.DataFrame, delta: float) -> pd.DataFrame:
        v = v.copy()
        v["today"] = v["uncertain"].astype(bool)
        small = v.run_id.map(share_margin(agents, on)).fillna(0.0) < delta
        # D2's U3: today's or a small margin; D3's U4: the margin alone (an unfamiliar run stays uncertain)
        v["U3"] = (v["today"] | small) if not alone else (small | v["unfamiliar"].astype(bool))
        return v

    name, v, agents, truth = sets[-1]
    ok = np.array([a == truth.get(r) for r, a in zip(v.run_id, v.agent, strict=True)])
    best, best_gap = None, -np.inf
    for d in grid:
        u = with_u3(v, agents, d)["U3"].to_numpy(bool)
        if min(u.mean(), 1 - u.mean()) < 0.2:
            print(f"Alg-Gen delta {d}: {u.sum()} of {len(u)} uncertain (outside 20-80 %)")
            continue
        gap = ok[~u].mean() - ok[u].mean()
        print(f"Alg-Gen delta {d}: {u.sum()} of {len(u)} uncertain, gap {100 * gap:.1f}")
        if gap > best_gap:
            best, best_gap = d, gap
    print(f"chosen delta: {best}")
    if best is None:
        return
    rows = []
    for name, v, agents, truth in sets:
        rows += _report(name, with_u3(v, agents, best), truth, ("today", "U3"))
    print(pd.DataFrame(rows).to_string(index=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rank")
    r.add_argument("out", type=Path)
    c = sub.add_parser("conf")
    c.add_argument("trail", type=Path)
    c.add_argument("out", type=Path)
    c.add_argument("hc", type=Path)
    c2 = sub.add_parser("conf2")
    c2.add_argument("trail", type=Path)
    c2.add_argument("out", type=Path)
    c2.add_argument("hc", type=Path)
    c2.add_argument("--alone", action="store_true", help="look D3: the margin alone")
    c2.add_argument("--on", default="share", choices=("share", "score"), help="look D4: the agents' scores")
    a = ap.parse_args()
    if a.cmd == "conf2":
        conf2(a.trail, a.out, a.hc, a.alone, a.on)
    elif a.cmd == "rank":
        rank(a.out)
    else:
        conf(a.trail, a.out, a.hc)


if __name__ == "__main__":
    main()
