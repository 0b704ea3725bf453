"""blame18's declared variants (bench/protocol_blame18.md) scored on a saved feature frame.

Usage::

    python bench/attribution_blame18.py --frame /tmp/x --variant k1
    python bench/attribution_blame18.py --frame /tmp/x --variant k1 --write-model /tmp/m.json
    python bench/attribution_blame18.py --frame /tmp/x --variant k1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v11.json --chosen-by "..."

k0 is v10 (blame17's i4: ``system_balance=True``) without the features of a final value no tool output states;
k1 adds ``final_unsupported_first``, k2 adds it and ``final_unsupported``, k3 k1 + ``external_first``, k4 k0 +
``external_first``. Figures: bench/attribution_blame14.py's. None passed the protocol's bar, so the features are not
in the library: ``final_unsupported*`` were computed by ``workbench/attribution/_portable.py`` of commit 6d7b2cf (save
the frame with that tree to rerun k1-k3); ``external_first`` is derived here from a frame's own columns.
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
from attribution_blame17 import VARIANT_NOTES  # noqa: E402
from attribution_logonly import PARAMS  # noqa: E402

from workbench.attribution._blame_model import ALL_FEATURES, PORTABLE_GROUPS  # noqa: E402

NEW = ("final_unsupported", "final_unsupported_first", "external_first")
ADDED = {
    "k0": (),
    "k1": ("final_unsupported_first",),
    "k2": NEW[:2],
    "k3": ("final_unsupported_first", "external_first"),
    "k4": ("external_first",),
}
NOT_AGENT = ("tool", "retriever", "human", "system")  # _portable's is_agent


def derive(X: pd.DataFrame) -> pd.DataFrame:
    """external_first from the frame's own columns, as _portable computes it (a frame saved before it existed)."""
    if "external_first" in X.columns and X["external_first"].notna().any():
        return X
    cand = X[~X["kind"].isin(NOT_AGENT) & (X["role_external"] >= 0.5)]
    first = cand.sort_values(["run_id", "pos"]).drop_duplicates("run_id").index
    X = X.copy()
    X["external_first"] = 0.0
    X.loc[first, "external_first"] = 1.0
    return X


def variant_params(variant: str) -> dict:
    kept = [
        f
        for f, (needs, _) in ALL_FEATURES.items()
        if (f in PORTABLE_GROUPS or needs in PORTABLE_GROUPS) and (f not in NEW or f in ADDED[variant])
    ]
    return {**PARAMS, "system_balance": True, "features": kept}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", choices=sorted(ADDED), required=True)
    ap.add_argument("--write-model", type=Path)
    ap.add_argument("--write-pretrained", metavar="FILE")
    ap.add_argument("--chosen-by", default="")
    ap.add_argument("--aegis", type=Path)
    ap.add_argument("--aegis-cap", type=int, default=150)
    ap.add_argument("--sim", type=int, default=300)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    for name in ALL_FEATURES:
        if name not in X.columns:  # a frame of older feature code: a feature it lacks is left out of the fit
            X[name] = float("nan")
    X = derive(X)
    missing = [f for f in ADDED[args.variant] if X[f].isna().all()]
    if missing:
        raise SystemExit(f"{args.frame}: the frame has no {missing} (save it with 6d7b2cf's _portable.py)")
    params = variant_params(args.variant)
    b14.FAST = {**params, "calibration_cv": None}
    if args.write_pretrained:
        notes = {
            **VARIANT_NOTES["i4"],
            "features_added": (
                f"{', '.join(ADDED[args.variant])}: a number of the final answer that an agent move states first and "
                "no tool output of the run states (bench/protocol_blame18.md, variant " + args.variant + ")"
            ),
        }
        b14.write_pretrained(
            X,
            labels,
            args,
            params=params,
            notes=notes,
            written_by=(
                f"bench/attribution_blame18.py --frame FRAME --variant {args.variant} --aegis AEGIS --aegis-cap "
                f"{args.aegis_cap} --sim {args.sim} --write-pretrained {args.write_pretrained} (FRAME: "
                "bench/attribution_blame14.py --save-frame over bench/attribution_public_sets.py's runs)"
            ),
        )
        return
    if args.write_model:
        b14.write_draft(
            X, labels, params, args.write_model, f"blame18 draft: variant {args.variant} on {args.frame}"
        )
        return
    b14.print_figures(X, labels, f"variant {args.variant}, frame {args.frame}")


if __name__ == "__main__":
    main()
