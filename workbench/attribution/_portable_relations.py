"""Portable relation evidence: what later moves of other agents say of a move's values, and a success read off a failure.

The value lineage of :mod:`._portable` follows numbers and counts the *corrections* of a move's values. Two
relations between moves it does not read, each over language any LLM agent uses and the order of the moves:

- **endorsement** (bench/protocol_blame56.md, look S): a failed run's decisive error is, by definition, never
  fixed; where another agent answers a move by agreeing with it ("that's correct", "I have verified") and
  repeating one of its values, the value went on unchallenged. ``endorsed_by_other`` counts such later moves;
  ``endorses_other`` marks the move that does the agreeing.
- **success over a failure** (look T): a move that reports success ("executed successfully", "the issue is
  resolved") while the latest tool output before it reports a failure misreads a tool result.

A move's *values* are its numbers (as :func:`._portable._numbers` reads them) and its named items: runs of two
or more capitalised words and double-quoted strings of 2-60 characters, lower-cased. Values the task states are
not the move's own, nor are values stated by more than half of the run's moves (at least 3): headings and
boilerplate every turn repeats. Nothing reads an agent's or a system's name: agents are only compared for
being the same.

The group is ``"relations"``, opt-in, in neither ``features=None`` nor ``"portable"``.
"""

from __future__ import annotations

import re

import numpy as np

RELATION_FEATURES: dict[str, str] = {
    "endorsed_by_other": "later moves (of the next 64) of another agent with agreement words that repeat one of "
    "this move's values (numbers, named items)",
    "endorses_other": "the move has agreement words and repeats a value an earlier move of another agent stated",
    "success_over_fail": "the move reports success and the latest tool output of the 3 moves before it reports "
    "a failure",
}
_WINDOW = 64  # as the other pairwise features: linear time on long traces
_BACK = 3  # a success claim answers the tool output just before it, not one from long ago
_AGREE = re.compile(
    r"\b(i agree|agreed|we agree|agree with|that'?s (correct|right)|(is|are|was|looks|seems) (correct|right|"
    r"accurate)|looks good|well done|good job|great (work|job)|confirm(s|ed)? (that|the)|i have verified|"
    r"has been verified|have been verified|verified|makes sense|consistent with)\b"
)
_SUCCESS = re.compile(
    r"\b(success(ful|fully)?|succeeded|(is|was|has been|have been) (complete|completed|resolved|fixed)|"
    r"works (now|correctly|fine|as expected)|worked)\b"
)
_FAIL = re.compile(r"(exitcode: [1-9]|execution failed|traceback|error|exception|failed|not found)")
_CAPS = re.compile(r"\b[A-Z][A-Za-z'&-]*(?:[ \t]+[A-Z][A-Za-z'&-]*)+")
_QUOTED = re.compile(r"\"([^\"\n]{2,60})\"|\u201c([^\u201d\n]{2,60})\u201d")


def named_items(text: str) -> set[str]:
    """Runs of two or more capitalised words and double-quoted strings of 2-60 characters, lower-cased."""
    out = {m.strip().lower() for m in _CAPS.findall(text)}
    out |= {(a or b).strip().lower() for a, b in _QUOTED.findall(text)}
    return {v for v in out if len(v) >= 2}


def relation_features(
    agent: np.ndarray,
    is_agent: np.ndarray,
    is_tool: np.ndarray,
    texts: list[str],
    task: str,
    nums: list[set[str]],
    task_nums: set[str],
) -> dict[str, np.ndarray]:
    """:data:`RELATION_FEATURES` of one run's moves (in order); ``nums`` are each move's numbers."""
    n = len(texts)
    f = {k: np.zeros(n) for k in RELATION_FEATURES}
    low = [t.lower() for t in texts]
    low_task = (task or "").lower()
    vals = [(nums[i] - task_nums) | {v for v in named_items(texts[i]) if v not in low_task} for i in range(n)]
    stated: dict[str, int] = {}
    for v in vals:
        for x in v:
            stated[x] = stated.get(x, 0) + 1
    common = {x for x, c in stated.items() if c >= 3 and c > n / 2}
    vals = [v - common for v in vals]
    agree = np.array([bool(_AGREE.search(t)) for t in low]) & is_agent
    # Who stated each value first: a tool's output is the calling move's (the move before it).
    first_by: dict[str, object] = {}
    for i in range(n):
        src = agent[i - 1] if is_tool[i] and i > 0 else agent[i]
        for x in vals[i]:
            first_by.setdefault(x, src)
        if agree[i] and any(first_by[x] != agent[i] for x in vals[i]):
            f["endorses_other"][i] = 1.0
    for i in range(n):
        if is_agent[i] and vals[i]:
            f["endorsed_by_other"][i] = sum(
                1
                for j in range(i + 1, min(n, i + 1 + _WINDOW))
                if agree[j] and agent[j] != agent[i] and vals[i] & vals[j]
            )
    fails = np.array([bool(_FAIL.search(t[:400])) for t in low]) & is_tool
    for i in range(n):
        if is_agent[i] and _SUCCESS.search(low[i]):
            back = [j for j in range(max(0, i - _BACK), i) if is_tool[j]]
            if back and fails[back[-1]]:
                f["success_over_fail"][i] = 1.0
    return f
