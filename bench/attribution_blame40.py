"""blame40's declared variants (bench/protocol_blame40.md): v11 with its per-move scorer fitted once per training
system and the systems' coefficients combined.

Command line as bench/attribution_blame31.py's (``--frame FRAME --variant v11|S1|S2 [--dump CSV]``; ``--aegis AEGIS
--write-pretrained FILE --chosen-by ...`` for the shipped file of a variant that passes the protocol's bar). FRAME is
a frame of bench/attribution_blame14.py (``--save-frame``).

(S1) v11 exactly (bench/attribution_blame31.py's ``V11``) with ``system_fits="mean"``: the per-move scorer's
coefficients are the mean of one fit per training system (on the pooled fit's standardisation).
(S2) v11 with ``system_fits="median"``: their element-wise median. With one training system (Alg-Gen CV, Alg-Gen
-> Hand-Crafted) both are v11. Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

VARIANTS = {"v11": {}, "S1": {"system_fits": "mean"}, "S2": {"system_fits": "median"}}
NOTES = {
    **b31.NOTES,
    "system_fits": (
        "one per-move fit per training system on the pooled fit's standardisation, the systems' "
        "coefficients combined element-wise ('mean', S1; 'median', S2): a direction one training "
        "system alone carries is averaged down; declared in bench/protocol_blame40.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame40.py")
