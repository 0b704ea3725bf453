"""blame31's declared variants (bench/protocol_blame31.md): v11 with its agents ranked another way.

Usage::

    python bench/attribution_blame31.py --frame FRAME --variant v11            # check: v11's figures again
    python bench/attribution_blame31.py --frame FRAME --variant D1 D2 D3 [--dump CSV]
    # the shipped file of a variant (BlameModel's own parameters; its figures again, from BlameModel alone)
    python bench/attribution_blame31.py --frame FRAME --variant D1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v12.json --chosen-by "..."

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``).

Every variant is v11 (v10's parameters, ``listwise_weight=0.25``: the agent scorer ¾ v10 + ¼ listwise, steps
by v10's per-move scorer, its top move) with one change to how the agent scorer's move log-odds make an agent
ranking (``BlameModel`` parameters, so each variant is what would ship):

- (D1) ``agent_aggregation="mass"``: an agent's share of the run's softmax over its moves' log-odds;
- (D2) ``credit_tools=True``: a tool move also counts for the agent whose turn came last before it (max);
- (D3) both.

Figures: bench/attribution_pair24.py's, as blame28's and blame30's harnesses (Alg-Gen 5-fold CV; Alg-Gen only ->
Hand-Crafted; pooled leave-one-system-out agent over the 7 real systems; Brier and reliability of the calibrated
confidence on the first two).
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
from attribution_blame28 import V10  # noqa: E402
from attribution_blame30 import NOTES as V11_NOTES  # noqa: E402
from attribution_logonly import markdown  # noqa: E402
from attribution_pair24 import reliability  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402

V11 = {**V10, "listwise_weight": 0.25}
VARIANTS = {
    "v11": {},
    "D1": {"agent_aggregation": "mass"},
    "D2": {"credit_tools": True},
    "D3": {"agent_aggregation": "mass", "credit_tools": True},
}
NOTES = {
    **V11_NOTES,
    "agent_aggregation": (
        "mass: agents are ranked by their share of the run's softmax over the agent scorer's "
        "move log-odds (the evidence the calibrated confidence reads), not by their best move; "
        "declared in bench/protocol_blame31.md"
    ),
    "credit_tools": (
        "True: a tool move counts for the agent whose turn came last before it when agents are "
        "ranked; declared in bench/protocol_blame31.md"
    ),
}


class Variant:
    def __init__(
        self, name: str, X: pd.DataFrame, labels: pd.DataFrame, dump: list, variants: dict | None = None
    ) -> None:
        self.name, self.X, self.labels, self.dump = name, X, labels, dump
        self.params = {**V11, **(variants or VARIANTS)[name]}

    def score(self, train: list[str], test: list[str], calibrate: bool) -> tuple[dict, pd.DataFrame | None]:
        X, labels = self.X, self.labels
        p = self.params if calibrate else {**self.params, "calibration_cv": None}
        m = BlameModel(**p).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        steps, agents = m.rank_frame(X[X["run_id"].isin(test)])
        top = agents[agents["rank"] == 1].set_index("run_id")
        culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
        hit = [(r, a) in culprit for r, a in zip(top.index, top["agent"], strict=True)]
        verdict = (
            pd.DataFrame({"confidence": top["confidence"].to_numpy(dtype=float), "hit": hit}, index=top.index)
            if calibrate
            else None
        )
        self.dump.append(
            pd.DataFrame(
                {
                    "variant": self.name,
                    "train_n": len(train),
                    "calibrate": calibrate,
                    "run_id": top.index,
                    "agent": top["agent"].to_numpy(),
                    "agent_hit": hit,
                    "confidence": top["confidence"].to_numpy(dtype=float),
                }
            )
        )
        return _metrics(labels[labels["run_id"].isin(test)], steps, agents, 3, 2), verdict


def main(
    variants: dict = VARIANTS, notes: dict = NOTES, script: str = "bench/attribution_blame31.py"
) -> None:
    """The command line; a later protocol's harness passes its own ``variants`` (v11 + a change each)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", nargs="+", choices=list(variants), required=True)
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
        params = {**V11, **variants[name]}
        b14.FAST = {**params, "calibration_cv": None}
        b14.write_pretrained(
            X,
            labels,
            args,
            params=params,
            notes={k: v for k, v in notes.items() if k in V11 or k in variants[name]},
            written_by=(
                f"{script} --frame FRAME --variant {name} --aegis AEGIS --aegis-cap {args.aegis_cap} "
                f"--sim {args.sim} --write-pretrained {args.write_pretrained} (FRAME: bench/attribution_blame14.py "
                "--save-frame over bench/attribution_public_sets.py's runs, the simulator's labels of blame16)"
            ),
        )
        return
    dump: list[pd.DataFrame] = []
    for name in args.variant:
        c0, t0 = time.process_time(), time.perf_counter()
        var = Variant(name, X, labels, dump, variants)
        rows = b14.figure_rows(
            X,
            var.score,
            calibration=lambda v: dict(zip(("brier", "reliability"), reliability(v), strict=True)),
        )
        print(
            f"\nvariant {name} {variants[name]}, frame {args.frame}, {X['run_id'].nunique()} runs; "
            f"{time.process_time() - c0:.0f} CPU s, {time.perf_counter() - t0:.0f} s wall; load average "
            f"{np.round(os.getloadavg(), 1)}\n"
        )
        print(markdown(pd.DataFrame(rows)), flush=True)
    if args.dump:
        pd.concat(dump, ignore_index=True).to_csv(args.dump, index=False)


if __name__ == "__main__":
    main()
