"""blame51 harness (issue 12): look N (look L's rarity weighting on look H's recipe) and look M (v11's agent accuracy
where its verdict does not abstain), with the shipped confidence's Brier and reliability. Protocol:
bench/protocol_blame51.md.

Usage::

    python bench/attribution_blame51.py FRAME_V11 FRAME_H

FRAME_V11 is ``bench/attribution_blame14.py --save-frame``'s, FRAME_H ``bench/attribution_span48.py frame``'s (the
same runs, moves and labels, ``novelty="run"``). Prints look N's gates (v11 and H beside it, span48's Who&When
splits and scoring), then look M's table and the calibration of v11 as shipped on the same held-out runs.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_span48 as s48  # noqa: E402
from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_blame49_steps import actors  # noqa: E402
from attribution_logonly import markdown  # noqa: E402
from attribution_pair24 import reliability  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._calibration import brier  # noqa: E402
from workbench.attribution._coin_flip import coin_flips  # noqa: E402
from workbench.attribution._familiarity import unfamiliar  # noqa: E402
from workbench.attribution._heuristics import sole_agent, verdicts  # noqa: E402

# H's two named firsts and the act each names (look L's weights, without J's two added firsts)
ACTS = {"first_code": "has_code", "first_numbers": "novel_values"}


def rare_named_firsts(X: pd.DataFrame) -> pd.DataFrame:
    """H's frame with ``first_code`` and ``first_numbers`` times 1 - the share of the run's actor moves doing their
    act: a first move is credited for doing first what few moves of the run do."""
    X = X.copy()
    order, actor, _ = actors(X)
    n_actor = actor.groupby(order["run_id"]).sum().clip(lower=1)
    for name, col in ACTS.items():
        share = (actor & (order[col].fillna(0) > 0)).groupby(order["run_id"]).sum() / n_actor
        X[name] = X[name] * (1.0 - X["run_id"].map(share).fillna(0.0))
    return X


def shipped_verdicts(m: BlameModel, X: pd.DataFrame) -> pd.DataFrame:
    """``BlameModel.predict``'s table from a frame, built in ``_predict``'s order."""
    steps, agents = m.rank_frame(X)
    out = verdicts(steps, agents.assign(share=agents["confidence"]), m.uncertain_below)
    out = sole_agent(out, steps, agents, m.uncertain_below)
    if m.uncertain_margin is not None:
        out = coin_flips(out, agents, m.uncertain_margin)
    return unfamiliar(out, agents, getattr(m, "unfamiliar_below", 0.0))


def look_n(XV: pd.DataFrame, XH: pd.DataFrame, XN: pd.DataFrame, labels: pd.DataFrame) -> list[dict]:
    plan, ls, la = s48.whowhen_plan(XV, labels)
    looks = (("v11", XV, s48.FAST), ("H", XH, {**s48.FAST, **s48.H}), ("N", XN, {**s48.FAST, **s48.H}))
    res: dict[str, dict[str, list]] = {}
    held: list[pd.DataFrame] = []
    for name, train, test in plan:
        key = "Alg-Gen 5-fold CV" if name.startswith("cv") else name
        r = res.setdefault(key, {"runs": []})
        r["runs"] += list(test)
        for look, X, params in looks:
            m = BlameModel(**params).fit_frame(
                X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
            )
            steps, agents = m.rank_frame(X[X["run_id"].isin(test)].reset_index(drop=True))
            top_step = steps[steps["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["step_id"]
            top_agent = agents[agents["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
            r.setdefault(f"{look} steps", []).extend(top_step.get(t) in ls.get(t, set()) for t in test)
            r.setdefault(f"{look} agents", []).extend(top_agent.get(t) in la.get(t, set()) for t in test)
        # look M and the calibration: v11 as shipped (calibration on, every verdict default)
        m = BlameModel(**V11).fit_frame(XV[XV["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        v = shipped_verdicts(m, XV[XV["run_id"].isin(test)].reset_index(drop=True)).set_index("run_id")
        v = v.reindex(list(test)).rename_axis("run_id").reset_index()
        v["hit"] = [a in la.get(t, set()) for t, a in zip(v["run_id"], v["agent"], strict=True)]
        held.append(v.assign(split=key))
    rows = []
    for key, r in res.items():
        d: dict = {"split": key, "runs": len(r["runs"])}
        for k in ("v11 agents", "H agents", "N agents", "v11 steps", "H steps", "N steps"):
            d[k] = int(sum(r[k]))
        for look in ("H", "N"):
            d[f"agents only {look} / only v11"] = (
                f"{sum(h and not v for h, v in zip(r[f'{look} agents'], r['v11 agents'], strict=True))} / "
                f"{sum(v and not h for h, v in zip(r[f'{look} agents'], r['v11 agents'], strict=True))}"
            )
        rows.append(d)
    print("## look N: Who&When (fitted per split, calibration off)\n" + markdown(pd.DataFrame(rows)))
    gate1 = all(d["N agents"] > d["v11 agents"] for d in rows)
    gate2 = all(d["N steps"] >= d["v11 steps"] - 0.01 * d["runs"] for d in rows)
    print(f"gate 1 (N agents > v11 on every split): {gate1}; gate 2 (steps within 1 point): {gate2}")
    return held


def look_m(held: pd.DataFrame) -> None:
    rows = []
    tests = []
    for rule, abst in (("M1 (verdict uncertain)", held["uncertain"]), ("M2 (confidence < 0.5)", None)):
        a = abst if abst is not None else held["agent_confidence"].fillna(0.0) < 0.5
        for split, g in [*held.groupby("split", sort=False), ("pooled", held)]:
            ab = a.loc[g.index] if split != "pooled" else a
            ans, out = g[~ab.astype(bool)], g[ab.astype(bool)]
            rows.append(
                {
                    "rule": rule,
                    "split": split,
                    "runs": len(g),
                    "agents right (all)": f"{int(g['hit'].sum())} ({g['hit'].mean():.1%})",
                    "answered": f"{len(ans)} ({len(ans) / len(g):.0%})",
                    "right when answered": f"{int(ans['hit'].sum())} ({ans['hit'].mean():.1%})",
                    "right when abstained": f"{int(out['hit'].sum())} ({out['hit'].mean():.1%})",
                    "separates": bool(ans["hit"].mean() > out["hit"].mean()),
                }
            )
            if split == "pooled":
                t = [
                    [int(ans["hit"].sum()), int((~ans["hit"]).sum())],
                    [int(out["hit"].sum()), int((~out["hit"]).sum())],
                ]
                tests.append((rule, fisher_exact(t, alternative="greater").pvalue))
    print("## look M: v11 as shipped, agents right where it answers\n" + markdown(pd.DataFrame(rows)))
    for rule, p in tests:
        print(f"{rule}: pooled one-sided Fisher exact p = {p:.4f}")


def calibration(held: pd.DataFrame) -> None:
    print("## calibration of v11 as shipped (agent_confidence in its pick), held out")
    for split, g in [*held.groupby("split", sort=False), ("pooled", held)]:
        c = g["agent_confidence"].fillna(0.0).to_numpy()
        several = ~g["only_agent"].astype(bool).to_numpy()
        print(
            f"  {split}: Brier {brier(c, g['hit']):.4f} ({len(g)} verdicts, right {g['hit'].mean():.3f}); "
            f"more than one candidate: {brier(c[several], g['hit'][several]):.4f} ({several.sum()} verdicts)"
        )
    b, cells = reliability(
        pd.DataFrame({"confidence": held["agent_confidence"].fillna(0.0), "hit": held["hit"]})
    )
    print(f"  reliability (pooled, Brier {b:.4f}): {cells}")


def main() -> None:
    warnings.filterwarnings("ignore")
    c0, t0 = time.process_time(), time.perf_counter()
    XV, labels = read_frame(Path(sys.argv[1]))
    XH, labels_h = read_frame(Path(sys.argv[2]))
    if not labels.equals(labels_h) or not XV[["run_id", "step_id"]].equals(XH[["run_id", "step_id"]]):
        raise SystemExit("the two frames do not hold the same runs, moves and labels")
    XN = rare_named_firsts(XH)
    held = pd.concat(look_n(XV, XH, XN, labels), ignore_index=True)
    look_m(held)
    calibration(held)
    print(
        f"{time.process_time() - c0:.1f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
        f"load {np.round(os.getloadavg(), 1)}"
    )


if __name__ == "__main__":
    main()
