"""blame34's declared variant (bench/protocol_blame34.md): v11 with one more portable feature.

Usage::

    python bench/attribution_blame34.py --frame FRAME --variant v11 [--dump CSV]   # check: v11's figures again
    python bench/attribution_blame34.py --frame FRAME --variant C1 [--dump CSV]
    # the shipped file of C1 (only if it passes the protocol's bar)
    python bench/attribution_blame34.py --frame FRAME --variant C1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v12.json --chosen-by "..."

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``) made with this commit's feature code (it has
the ``unconfirmed_values`` column; every other column is the frame of v11's code).

(C1) v11 exactly (bench/attribution_blame31.py's ``V11``) with the opt-in ``"claims"`` group added to its features:
``unconfirmed_values``, the share of a move's new numbers that no later tool output states
(workbench/attribution/_portable_claims.py). The harness and figures are blame31's (its ``Variant``).
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
import attribution_blame31 as b31  # noqa: E402
from attribution_logonly import markdown  # noqa: E402
from attribution_pair24 import reliability  # noqa: E402

from workbench.attribution._blame_model import PORTABLE_GROUPS  # noqa: E402

VARIANTS = {"v11": {}, "C1": {"features": [*PORTABLE_GROUPS, "claims"]}}
NOTES = {**b31.NOTES,
         "features": ("the portable groups and the 'claims' group (unconfirmed_values: a move's new numbers that no "
                      "later tool output states); declared in bench/protocol_blame34.md")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", choices=list(VARIANTS), required=True)
    ap.add_argument("--dump", type=Path, help="per-run verdicts of every split to this CSV")
    ap.add_argument("--write-pretrained", metavar="FILE", help="write the shipped model file FILE (under "
                    "workbench/attribution/models) of --variant, fitted on every run, with provenance")
    ap.add_argument("--chosen-by", default="")
    ap.add_argument("--aegis", type=Path)
    ap.add_argument("--aegis-cap", type=int, default=150)
    ap.add_argument("--sim", type=int, default=300)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    name = args.variant
    b31.VARIANTS = VARIANTS   # blame31's Variant reads its parameters from there
    params = {**b31.V11, **VARIANTS[name]}
    if args.write_pretrained:
        b14.FAST = {**params, "calibration_cv": None}
        b14.write_pretrained(X, labels, args, params=params,
                             notes={k: v for k, v in NOTES.items() if k in params},
                             written_by=(
            f"bench/attribution_blame34.py --frame FRAME --variant {name} --aegis AEGIS --aegis-cap {args.aegis_cap} "
            f"--sim {args.sim} --write-pretrained {args.write_pretrained} (FRAME: bench/attribution_blame14.py "
            "--save-frame over bench/attribution_public_sets.py's runs, the simulator's labels of blame16)"))
        return
    dump: list[pd.DataFrame] = []
    c0, t0 = time.process_time(), time.perf_counter()
    var = b31.Variant(name, X, labels, dump)
    rows = b14.figure_rows(X, var.score, calibration=lambda v: dict(zip(("brier", "reliability"),
                                                                        reliability(v), strict=True)))
    print(f"\nvariant {name} {VARIANTS[name]}, frame {args.frame}, {X['run_id'].nunique()} runs; "
          f"{time.process_time() - c0:.0f} CPU s, {time.perf_counter() - t0:.0f} s wall; load average "
          f"{np.round(os.getloadavg(), 1)}\n")
    print(markdown(pd.DataFrame(rows)), flush=True)
    if args.dump:
        pd.concat(dump, ignore_index=True).to_csv(args.dump, index=False)


if __name__ == "__main__":
    main()
