"""blame17's declared variants (bench/protocol_blame17.md) scored on a saved feature frame.

Usage::

    python bench/attribution_blame17.py --frame /tmp/x --variant i2
    python bench/attribution_blame17.py --frame /tmp/x --variant i2 --write-model /tmp/m.json
    # the shipped file (v10 = i4), with provenance
    python bench/attribution_blame17.py --frame /tmp/x --variant i4 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v10.json --chosen-by "..."

A variant changes only the training mix (i1: every other simulator run; i2: no simulator run), the feature set
(i3: without ``agent_tool_calls`` and ``reaches_final``) or the row weights (i4: ``system_balance=True``); the
figures are bench/attribution_blame14.py's (v8's other parameters, no calibration).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame14 as b14  # noqa: E402
from attribution_logonly import PARAMS, SIM  # noqa: E402

from workbench.attribution._blame_model import ALL_FEATURES, PORTABLE_GROUPS  # noqa: E402

STRUCTURE_DROPPED = ("agent_tool_calls", "reaches_final")
VARIANT_NOTES = {
    "i4": {
        "system_balance": (
            "True: each training system's rows are scaled to the same total weight (run_weight within a "
            "system), so neither the simulator (215 runs) nor AEGIS (4 x 150) sets the weights the "
            "others share; chosen by bench/protocol_blame17.md (i4) on the simulator's fixed labels"
        ),
        "labels": (
            "the simulator's labels as fixed in blame16: a fault a failed run recovered from names no culprit "
            "(v9 was fitted on labels that did)"
        ),
    }
}


def variant_params(variant: str) -> dict:
    if variant == "i3":
        kept = [
            f
            for f, (needs, _) in ALL_FEATURES.items()
            if (f in PORTABLE_GROUPS or needs in PORTABLE_GROUPS) and f not in STRUCTURE_DROPPED
        ]
        return {**PARAMS, "features": kept}
    if variant == "i4":
        return {**PARAMS, "system_balance": True}
    return dict(PARAMS)


def variant_frame(X: pd.DataFrame, labels: pd.DataFrame, variant: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame the variant trains and is scored on (i1 / i2 thin out the simulator's runs, real runs untouched)."""
    sim = sorted(X.loc[X["system"] == SIM, "run_id"].unique())
    drop = {"i1": sim[1::2], "i2": sim}.get(variant, [])
    keep = ~X["run_id"].isin(drop)
    return X[keep], labels[~labels["run_id"].isin(drop)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", choices=["g1", "i1", "i2", "i3", "i4"], required=True)
    ap.add_argument("--write-model", type=Path)
    ap.add_argument(
        "--write-pretrained",
        metavar="FILE",
        help="write the shipped model file FILE (under "
        "workbench/attribution/models) fitted on the variant's mix, with provenance (needs --aegis)",
    )
    ap.add_argument("--chosen-by", default="")
    ap.add_argument("--aegis", type=Path)
    ap.add_argument("--aegis-cap", type=int, default=150)
    ap.add_argument("--sim", type=int, default=300)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    X, labels = variant_frame(X, labels, args.variant)
    params = variant_params(args.variant)
    b14.FAST = {**params, "calibration_cv": None}
    if args.write_pretrained:
        b14.write_pretrained(
            X,
            labels,
            args,
            params=params,
            notes=VARIANT_NOTES.get(args.variant),
            written_by=(
                f"bench/attribution_blame17.py --frame FRAME --variant {args.variant} --aegis AEGIS --aegis-cap "
                f"{args.aegis_cap} --sim {args.sim} --write-pretrained {args.write_pretrained} (FRAME: "
                "bench/attribution_blame14.py --save-frame over bench/attribution_public_sets.py's runs, with the "
                "simulator's labels of blame16: a recovered fault of a failed run names no culprit)"
            ),
        )
        return
    if args.write_model:
        b14.write_draft(
            X, labels, params, args.write_model, f"blame17 draft: variant {args.variant} on {args.frame}"
        )
        return
    b14.print_figures(X, labels, f"variant {args.variant}, frame {args.frame}")


if __name__ == "__main__":
    main()
