"""Portable role evidence: what part an agent plays in its run, read from the run alone.

A system's agent names differ from one system to the next, but their roles recur: a planner that
delegates and is addressed by no one, executors that are told what to do and bring outside
material (web pages, files, tool results) into the conversation, a checker that repeats. The
features here describe a move's agent by such behaviour, relative to the other agents of the same
run, so they mean the same whatever the agents are called. Names are used only to notice that one
agent addresses another; no feature is the name itself.

Per move (every value is relative to the run, so a 10-move and a 130-move run read alike):

- ``role_addressed``: share of the other agents' moves that name this agent or hand off to it.
- ``role_delegates``: share of this agent's moves that hand off or name another agent.
- ``role_external``: rank (0..1, among the run's agents) of the share of new words the agent's
  moves bring -- the agent that brings outside material ranks high.
- ``role_len``: rank of the agent's mean output length among the run's agents.
- ``role_share_rank``: rank of the agent's number of moves among the run's agents.
- ``role_tool_adjacent``: share of the agent's moves next to a tool call (before or after it).
- ``step_novel_rank``: rank of the move's share of new words among the agent's moves.
- ``step_loop_after``: mean similarity of the next moves with what came before them, minus the
  same before this move: the turn after which the conversation starts going in circles.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

ROLE_FEATURES: dict[str, str] = {
    "role_addressed": "share of other agents' moves that name this move's agent or hand off to it",
    "role_delegates": "share of the agent's moves that hand off or name another agent",
    "role_external": "rank among the run's agents of the share of new words their moves bring",
    "role_len": "rank among the run's agents of their mean output length",
    "role_share_rank": "rank among the run's agents of their number of moves",
    "role_tool_adjacent": "share of the agent's moves next to a tool call",
    "step_novel_rank": "rank of the move's share of new words among its agent's moves",
    "step_loop_after": "similarity of the following moves with earlier ones, minus that before this move",
}
_WORD = re.compile(r"[a-z0-9]+")
_LOOP = 4  # moves on either side that step_loop_after compares


def mean_rank(values: np.ndarray) -> np.ndarray:
    """1-based rank of each value, ties sharing their mean rank, NaN left NaN: ``pandas.Series.rank()``'s numbers
    (the same sums of whole numbers halved, exact), without building a Series per run and agent (~0.3 ms each,
    several per run, on every frame)."""
    v = np.asarray(values, dtype=np.float64)
    out = np.full(len(v), np.nan)
    known = np.flatnonzero(~np.isnan(v))
    if not len(known):
        return out
    order = known[np.argsort(v[known], kind="mergesort")]
    ordered = v[order]
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    lo = np.flatnonzero(starts)
    hi = np.append(lo[1:], len(ordered))
    # a tie over sorted places lo .. hi - 1 holds ranks lo + 1 .. hi: their mean is (lo + 1 + hi) / 2
    out[order] = np.repeat((lo + 1 + hi) / 2, hi - lo)
    return out


def pct_rank(values: np.ndarray) -> np.ndarray:
    """``pandas.Series.rank(pct=True)``: :func:`mean_rank` over the count of values that are not NaN."""
    r = mean_rank(values)
    return r / np.count_nonzero(~np.isnan(r))


def _rank01(values: dict[object, float]) -> dict[object, float]:
    """Rank of each value among the others, scaled to 0..1 (ties share their mean rank)."""
    if len(values) < 2:
        return {k: 0.5 for k in values}
    r = (mean_rank(np.fromiter(values.values(), dtype=np.float64, count=len(values))) - 1) / (len(values) - 1)
    return dict(zip(values, r.tolist(), strict=True))


def role_features(
    kind: np.ndarray,
    agent: np.ndarray,
    texts: list[str],
    is_agent: np.ndarray,
    is_tool: np.ndarray,
    max_sim: np.ndarray,
    task: str | None = None,
    words: list[set[str]] | None = None,
) -> dict[str, np.ndarray]:
    """:data:`ROLE_FEATURES` of one run's moves (in order); ``max_sim`` is each move's best earlier similarity;
    ``words``: each move's set of words (``[a-z0-9]+`` of its lowered text) when the caller has them already.

    ``task`` given (``novelty="run"`` of :func:`~._portable.portable_features`): a move's new words are those in no
    other move of the run and not in the task, so a first move is not new by its position alone; and
    ``step_loop_after`` is NULL where either side has no similarity (``max_sim`` NULL at the first move)."""
    n = len(texts)
    f = {k: np.full(n, np.nan) for k in ROLE_FEATURES}
    low = [t.lower() for t in texts]
    # a move with no agent (a span outside every agent span) reads as None or NaN: no role to give it
    agents = [a for a in dict.fromkeys(agent[i] for i in range(n) if is_agent[i]) if isinstance(a, str)]
    if not agents:
        return f
    agent_of = np.asarray(agent, dtype=object)
    idx = {a: np.flatnonzero((agent_of == a) & is_agent) for a in agents}
    # Who addresses whom: a move naming an agent (name of 3+ characters, as a word) or handing off.
    pats = {
        a: re.compile(r"(?<![a-z0-9])" + re.escape(str(a).lower()) + r"(?![a-z0-9])")
        for a in agents
        if len(str(a)) >= 3
    }
    addressed = {a: 0 for a in agents}
    delegating = {a: 0 for a in agents}
    for i in range(n):
        if not is_agent[i] or agent[i] not in delegating:
            continue
        named = {a for a, p in pats.items() if a != agent[i] and p.search(low[i])}
        if kind[i] == "handoff":
            nxt = next((agent[j] for j in range(i + 1, n) if agent[j] != agent[i] and is_agent[j]), None)
            if nxt in addressed:
                named.add(nxt)
        for a in named:
            addressed[a] += 1
        if named:
            delegating[agent[i]] += 1
    # New words: the share of a move's words no earlier move (or the task) used.
    novel = np.zeros(n)
    if words is None:
        words = [set(_WORD.findall(t)) for t in low]
    if task is None:
        seen: set[str] = set()
        for i, w in enumerate(words):
            novel[i] = len(w - seen) / len(w) if w else 0.0
            seen |= w
    else:
        moves_with = Counter(x for w in words for x in w)
        in_task = set(_WORD.findall(task.lower()))
        for i, w in enumerate(words):
            novel[i] = sum(moves_with[x] == 1 and x not in in_task for x in w) / len(w) if w else 0.0
    lengths = np.array([len(t) for t in texts], dtype=float)
    n_agent_moves = int(is_agent.sum())
    ext = _rank01({a: float(novel[idx[a]].mean()) for a in agents})
    ln = _rank01({a: float(lengths[idx[a]].mean()) for a in agents})
    share = _rank01({a: float(len(idx[a])) for a in agents})
    tool_next = np.zeros(n, dtype=bool)
    tool_next[:-1] |= is_tool[1:]
    tool_next[1:] |= is_tool[:-1]
    for a in agents:
        rows = idx[a]
        others = n_agent_moves - len(rows)
        f["role_addressed"][rows] = addressed[a] / others if others else 0.0
        f["role_delegates"][rows] = delegating[a] / len(rows)
        f["role_external"][rows] = ext[a]
        f["role_len"][rows] = ln[a]
        f["role_share_rank"][rows] = share[a]
        f["role_tool_adjacent"][rows] = tool_next[rows].mean()
        f["step_novel_rank"][rows] = pct_rank(novel[rows]) if len(rows) > 1 else 0.5
    # (over a list: a numpy mean of at most _LOOP values cost ~20 us, two a move; summed in the same order, the
    # same numbers)
    sims = np.asarray(max_sim, dtype=np.float64).tolist()
    loop = f["step_loop_after"]
    for i in range(n):
        after = sims[i + 1 : i + 1 + _LOOP]
        before = sims[max(0, i - _LOOP + 1) : i + 1]
        if task is None:
            loop[i] = (sum(after) / len(after) if after else 0.0) - (
                sum(before) / len(before) if before else 0.0
            )
        else:
            after, before = [x for x in after if x == x], [x for x in before if x == x]  # (NaN != NaN)
            loop[i] = sum(after) / len(after) - sum(before) / len(before) if after and before else np.nan
    return f
