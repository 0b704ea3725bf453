"""blame36's declared variants (bench/protocol_blame36.md): v11 with hand-off structure features.

Usage::

    python bench/attribution_blame36.py --frame FRAME --variant v11 [--dump CSV]   # check: v11's figures again
    python bench/attribution_blame36.py --frame FRAME --variant H1 [--dump CSV]
    python bench/attribution_blame36.py --frame FRAME --variant H2 [--dump CSV]
    # the shipped file of a variant (only if it passes the protocol's bar)
    python bench/attribution_blame36.py --frame FRAME --variant H1 --aegis AEGIS \
        --write-pretrained blame_model_whowhen_v12.json --chosen-by "..."

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``) made with this commit's feature code (it has the
opt-in ``"handoff"`` columns; every other column is the frame of v11's code).

(H1) v11 exactly (bench/attribution_blame31.py's ``V11``) with the opt-in ``"handoff"`` group added to its features
(workbench/attribution/_portable_handoff.py: per move, the share of its numbers another agent stated first, the
other agents that repeat its first-stated numbers, another agent's corrections of them; per agent, its share of the
final answer's numbers it first stated / relayed, and its hand-off out / in degree).
(H2) v11 with only the four agent-level columns of the group (``agent_final_first``, ``agent_final_relay``,
``agent_out_degree``, ``agent_in_degree``). Harness, figures and command line are blame31's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame31 as b31  # noqa: E402

from workbench.attribution._blame_model import PORTABLE_GROUPS  # noqa: E402

AGENT_LEVEL = ["agent_final_first", "agent_final_relay", "agent_out_degree", "agent_in_degree"]
VARIANTS = {
    "v11": {},
    "H1": {"features": [*PORTABLE_GROUPS, "handoff"]},
    "H2": {"features": [*PORTABLE_GROUPS, *AGENT_LEVEL]},
}
NOTES = {
    **b31.NOTES,
    "features": (
        "the portable groups and hand-off structure (the opt-in 'handoff' group, H1, or its four "
        "agent-level columns, H2): who hands a value to whom; declared in bench/protocol_blame36.md"
    ),
}

if __name__ == "__main__":
    b31.main(VARIANTS, NOTES, "bench/attribution_blame36.py")
