"""blame39's declared variants (bench/protocol_blame39.md): v11 with the agent of the run's earliest flagged move
named, or with a within-run rank beside the raw level of the features whose direction agreed across systems.

Command line as bench/attribution_blame31.py's (``--frame FRAME --variant v11|A1|B1 [--dump CSV]``; ``--aegis AEGIS
--write-pretrained FILE --chosen-by ...`` for the shipped file of a variant that passes the protocol's bar). FRAME is
a frame of bench/attribution_blame14.py (``--save-frame``); BlameModel computes the ranks from its columns.

(A1) v11 exactly (bench/attribution_blame31.py's ``V11``) with ``agent_aggregation="first_flagged"``,
``flag_margin=0.25``: the agent of the earliest move within 0.25 log-odds of the run's best move is named.
(B1) v11 with ``run_contrast="rank_beside"`` on the 7 ``AGREED`` features: the raw features kept, each of those
beside its centred within-run rank. Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

# the features whose within-run direction on the target move agreed over the 6 real systems other than
# Hand-Crafted (bench/protocol_blame39.md, Look 2)
AGREED = [
    "is_last",
    "is_model",
    "contra_ref",
    "n_consumers",
    "corrected_later",
    "role_external",
    "role_share_rank",
]
VARIANTS = {
    "v11": {},
    "A1": {"agent_aggregation": "first_flagged", "flag_margin": 0.25},
    "B1": {"run_contrast": "rank_beside", "contrast_features": AGREED},
}
NOTES = {
    **b31.NOTES,
    "agent_aggregation": (
        "first_flagged: the agent of the run's earliest move within flag_margin log-odds of "
        "its best move is named (a failure is decided by its first mistake); declared in "
        "bench/protocol_blame39.md"
    ),
    "flag_margin": "0.25 log-odds, chosen on the non-Hand-Crafted rows (bench/protocol_blame39.md, Look 1)",
    "run_contrast": (
        "rank_beside: the raw features kept and, beside those of contrast_features, their centred "
        "within-run percentile rank; declared in bench/protocol_blame39.md"
    ),
    "contrast_features": (
        "the features whose within-run direction agreed over the 6 real systems other than "
        "Hand-Crafted (bench/protocol_blame39.md, Look 2)"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame39.py")
