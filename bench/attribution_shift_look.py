"""One go/no-go look at Who&When Hand-Crafted for importance weighting toward the target (``iw``).

Usage::

    python bench/attribution_shift_look.py --hand-crafted PATH

``iw`` (``bench/attribution_variants_adapt.py``): the scorer is refitted with each training move
weighted by its odds, from a logistic domain classifier, of being a move of the target system's
unlabelled runs (C = 0.1, weights capped at [1/10, 10]). It was chosen without Hand-Crafted, on
Alg-Gen <-> simulator transfer. This script scores it beside v5 (the ranking of the shipped v6) on
Hand-Crafted as the held-out system, once, by the rule declared in the commit that added it:

    GO (build it into BlameModel, then the pretrained model) if, in this run, iw's agent accuracy
    is >= v5's on both Alg-Gen -> Hand-Crafted and (Alg-Gen + simulator) -> Hand-Crafted, and its
    Alg-Gen -> Hand-Crafted step accuracy is >= 10 %. Otherwise NO-GO (it stays a bench experiment).

Rows (agent / step, exact top-1): the two above, then simulator -> Hand-Crafted and Hand-Crafted ->
Alg-Gen for information. Ranking only (no calibration): nothing here ships.

Result of the one run (93 s, load 8.3-8.4), v5 -> iw: Alg-Gen -> Hand-Crafted 51.7 / 12.1 -> 41.4 / 6.9 %;
(Alg-Gen + simulator) -> Hand-Crafted 46.6 / 6.9 -> 50.0 / 12.1 %; simulator -> Hand-Crafted 43.1 / 10.3 ->
41.4 / 6.9 %; Hand-Crafted -> Alg-Gen 33.3 / 16.7 -> 39.7 / 17.5 %. **NO-GO**.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_variants as av  # noqa: E402
from attribution_logonly import AG, HC, SIM, load, runs_of  # noqa: E402
from attribution_variants_adapt import iw  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._heuristics import culprit_labels  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hand-crafted", type=Path, required=True, help="folder of Who&When Hand-Crafted *.json")
    args = ap.parse_args()
    if not args.hand_crafted.is_dir():
        ap.error(f"--hand-crafted {args.hand_crafted}: not a folder")
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    ws = load(300, args.hand_crafted)
    ag, hc, sim = runs_of(ws, AG), runs_of(ws, HC), runs_of(ws, SIM)
    labels = culprit_labels(ws)
    X = BlameModel(features="portable").frame(ws, ag + hc + sim)
    print(
        f"data: {len(ag)} Alg-Gen, {len(hc)} Hand-Crafted, {len(sim)} simulator runs; load average {os.getloadavg()}\n"
    )
    settings = [
        ("Alg-Gen -> Hand-Crafted", ag, hc),
        ("Alg-Gen + simulator -> Hand-Crafted", ag + sim, hc),
        ("simulator -> Hand-Crafted", sim, hc),
        ("Hand-Crafted -> Alg-Gen", hc, ag),
    ]
    variants = {"v5": av.plain(**av.V5), "iw": iw()}
    res: dict[tuple[str, str], tuple[float, float]] = {}
    print("| setting | v5 agent / step | iw agent / step |\n|---|---|---|")
    for name, train, test in settings:
        for v, fit in variants.items():
            res[name, v] = av._acc(labels, [fit(X, labels, train, test)(X[X["run_id"].isin(test)])], test)
        print(
            f"| {name} | {res[name, 'v5'][0]:.1%} / {res[name, 'v5'][1]:.1%} | "
            f"{res[name, 'iw'][0]:.1%} / {res[name, 'iw'][1]:.1%} |",
            flush=True,
        )
    a, b = settings[0][0], settings[1][0]
    go = (
        res[a, "iw"][0] >= res[a, "v5"][0]
        and res[b, "iw"][0] >= res[b, "v5"][0]
        and res[a, "iw"][1] >= 0.10 - 1e-12
    )
    print(
        f"\nrule: iw agent >= v5 agent on '{a}' and '{b}', and iw step on '{a}' >= 10 % -> "
        f"{'GO' if go else 'NO-GO'}"
    )
    print(f"total {time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
