"""blame30's declared variants (bench/protocol_blame30.md): blame28's B2 agent choice (¾ v10 + ¼ listwise L1
coefficients, with its calibrated confidence) with the decisive step taken another way.

Usage::

    python bench/attribution_blame30.py --frame FRAME --variant C1 C2 C3 [--dump CSV]
    python bench/attribution_blame30.py --frame FRAME --variant v10 B2      # checks: blame28's figures again
    # the shipped file of a variant (BlameModel's own parameters; its figures again, from BlameModel alone)
    python bench/attribution_blame30.py --frame FRAME --variant C1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v11.json --chosen-by "..."

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``).

- (C1) agents, confidence: B2; steps: v10's scorer, its rule (the top move of the run);
- (C2) agents, confidence: B2; steps: v10's scorer, the named agent's moves first (its best move is the step);
- (C3) agents, confidence and step scores: B2; steps: the named agent's moves first.

Each split fits B2 (calibrated on the first two figures) and v10 once; every variant asked for is read off the
same fits. Figures: bench/attribution_pair24.py's, as blame28's harness.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame14 as b14  # noqa: E402
from attribution_blame17 import VARIANT_NOTES  # noqa: E402
from attribution_blame28 import V10, model_class  # noqa: E402
from attribution_logonly import markdown  # noqa: E402
from attribution_pair24 import reliability  # noqa: E402

from workbench.attribution._evaluate import _metrics  # noqa: E402

# variant -> (model whose agents and confidence, model whose step scores, step rule)
VARIANTS = {
    "v10": ("v10", "v10", "top"),
    "B2": ("B2", "B2", "top"),
    "C1": ("B2", "v10", "top"),
    "C2": ("B2", "v10", "within"),
    "C3": ("B2", "B2", "within"),
}


# The variants as BlameModel parameters (what ships): v10's plus these.
SHIPPED = {
    "C1": {"listwise_weight": 0.25},
    "C2": {"listwise_weight": 0.25, "step_rule": "named_agent"},
    "C3": {"listwise_weight": 0.25, "listwise_steps": True, "step_rule": "named_agent"},
}
NOTES = {
    "listwise_weight": (
        "0.25: the scorer that names the culprit agent has 3/4 the per-move fit's coefficients and "
        "1/4 those of a fit of the softmax over each run's moves (bench/protocol_blame26.md L1, "
        "blame28's B2); declared in bench/protocol_blame30.md"
    ),
    **VARIANT_NOTES["i4"],
}  # v10's notes: system_balance, the simulator's fixed labels


def within_agent(steps: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """``steps`` re-ranked so the run's top agent's moves come first (by log-odds, then the earlier move)."""
    top = agents.loc[agents["rank"] == 1, ["run_id", "agent"]].rename(columns={"agent": "_top"})
    s = steps.assign(_a=steps["agent"].fillna("<none>").astype(object)).merge(top, on="run_id", how="left")
    s["_out"] = (s["_a"] != s["_top"]).astype(int)
    s = s.sort_values(["run_id", "_out", "logit", "pos"], ascending=[True, True, False, True], kind="stable")
    s["rank"] = s.groupby("run_id", sort=False).cumcount() + 1
    return s.drop(columns=["_a", "_top", "_out"]).sort_values(
        ["run_id", "pos"], kind="stable", ignore_index=True
    )


class Fits:
    """B2 and v10 fitted once per split; every variant's rankings read off them."""

    def __init__(self, X: pd.DataFrame, labels: pd.DataFrame, need_v10_agents: bool) -> None:
        self.X, self.labels, self.need_v10_agents = X, labels, need_v10_agents
        self.cache: dict[tuple, dict] = {}

    def get(self, train: list[str], test: list[str], calibrate: bool) -> dict:
        key = (tuple(train), tuple(test), calibrate)
        if key not in self.cache:
            X, labels = self.X, self.labels
            tr, te = X[X["run_id"].isin(train)], X[X["run_id"].isin(test)]
            lab = labels[labels["run_id"].isin(train)]
            out = {}
            for name in ("B2", "v10"):
                cal = calibrate and (name == "B2" or self.need_v10_agents)
                p = V10 if cal else {**V10, "calibration_cv": None}
                out[name] = model_class(name)(**p).fit_frame(tr, lab).rank_frame(te)
            self.cache = {key: out}  # figure_rows asks for each split once per variant, in order
        return self.cache[key]


class Variant:
    def __init__(self, name: str, fits: Fits, dump: list) -> None:
        self.name, self.fits, self.dump = name, fits, dump

    def score(self, train: list[str], test: list[str], calibrate: bool) -> tuple[dict, pd.DataFrame | None]:
        a_from, s_from, rule = VARIANTS[self.name]
        out = self.fits.get(train, test, calibrate)
        agents = out[a_from][1]
        steps = out[s_from][0]
        if rule == "within":
            steps = within_agent(steps, agents)
        labels = self.fits.labels
        verdict = None
        top = agents[agents["rank"] == 1].set_index("run_id")
        culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
        hit = [(r, a) in culprit for r, a in zip(top.index, top["agent"], strict=True)]
        if calibrate:
            verdict = pd.DataFrame(
                {"confidence": top["confidence"].to_numpy(dtype=float), "hit": hit}, index=top.index
            )
        truth = set(zip(labels["run_id"], labels["step_id"].astype(object), strict=True))
        s1 = steps[steps["rank"] == 1]
        self.dump.append(
            pd.DataFrame(
                {
                    "variant": self.name,
                    "train_n": len(train),
                    "calibrate": calibrate,
                    "run_id": s1["run_id"].to_numpy(),
                    "step_id": s1["step_id"].to_numpy(),
                    "step_agent": s1["agent"].to_numpy(),
                    "step_hit": [(r, s) in truth for r, s in zip(s1["run_id"], s1["step_id"], strict=True)],
                }
            ).merge(
                pd.DataFrame({"run_id": top.index, "agent": top["agent"].to_numpy(), "agent_hit": hit}),
                on="run_id",
                how="left",
            )
        )
        return _metrics(labels[labels["run_id"].isin(test)], steps, agents, 3, 2), verdict


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", nargs="+", choices=list(VARIANTS), required=True)
    ap.add_argument("--dump", type=Path, help="per-run verdicts of every split to this CSV")
    ap.add_argument(
        "--write-pretrained",
        metavar="FILE",
        help="write the shipped model file FILE (under "
        "workbench/attribution/models) of the one --variant, fitted on every run, with provenance",
    )
    ap.add_argument("--chosen-by", default="")
    ap.add_argument("--aegis", type=Path)
    ap.add_argument("--aegis-cap", type=int, default=150)
    ap.add_argument("--sim", type=int, default=300)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    if args.write_pretrained:
        (name,) = args.variant
        params = {**V10, **SHIPPED[name]}
        b14.FAST = {**params, "calibration_cv": None}
        b14.write_pretrained(
            X,
            labels,
            args,
            params=params,
            notes={
                **NOTES,
                **(
                    {
                        "step_rule": "named_agent: the decisive step is the best move (per-move scorer) of the agent "
                        "named"
                    }
                    if "step_rule" in SHIPPED[name]
                    else {}
                ),
            },
            written_by=(
                f"bench/attribution_blame30.py --frame FRAME --variant {name} --aegis AEGIS --aegis-cap {args.aegis_cap} "
                f"--sim {args.sim} --write-pretrained {args.write_pretrained} (FRAME: bench/attribution_blame14.py "
                "--save-frame over bench/attribution_public_sets.py's runs, the simulator's labels of blame16)"
            ),
        )
        return
    fits = Fits(X, labels, need_v10_agents="v10" in args.variant)
    dump: list[pd.DataFrame] = []
    variants = [Variant(n, fits, dump) for n in args.variant]
    c0, t0 = time.process_time(), time.perf_counter()
    # figure_rows runs one scorer over every split; the splits are recorded first (a dry pass), every variant
    # is scored split by split off the same fits, and figure_rows is then replayed per variant on its answers.
    tables = {}
    calls: list[tuple[list[str], list[str], bool]] = []
    b14.figure_rows(X, lambda tr, te, first: calls.append((tr, te, first)) or (_dummy(), None))
    results = {v.name: [] for v in variants}
    for tr, te, first in calls:
        for v in variants:
            results[v.name].append(v.score(tr, te, first))
    for v in variants:
        replies = iter(results[v.name])
        tables[v.name] = b14.figure_rows(
            X,
            lambda tr, te, first, r=replies: next(r),
            calibration=lambda vv: dict(zip(("brier", "reliability"), reliability(vv), strict=True)),
        )
    print(
        f"\nvariants {' '.join(args.variant)}, frame {args.frame}, {X['run_id'].nunique()} runs; "
        f"{time.process_time() - c0:.0f} CPU s, {time.perf_counter() - t0:.0f} s wall; load average "
        f"{np.round(os.getloadavg(), 1)}"
    )
    for name, rows in tables.items():
        print(f"\nvariant {name}\n")
        print(markdown(pd.DataFrame(rows)), flush=True)
    if args.dump:
        pd.concat(dump, ignore_index=True).to_csv(args.dump, index=False)


def _dummy() -> dict:
    return {"runs": 1, "agent_acc": 0.0, "step_runs": 1, "step_acc": 0.0}


if __name__ == "__main__":
    main()
