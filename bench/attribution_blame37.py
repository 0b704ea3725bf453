"""blame37's declared variants (bench/protocol_blame37.md): v11 with each move measured against its own run.

Usage::

    python bench/attribution_blame37.py --frame FRAME --variant v11 [--dump CSV]   # check: v11's figures again
    python bench/attribution_blame37.py --frame FRAME --variant R1 [--dump CSV]
    python bench/attribution_blame37.py --frame FRAME --variant R2 [--dump CSV]
    # the shipped file of a variant (only if it passes the protocol's bar)
    python bench/attribution_blame37.py --frame FRAME --variant R1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v12.json --chosen-by "..."

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``); the contrasts are computed from its columns
at fit and scoring time (BlameModel's ``run_contrast``, workbench/attribution/_run_contrast.py), so any frame of
this commit's feature code serves.

(R1) v11 exactly (bench/attribution_blame31.py's ``V11``) with ``run_contrast="standardise"``: every feature
replaced by its within-run z over the run's moves (per-run unsupervised adaptation).
(R2) v11 with ``run_contrast="deviation"``: every feature kept, with its within-run ``|z|`` beside it
(sign-agnostic: how far the move stands out of its run). Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

VARIANTS = {"v11": {}, "R1": {"run_contrast": "standardise"}, "R2": {"run_contrast": "deviation"}}
NOTES = {
    **b31.NOTES,
    "run_contrast": (
        "each move measured against the other moves of its own run before scoring: 'standardise' "
        "(every feature replaced by its within-run z, R1) or 'deviation' (its within-run |z| "
        "beside it, R2); declared in bench/protocol_blame37.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame37.py")
