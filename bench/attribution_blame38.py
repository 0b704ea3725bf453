"""blame38's declared variants (bench/protocol_blame38.md): v11 with each move ranked within its own run.

Command line as bench/attribution_blame31.py's (``--frame FRAME --variant v11|P1|P2 [--dump CSV]``; ``--aegis AEGIS
--write-pretrained FILE --chosen-by ...`` for the shipped file of a variant that passes the protocol's bar). FRAME is
a frame of bench/attribution_blame14.py (``--save-frame``); BlameModel computes the contrasts from its columns.

(P1) v11 exactly (bench/attribution_blame31.py's ``V11``) with ``run_contrast="rank"``: every feature replaced by
its centred within-run percentile rank (length-free: a run with every move repeated gives the same ranks).
(P2) v11 with ``run_contrast="scaled"``: every feature replaced by its within-run z over ``sqrt(m - 1)`` (in
[-1, 1]: blame37's R1 without its reach growing with the run). Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

VARIANTS = {"v11": {}, "P1": {"run_contrast": "rank"}, "P2": {"run_contrast": "scaled"}}
NOTES = {
    **b31.NOTES,
    "run_contrast": (
        "each move measured against the other moves of its own run before scoring, on a scale "
        "that does not grow with the run's length: 'rank' (every feature replaced by its centred "
        "within-run percentile rank, P1) or 'scaled' (its within-run z over sqrt(m - 1), P2); "
        "declared in bench/protocol_blame38.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame38.py")
