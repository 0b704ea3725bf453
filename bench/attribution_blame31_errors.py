"""blame31's error study of v11's agent choice (bench/protocol_blame31.md), Hand-Crafted kept unseen.

Usage::

    python bench/attribution_blame31_errors.py --frame FRAME --out CSV

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``). v11's parameters (v10's + listwise_weight
0.25; no calibration: rankings only) are fitted on each Alg-Gen 5-fold CV training part and on every leave-one-
system-out training part whose held-out system is not Hand-Crafted; the held-out runs' agent rankings go to CSV,
one row per (run, agent) with the run's shape and the agent's move-level facts. Hand-Crafted runs appear only as
training data: no output on a Hand-Crafted run is computed.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame28 import V10  # noqa: E402
from attribution_logonly import AG, HC, SIM  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402

V11 = {**V10, "listwise_weight": 0.25, "calibration_cv": None}


def held_out(
    X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str], split: str
) -> pd.DataFrame:
    m = BlameModel(**V11).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
    te = X[X["run_id"].isin(test)]
    steps, agents = m.rank_frame(te)
    scored = m._rank_steps(te, m.agent_model_)  # the agent scorer's move log-odds
    mv = scored.assign(a=scored["agent"].fillna("<none>").astype(object))
    per = (
        mv.groupby(["run_id", "a"])
        .agg(best_logit=("logit", "max"), n_moves=("pos", "size"), first_pos=("pos", "min"))
        .reset_index()
    )
    n = te.groupby("run_id")["pos"].max().rename("run_len") + 1
    lab = labels.drop_duplicates("run_id").set_index("run_id")
    out = agents.assign(a=agents["agent"].fillna("<none>").astype(object)).merge(
        per, on=["run_id", "a"], how="left"
    )
    out["split"] = split
    out["system"] = out["run_id"].map(te.drop_duplicates("run_id").set_index("run_id")["system"])
    out["run_len"] = out["run_id"].map(n)
    out["label_agent"] = out["run_id"].map(lab["agent"].astype(object))
    out["label_step"] = out["run_id"].map(lab["step_id"].astype(object))
    out["is_culprit"] = out["a"] == out["label_agent"]
    out["n_cand"] = out.groupby("run_id")["a"].transform("size")
    return out.drop(columns="a")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    ids = {s: sorted(sys_of.index[sys_of == s]) for s in sorted(sys_of.unique())}
    parts = []
    ag = ids[AG]
    for k, (tr, te) in enumerate(GroupKFold(n_splits=5).split(ag, groups=ag)):
        parts.append(held_out(X, labels, [ag[i] for i in tr], [ag[i] for i in te], f"cv{k}"))
    every = [x for v in ids.values() for x in v]
    for held in ids:
        if held in (HC, SIM):
            continue
        parts.append(held_out(X, labels, [x for x in every if sys_of[x] != held], ids[held], "loso"))
    out = pd.concat(parts, ignore_index=True)
    out.to_csv(args.out, index=False)
    top = out[out["rank"] == 1]
    print(top.groupby(["split", "system"])["is_culprit"].agg(["size", "mean"]).to_string())
    print("HC runs scored:", int((out["system"] == HC).sum()), "(must be 0)")
    assert not (out["system"] == HC).any()


if __name__ == "__main__":
    main()
