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
(workbench/attribution/_portable_claims.py). Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

from workbench.attribution._blame_model import PORTABLE_GROUPS  # noqa: E402

VARIANTS = {"v11": {}, "C1": {"features": [*PORTABLE_GROUPS, "claims"]}}
NOTES = {
    **b31.NOTES,
    "features": (
        "the portable groups and the 'claims' group (unconfirmed_values: a move's new numbers that no "
        "later tool output states); declared in bench/protocol_blame34.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame34.py")
