"""Portable claim evidence: values a move asserts that nothing before it gave and nothing after it checks.

A culprit move of a multi-agent run often states a value out of thin air: a number no earlier move
(nor the task) gave it and that no tool later computes or looks up -- an assumption, a made-up
figure, a misread result passed on as fact. Moves that relay a tool's result, or whose new value a
later tool run confirms, are the opposite. Only numbers are read (a value means the same in any
system's text), and the order of the run's moves; no agent name or system vocabulary.

``unconfirmed_values``: share of the move's new numbers (stated neither by the task nor by any
earlier move) that no tool or retriever output of the next moves states; 0 for a move with no new
number and for tool moves.

The group is ``"claims"``, opt-in (``BlameModel(features=[*PORTABLE_GROUPS, "claims"])``): added to
the shipped model's features it did not pass its declared bar (bench/protocol_blame34.md: pooled
leave-one-system-out +4 of 813 runs but up on one held-out system of seven, Alg-Gen CV step -8 of
126), so neither ``features=None`` nor ``"portable"`` includes it.
"""

from __future__ import annotations

import numpy as np

CLAIM_FEATURES: dict[str, str] = {
    "unconfirmed_values": "share of the move's new numbers (not in the task or any earlier move) that no tool "
    "output of the next 64 moves states",
}
_WINDOW = 64  # as the other pairwise features: linear time on long traces


def claim_features(
    is_agent: np.ndarray, is_tool: np.ndarray, nums: list[set[str]], task_nums: set[str]
) -> dict[str, np.ndarray]:
    """:data:`CLAIM_FEATURES` of one run's moves (in order); ``nums`` are each move's numbers."""
    n = len(nums)
    out = np.zeros(n)
    seen = set(task_nums)
    for i in range(n):
        new = nums[i] - seen
        if is_agent[i] and new:
            confirmed: set[str] = set()
            for j in range(i + 1, min(n, i + 1 + _WINDOW)):
                if is_tool[j]:
                    confirmed |= nums[j] & new
            out[i] = len(new - confirmed) / len(new)
        seen |= nums[i]
    return {"unconfirmed_values": out}
