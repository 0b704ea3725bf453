"""Portable hand-off evidence: who hands a value to whom, per move and per agent.

The value lineage of :mod:`._portable` traces the final answer's numbers to the one move that first
stated them. Here each value a move states (a number the task does not give) is followed along the
run as a hand-off edge: first stated by agent A (a tool's output counts for the move that called
it), then repeated by agent B. From those edges, per move:

- ``handoff_received``: share of the move's numbers that another agent stated first (the move passes
  on a received value rather than making one);
- ``handoff_passed``: other agents that later repeat a value this move stated first, over the run's
  other agents (how far the move's values travel);
- ``corrected_by_other``: later moves (of the next 64) of *another* agent with correction words that
  repeat one of this move's values (``corrected_later`` counts the agent's own corrections too);

and per agent, the same value on each of its moves:

- ``agent_final_first``: share of the final moves' values whose path starts at this agent;
- ``agent_final_relay``: share of the final moves' values this agent repeats after another agent
  stated them first (it carried a value to the answer without being its source);
- ``agent_out_degree`` / ``agent_in_degree``: other agents that repeat this agent's first-stated
  values / whose values it repeats, over the run's other agents.

Only numbers and the order of moves are read: no agent name or system vocabulary. The group is
``"handoff"``, opt-in (``BlameModel(features=[*PORTABLE_GROUPS, "handoff"])``): added to the shipped
model's features it did not pass its declared bar (bench/protocol_blame36.md: pooled leave-one-system-out
-23 of 813 runs, up on 2 held-out systems of 7, Alg-Gen -> Hand-Crafted agent -2 of 58; the four
agent-level columns alone -5, up on 1), so neither ``features=None`` nor ``"portable"`` includes it.
"""

from __future__ import annotations

import numpy as np

HANDOFF_FEATURES: dict[str, str] = {
    "handoff_received": "share of the move's numbers that another agent stated first",
    "handoff_passed": "other agents that later repeat a number this move stated first, over the other agents",
    "corrected_by_other": "moves of another agent (of the next 64) with correction words that repeat one of "
    "this move's numbers",
    "agent_final_first": "share of the final moves' numbers first stated by this move's agent",
    "agent_final_relay": "share of the final moves' numbers this move's agent repeats after another agent "
    "stated them first",
    "agent_out_degree": "other agents that repeat numbers this move's agent stated first, over the other agents",
    "agent_in_degree": "other agents whose first-stated numbers this move's agent repeats, over the other agents",
}
_WINDOW = 64  # as the other pairwise features: linear time on long traces


def handoff_features(
    agent: np.ndarray,
    is_agent: np.ndarray,
    is_tool: np.ndarray,
    nums: list[set[str]],
    task_nums: set[str],
    corrective: np.ndarray,
    final_vals: set[str],
) -> dict[str, np.ndarray]:
    """:data:`HANDOFF_FEATURES` of one run's moves (in order).

    ``nums`` are each move's numbers, ``corrective`` marks moves with correction words, ``final_vals``
    are the numbers the run's final agent moves state (not the task's).
    """
    n = len(nums)
    f = {k: np.zeros(n) for k in HANDOFF_FEATURES}
    # Who stated each value first: the move, and its agent (a tool's output is the calling move's).
    origin_move: dict[str, int] = {}
    for i in range(n):
        for v in nums[i] - task_nums:
            if v not in origin_move:
                origin_move[v] = i - 1 if is_tool[i] and i > 0 else i
    origin_agent = {v: agent[j] for v, j in origin_move.items() if is_agent[j]}
    agents = list(dict.fromkeys(agent[i] for i in range(n) if is_agent[i]))
    others = max(len(agents) - 1, 1)
    # Hand-off edges: (from agent, to agent, value) for every agent move repeating another agent's value.
    passed_to: dict[int, set[object]] = {}
    out_to: dict[object, set[object]] = {a: set() for a in agents}
    in_from: dict[object, set[object]] = {a: set() for a in agents}
    relayed: dict[object, set[str]] = {a: set() for a in agents}
    for i in range(n):
        if not is_agent[i]:
            continue
        own = nums[i] - task_nums
        received = [v for v in own if v in origin_agent and origin_agent[v] != agent[i]]
        if own:
            f["handoff_received"][i] = len(received) / len(own)
        for v in received:
            src = origin_agent[v]
            passed_to.setdefault(origin_move[v], set()).add(agent[i])
            out_to[src].add(agent[i])
            in_from[agent[i]].add(src)
            relayed[agent[i]].add(v)
    for j, to in passed_to.items():
        f["handoff_passed"][j] = len(to) / others
    for i in range(n):
        own = nums[i] - task_nums
        if is_agent[i] and own:
            f["corrected_by_other"][i] = sum(
                1
                for j in range(i + 1, min(n, i + 1 + _WINDOW))
                if corrective[j] and is_agent[j] and agent[j] != agent[i] and own & nums[j]
            )
    traced = [v for v in final_vals if v in origin_agent]
    for i in range(n):
        if not is_agent[i]:
            continue
        a = agent[i]
        if traced:
            f["agent_final_first"][i] = sum(origin_agent[v] == a for v in traced) / len(traced)
            f["agent_final_relay"][i] = sum(v in relayed[a] for v in traced) / len(traced)
        f["agent_out_degree"][i] = len(out_to[a]) / others
        f["agent_in_degree"][i] = len(in_from[a]) / others
    return f
