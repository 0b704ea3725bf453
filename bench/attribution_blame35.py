"""blame35's declared variant (bench/protocol_blame35.md): v11 with its agents ranked by the noisy-or of their moves.

Usage::

    python bench/attribution_blame35.py --frame FRAME --variant v11 [--dump CSV]   # check: v11's figures again
    python bench/attribution_blame35.py --frame FRAME --variant N1 [--dump CSV]
    # the shipped file of N1 (only if it passes the protocol's bar)
    python bench/attribution_blame35.py --frame FRAME --variant N1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v12.json --chosen-by "..."

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``), v11's features (conf33's frame).

(N1) v11 exactly (bench/attribution_blame31.py's ``V11``) with ``agent_aggregation="noisy_or"``: an agent's score is
``1 - prod(1 - p)`` over its moves' probabilities under the agent scorer, not its best move's. Steps, features and
calibration inputs are v11's. Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

VARIANTS = {"v11": {}, "N1": {"agent_aggregation": "noisy_or"}}
NOTES = {
    **b31.NOTES,
    "agent_aggregation": (
        "noisy_or: agents are ranked by 1 - prod(1 - p) over their moves' probabilities under "
        "the agent scorer (at least one of its moves is a culprit step), not by their best "
        "move; declared in bench/protocol_blame35.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame35.py")
