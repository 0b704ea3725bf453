"""conf33's declared rule (/work/wt/_notes/conf33.md, protocol): a verdict on a run unlike the training runs is
"uncertain", by a familiarity threshold chosen on leave-one-system-out verdicts.

Usage::

    python bench/attribution_conf33.py --frame FRAME [--dump CSV]     # choose t, then report it
    python bench/attribution_conf33.py --frame FRAME --quantiles       # the shipped v11's familiarity quantiles

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``). Every split fits v11 exactly (v10's parameters,
``listwise_weight=0.25``; calibrated as shipped) and reads its verdicts as ``BlameModel.predict`` makes them
(confidence rule, one-agent runs by their step's share), with each run's familiarity (``_familiarity``).

1. Choice data: leave-one-system-out over the real systems but Hand-Crafted (held-out verdicts pooled) and Alg-Gen
   5-fold CV. For each candidate t: Youden's J of "uncertain = confidence rule or familiarity < t" as a flag of a
   wrong agent verdict on the pooled LOSO verdicts, and the share of Alg-Gen CV verdicts flagged as unfamiliar.
   Chosen: the highest J among t with that share <= 10 % (ties: the smaller t); none if no t beats t = 0.
2. Report (the chosen t): Alg-Gen CV, Alg-Gen only -> Hand-Crafted, pooled LOSO over all 7 real systems: share
   flagged (confidence, familiarity, either), accuracy of flagged and unflagged verdicts, Brier of the confidence.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame31 import V11  # noqa: E402
from attribution_logonly import AG, HC, SIM, markdown  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._heuristics import sole_agent, verdicts  # noqa: E402

CANDIDATES = (0.01, 0.02, 0.05, 0.10, 0.20)
MAX_CV_SHARE = 0.10


def split_verdicts(
    X: pd.DataFrame,
    labels: pd.DataFrame,
    train: list[str],
    test: list[str],
    split: str,
) -> pd.DataFrame:
    """Per test run: hit, confidence, the confidence rule's flag, familiarity (v11 fitted on ``train``)."""
    m = BlameModel(**V11, unfamiliar_below=0.0).fit_frame(
        X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
    )
    steps, agents = m.rank_frame(X[X["run_id"].isin(test)])
    out = sole_agent(
        verdicts(steps, agents.assign(share=agents["confidence"]), m.uncertain_below),
        steps,
        agents,
        m.uncertain_below,
    )
    fam = agents.drop_duplicates("run_id").set_index("run_id")["familiarity"]
    culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    return pd.DataFrame(
        {
            "split": split,
            "run_id": out["run_id"],
            "system": out["run_id"].map(sys_of),
            "hit": [(r, a) in culprit for r, a in zip(out["run_id"], out["agent"], strict=True)],
            "confidence": out["agent_confidence"].to_numpy(dtype=float),
            "by_confidence": out["uncertain"].astype(bool).to_numpy(),
            "familiarity": out["run_id"].map(fam).to_numpy(dtype=float),
        }
    )


def flag_row(v: pd.DataFrame, t: float) -> dict:
    unfam = (v["familiarity"] < t).to_numpy()
    flag = v["by_confidence"].to_numpy() | unfam
    hit = v["hit"].to_numpy()
    wrong = ~hit
    tpr = flag[wrong].mean() if wrong.any() else float("nan")
    tnr = (~flag[hit]).mean() if hit.any() else float("nan")
    conf = v["confidence"].to_numpy()
    ok = ~np.isnan(conf)
    return {
        "t": t,
        "runs": len(v),
        "agent": hit.mean(),
        "flag_conf": v["by_confidence"].mean(),
        "flag_unfamiliar": unfam.mean(),
        "flagged": flag.mean(),
        "acc_flagged": hit[flag].mean() if flag.any() else float("nan"),
        "acc_unflagged": hit[~flag].mean() if (~flag).any() else float("nan"),
        "youden_J": tpr + tnr - 1,
        "brier": float(np.mean((conf[ok] - hit[ok]) ** 2)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--dump", type=Path)
    ap.add_argument(
        "--part",
        help="K/N: only the K-th of N interleaved shares of the splits (with --dump; processes "
        "side by side on a loaded machine)",
    )
    ap.add_argument("--combine", type=Path, nargs="+", help="the --dump files of every part: the tables")
    ap.add_argument(
        "--quantiles",
        action="store_true",
        help="print the shipped v11's training-run distance "
        "quantiles (its familiarity statistics over the frame's training runs) as JSON",
    )
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    if args.quantiles:
        print(json.dumps(shipped_quantiles(X, labels)))
        return
    c0, t0 = time.process_time(), time.perf_counter()
    if args.combine:
        v = pd.concat([pd.read_csv(p) for p in args.combine], ignore_index=True)
    else:
        v = all_verdicts(X, labels, args.part)
    if args.dump:
        v.to_csv(args.dump, index=False)
    if args.part:
        print(
            f"part {args.part}: {time.process_time() - c0:.0f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
            f"load average {np.round(os.getloadavg(), 1)}"
        )
        return
    cv = v[v["split"].str.startswith("cv")]
    loso = v[v["split"].str.startswith("loso:")]
    choice = loso[loso["system"] != HC]
    print(
        f"frame {args.frame}, {X['run_id'].nunique()} runs; {time.process_time() - c0:.0f} CPU s, "
        f"{time.perf_counter() - t0:.0f} s wall; load average {np.round(os.getloadavg(), 1)}\n"
    )
    rows = []
    for t in (0.0, *CANDIDATES):
        r = flag_row(choice, t)
        rows.append({**r, "cv_share_unfamiliar": flag_row(cv, t)["flag_unfamiliar"]})
    table = pd.DataFrame(rows)
    print("## 1. Choice: pooled LOSO held-out verdicts of the real systems but Hand-Crafted\n")
    print(markdown(table) + "\n")
    base_j = table.loc[table["t"] == 0.0, "youden_J"].iloc[0]
    ok = table[
        (table["t"] > 0) & (table["cv_share_unfamiliar"] <= MAX_CV_SHARE) & (table["youden_J"] > base_j)
    ]
    if ok.empty:
        print("no candidate beats the confidence-only flag within the Alg-Gen CV share: no rule")
        return
    chosen = float(ok.sort_values(["youden_J", "t"], ascending=[False, True])["t"].iloc[0])
    print(f"chosen t = {chosen}\n\n## 2. Report at t = {chosen} (and t = 0: the confidence rule alone)\n")
    rep = []
    for name, data in (
        ("Alg-Gen 5-fold CV", cv),
        ("Alg-Gen only -> Hand-Crafted", v[v["split"] == "ag->hc"]),
        ("pooled LOSO, 7 real systems", loso),
        *((f"  LOSO held out {s}", loso[loso["system"] == s]) for s in sorted(loso["system"].unique())),
    ):
        for t in (0.0, chosen):
            rep.append({"figure": name, **flag_row(data, t)})
    print(markdown(pd.DataFrame(rep).drop(columns=["youden_J"])))


def all_verdicts(X: pd.DataFrame, labels: pd.DataFrame, part: str | None) -> pd.DataFrame:
    """Every split's verdicts (or the K-th of N shares of the splits, ``part`` "K/N")."""
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    ids = {s: sorted(sys_of.index[sys_of == s]) for s in sorted(sys_of.unique())}
    every = [x for v in ids.values() for x in v]
    ag = ids[AG]
    splits = [
        ([ag[i] for i in tr], [ag[i] for i in te], f"cv{k}")
        for k, (tr, te) in enumerate(GroupKFold(n_splits=5).split(ag, groups=ag))
    ]
    splits.append((ids[AG], ids[HC], "ag->hc"))
    splits += [
        ([x for x in every if sys_of[x] != held], ids[held], f"loso:{held}") for held in ids if held != SIM
    ]
    if part:
        k, n = (int(x) for x in part.split("/"))
        # the LOSO fits cost most: dealt round-robin from the end so each share gets some
        splits = splits[::-1][k - 1 :: n]
    return pd.concat([split_verdicts(X, labels, *sp) for sp in splits], ignore_index=True)


def shipped_quantiles(X: pd.DataFrame, labels: pd.DataFrame) -> dict:
    """The shipped model's familiarity statistics refitted on its training runs (the frame), checked equal to the
    file's, and the training runs' distance quantiles those statistics give."""
    shipped = BlameModel.pretrained()
    m = BlameModel(**V11, unfamiliar_below=0.0).fit_frame(X, labels)
    f, g = m.familiarity_, shipped.familiarity_
    same = all(
        np.allclose(getattr(f, k), getattr(g, k), rtol=1e-9, atol=1e-12)
        for k in ("median", "mean", "scale", "reference")
    )
    if (
        not same
        or list(m.feature_names_in_) != list(shipped.feature_names_in_)
        or m.n_runs_ != shipped.n_runs_
    ):
        raise SystemExit("the frame's refit is not the shipped model's training set: its familiarity differs")
    return {"quantiles": f.quantiles.tolist(), "n_runs": m.n_runs_}


if __name__ == "__main__":
    main()
