"""Fault plan: which faults a run gets, at which agent, with which parameters.

A plan is drawn per run from its own random stream, before the run executes. A planned fault
becomes a labelled fault only if it actually fires while the run executes (a fault planned for the
verifier never fires in a run that aborted at the pricer); replays consider only faults that fired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AGENTS = ("planner", "retriever", "pricer", "executor", "verifier")

FAULT_KINDS = (
    "hallucination",
    "wrong_tool_args",
    "rate_limit",
    "timeout",
    "loop",
    "ping_pong",
    "silent_failure",
    "cascade",
    "drift",
)

# Which agents each kind can strike. Kept to the moves where the fault has a visible mechanism
# (e.g. only the executor places orders, so only it can silently place a wrong one).
ALLOWED: dict[str, tuple[str, ...]] = {
    "hallucination": ("pricer", "executor", "verifier"),
    "wrong_tool_args": ("retriever", "pricer", "executor"),
    "rate_limit": ("retriever", "pricer", "executor", "verifier"),
    "timeout": ("retriever", "pricer", "executor", "verifier"),
    "loop": ("retriever", "pricer", "verifier"),
    "ping_pong": ("pricer", "executor"),
    "silent_failure": ("executor",),
    "cascade": ("planner", "retriever"),
}

DEFAULT_WEIGHTS: dict[str, float] = {
    "hallucination": 0.17,
    "wrong_tool_args": 0.13,
    "rate_limit": 0.13,
    "timeout": 0.09,
    "loop": 0.11,
    "ping_pong": 0.09,
    "silent_failure": 0.11,
    "cascade": 0.17,
}

# The tools each agent calls; environment faults (rate limits, timeouts) strike one of them.
AGENT_TOOLS: dict[str, tuple[str, ...]] = {
    "retriever": ("search_catalog", "lookup_supplier"),
    "pricer": ("get_price",),
    "executor": ("place_order",),
    "verifier": ("check_order",),
}
ARGS_TOOL = {"retriever": "lookup_supplier", "pricer": "get_price", "executor": "place_order"}

# Limits of the orchestrator and the agents' retry policies: a fault whose repeat count reaches the
# limit fails the run, below it the run recovers.
MAX_ATTEMPTS = {"rate_limit": 3, "timeout": 2}
LOOP_LIMIT = 4  # identical consecutive tool calls before the orchestrator halts the agent
PING_PONG_LIMIT = 3  # bounces between the same two agents before the orchestrator halts the run
ARGS_ATTEMPTS = 2  # schema errors on one tool before the agent gives up


@dataclass(frozen=True)
class Fault:
    """One planned fault.

    Attributes
    ----------
    fid : int
        Index of the fault in its run's plan.
    kind : str
        One of :data:`FAULT_KINDS`.
    agent : str
        The agent the fault strikes (the culprit).
    tool : str or None
        The tool involved (environment faults, wrong arguments).
    n : int
        Repeat count for loops, bounces, failing attempts; 1 otherwise.
    persistent : bool
        Whether the fault strikes again when the agent is asked to redo its work.
    variant : int
        Which concrete form the fault takes (e.g. quantity times ten or divided by ten).
    magnitude : float
        Size of a wrong value, as a fraction.
    """

    fid: int
    kind: str
    agent: str
    tool: str | None = None
    n: int = 1
    persistent: bool = False
    variant: int = 0
    magnitude: float = 0.0

    @property
    def max_fires(self) -> int:
        if self.kind in ("loop", "rate_limit", "timeout", "ping_pong"):
            return self.n
        if self.kind in ("hallucination", "wrong_tool_args", "drift") and self.persistent:
            return 1_000
        return 1


def plan_faults(
    rng: np.random.Generator,
    fault_rate: float,
    weights: dict[str, float],
    drift: bool,
    drift_fault_rate: float,
) -> tuple[Fault, ...]:
    """Draw one run's fault plan.

    The same number of random draws is made whatever the rate, so changing ``fault_rate`` changes
    which runs are faulty but not the details of the faults drawn.
    """
    u_any, u_two, u_three, u_drift = rng.random(4)
    picks = rng.random((3, 6))
    n_faults = 0
    if u_any < fault_rate:
        # About a quarter of faulty runs get a second fault, a fifth of those a third.
        n_faults = 1 if u_two >= 0.28 else 2 + int(u_three < 0.22)
    kinds = [k for k in weights if weights[k] > 0]
    w = np.array([weights[k] for k in kinds], dtype=float)
    cum = np.cumsum(w / w.sum())
    faults: list[Fault] = []
    used: set[str] = set()
    for j in range(n_faults):
        p = picks[j]
        kind = kinds[min(int(np.searchsorted(cum, p[0], side="right")), len(kinds) - 1)]
        free = [a for a in ALLOWED[kind] if a not in used]
        if not free:
            # One fault per agent keeps every labelled fault separately repairable; fall back to
            # the first kind that still has a free agent.
            for alt in kinds:
                free = [a for a in ALLOWED[alt] if a not in used]
                if free:
                    kind = alt
                    break
        if not free:
            break
        agent = free[int(p[1] * len(free))]
        used.add(agent)
        faults.append(_make(len(faults), kind, agent, p))
    if drift and "pricer" not in used and u_drift < drift_fault_rate:
        faults.append(
            Fault(
                len(faults),
                "drift",
                "pricer",
                persistent=bool(picks[2][5] < 0.6),
                variant=int(picks[2][4] * 2),
                magnitude=float(0.08 + 0.17 * picks[2][3]),
            )
        )
    return tuple(faults)


def _make(fid: int, kind: str, agent: str, p: np.ndarray) -> Fault:
    tools = AGENT_TOOLS.get(agent, ())
    if kind in ("rate_limit", "timeout"):
        tool = tools[int(p[2] * len(tools))]
        if kind == "rate_limit":
            n = 1 + int(np.searchsorted([0.4, 0.7], p[3], side="right"))  # 1, 2 or 3 failing calls
        else:
            n = 1 + int(p[3] < 0.45)  # 1 or 2 timeouts
        return Fault(fid, kind, agent, tool=tool, n=n)
    if kind == "loop":
        return Fault(fid, kind, agent, tool=tools[0], n=1 + int(p[3] * 5))  # 1..5 repeats; >= 3 is fatal
    if kind == "ping_pong":
        return Fault(fid, kind, agent, n=1 + int(p[3] * 4))  # 1..4 bounces; >= 3 is fatal
    if kind == "wrong_tool_args":
        return Fault(
            fid, kind, agent, tool=ARGS_TOOL[agent], persistent=bool(p[4] < 0.35), variant=int(p[5] * 2)
        )
    if kind == "hallucination":
        return Fault(
            fid,
            kind,
            agent,
            persistent=bool(p[4] < 0.4),
            variant=int(p[5] * 2),
            magnitude=float(0.15 + 0.25 * p[3]),
        )
    if kind == "cascade":
        return Fault(fid, kind, agent, variant=int(p[5] * 2))
    return Fault(fid, kind, agent)
