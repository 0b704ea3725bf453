"""blame41's declared variants (bench/protocol_blame41.md): v11 with feature-group dropout in its per-move fit.

Command line as bench/attribution_blame31.py's (``--frame FRAME --variant v11|G1|G2 [--dump CSV]``; ``--aegis AEGIS
--write-pretrained FILE --chosen-by ...`` for the shipped file of a variant that passes the protocol's bar). FRAME is
a frame of bench/attribution_blame14.py (``--save-frame``). ``--variant v11`` on blame38's frame is the harness
check (v11's figures exactly); on this round's frame it is R0, v11's recipe refitted on today's features.

(G1) v11 (bench/attribution_blame31.py's ``V11``) with ``group_dropout=0.25``: beside the training moves, one copy
of them per feature group with that group silenced, the copies weighing a quarter of the moves in all.
(G2) v11 with ``group_dropout=0.5``: the copies weighing half of the moves. Harness, figures and command line are
blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

VARIANTS = {"v11": {}, "G1": {"group_dropout": 0.25}, "G2": {"group_dropout": 0.5}}
NOTES = {
    **b31.NOTES,
    "group_dropout": (
        "copies of the training moves with one feature group silenced each (its features at their "
        "imputed value), weighing group_dropout of the moves in all, beside the moves in the "
        "per-move fit: the scorer must rank moves with any one group missing, as on a system whose "
        "logs leave it silent; declared in bench/protocol_blame41.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame41.py")
