"""blame54's diagnostics (bench/protocol_blame54.md; they decide nothing).

Usage::

    python bench/attribution_blame54_diag.py misses FRAME   # where v11 misses on Alg-Gen CV (before the protocol)
    python bench/attribution_blame54_diag.py coef FRAME     # look P's share_vs_even weight per system (after)

FRAME is ``bench/attribution_blame14.py --save-frame``'s. ``misses`` reads Alg-Gen's CV folds only (the runs the
protocol's design may look at); Hand-Crafted is not scored by it.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_span48 as s48  # noqa: E402
from attribution_blame44 import AG, HC, read_frame  # noqa: E402
from attribution_blame54 import WithEvenShare, with_even_share  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402


def misses(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    plan, _, la = s48.whowhen_plan(X, labels)
    rows = []
    for name, train, test in plan:
        if not name.startswith("cv"):
            continue
        m = BlameModel(**s48.FAST).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        Xt = X[X["run_id"].isin(test)].reset_index(drop=True)
        steps, agents = m.rank_frame(Xt)
        talk = Xt[(Xt["is_tool"] == 0) & (Xt["is_human"] == 0)].sort_values(["run_id", "pos"])
        final = talk.groupby("run_id")["agent"].last()
        g = Xt.groupby(["run_id", "agent"])
        order, n_moves = g["agent_order"].min(), g.size()
        best = (
            steps.sort_values("rank")
            .drop_duplicates(["run_id", "agent"])
            .set_index(["run_id", "agent"])["pos"]
        )
        for run, a in agents.groupby("run_id"):
            a = a.sort_values("rank")
            culprits = la.get(run, set())
            pick, hit = a["agent"].iloc[0], a["agent"].iloc[0] in culprits
            c = next(iter(culprits), None)
            other = a["agent"].iloc[1] if hit and len(a) > 1 else (None if hit else c)
            rows.append(
                {
                    "hit": hit,
                    "candidates": len(a),
                    "culprit rank": a.loc[a["agent"].isin(culprits), "rank"].min(),
                    "pick share": a["share"].iloc[0],
                    # calibration off: the share, shrunk toward 0.5 on an unfamiliar run (shift_scale)
                    "pick confidence": a["confidence"].iloc[0],
                    "gap": a["score"].iloc[0] - a["score"].iloc[1] if len(a) > 1 else np.nan,
                    "pick spoke first": order.get((run, pick), np.nan) < order.get((run, c), np.nan),
                    "culprit first speaker": order.get((run, c)) == 0,
                    "culprit final": final.get(run) == c,
                    "pick final": final.get(run) == pick,
                    "culprit more moves": np.sign(n_moves.get((run, c), 0) - n_moves.get((run, pick), 0)),
                    # hits: the runner-up's best move against the pick's; misses: the culprit's
                    "other later": (
                        np.sign(best.get((run, other), np.nan) - best.get((run, pick), np.nan))
                        if other
                        else np.nan
                    ),
                }
            )
    D = pd.DataFrame(rows)
    M, H = D[~D["hit"]], D[D["hit"]]
    print(f"Alg-Gen CV: {int(D['hit'].sum())} of {len(D)} right; {len(M)} misses")
    print("culprit's rank in v11's agents, misses:", M["culprit rank"].value_counts().sort_index().to_dict())
    print(
        "candidates (misses / hits):",
        M["candidates"].value_counts().to_dict(),
        H["candidates"].value_counts().to_dict(),
    )
    print(
        f"pick share <= 0.6: misses {int((M['pick share'] <= 0.6).sum())}, hits {int((H['pick share'] <= 0.6).sum())}"
    )
    print(
        f"pick confidence <= 0.6: misses {int((M['pick confidence'] <= 0.6).sum())}, "
        f"hits {int((H['pick confidence'] <= 0.6).sum())}"
    )
    print(f"top-two score gap, median: misses {M['gap'].median():.2f}, hits {H['gap'].median():.2f}")
    print(
        f"misses: pick spoke first {int(M['pick spoke first'].sum())}; culprit final {int(M['culprit final'].sum())}, "
        f"pick final {int(M['pick final'].sum())}"
    )
    print(
        f"culprit first speaker: misses {int(M['culprit first speaker'].sum())}, hits {int(H['culprit first speaker'].sum())}"
    )
    print(
        "culprit more / fewer / as many moves as the pick (misses):",
        M["culprit more moves"].value_counts().to_dict(),
    )
    print(
        "runner-up (hits) / culprit (misses) best move later than the pick's:",
        int((H["other later"] > 0).sum()),
        "of",
        int(H["other later"].notna().sum()),
        "/",
        int((M["other later"] > 0).sum()),
        "of",
        int(M["other later"].notna().sum()),
    )


def coef(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    XP = with_even_share(X)
    for system in (AG, HC):
        runs = sys_of.index[sys_of == system]
        p = WithEvenShare(**s48.FAST).fit_frame(
            XP[XP["run_id"].isin(runs)], labels[labels["run_id"].isin(runs)]
        )
        for name, scorer in (("step", p.step_model_), ("agent", p.agent_model_)):
            c = pd.Series(scorer.coef, index=p.feature_names_in_)
            w = c["share_vs_even"]
            print(
                f"{system} {name}: share_vs_even {w:+.3f} (rank {int((c.abs() > abs(w)).sum()) + 1} of {len(c)} "
                f"by size), agent_share {c['agent_share']:+.3f}"
            )
        v = XP.loc[XP["run_id"].isin(runs), "share_vs_even"]
        print(f"  share_vs_even per move: mean {v.mean():.2f}, sd {v.std():.2f}")


def main() -> None:
    warnings.filterwarnings("ignore")
    X, labels = read_frame(Path(sys.argv[2]))
    {"misses": misses, "coef": coef}[sys.argv[1]](X, labels)


if __name__ == "__main__":
    main()
