"""What a label given by hand (``ws.label``) names must be in its run: the run, its culprit agent, its step.

A label is the ground truth the attribution is scored on and the review counts: a typo (``agent="pricr"``), an
empty name, a step id of another run, or a step given with another agent than its own was stored as given, and
the run then counted as "the labelled culprit is not among the agents", not a word said when it was given. Each
is refused, naming what the run holds. (A labels file or a log's labels may come before their runs and are read
as given.)
"""

from __future__ import annotations

import duckdb

from ..exceptions import InvalidParameterError
from ._own_connection import fetch

# One read: whether the run is there, whether it has the agent and the step, and that step's agents.
_TARGET = (
    "SELECT EXISTS (SELECT 1 FROM runs WHERE run_id = $run), "
    "$agent IS NULL OR EXISTS (SELECT 1 FROM steps WHERE run_id = $run AND $agent IN (agent, agent_own)), "
    "(SELECT list_value(agent, agent_own) FROM steps WHERE run_id = $run AND step_id = $step)"
)
_AGENTS = "SELECT DISTINCT agent FROM steps WHERE run_id = $run AND agent IS NOT NULL ORDER BY 1"
_STEPS = "SELECT step_id FROM steps WHERE run_id = $run ORDER BY seq, step_id LIMIT 9"
_SHOWN = 8


def check_label_target(
    con: duckdb.DuckDBPyConnection, run_id: str, agent: str | None, step_id: str | None
) -> None:
    """:class:`InvalidParameterError` from ``ws.label`` when ``run_id`` is no run of the store, or ``agent`` /
    ``step_id`` are not its (one step's agent is its own, or the one it acts for), naming what it holds."""
    params = {"run": run_id, "agent": agent, "step": step_id}
    ((known, has_agent, step_agents),) = fetch(con, _TARGET, params)
    if not known:
        raise InvalidParameterError(f"ws.label: run_id: no run {run_id!r} in this store")
    if not has_agent:
        held = [a for (a,) in fetch(con, _AGENTS, {"run": run_id})]
        raise InvalidParameterError(
            f"ws.label: agent: run {run_id!r} has no step of agent {_shown(agent)}; "
            + (f"its agents are {_listed(held)}" if held else "it holds no step with an agent")
            + ". Nothing stored"
        )
    if step_id is None:
        return
    if step_agents is None:
        held = [s for (s,) in fetch(con, _STEPS, {"run": run_id})]
        raise InvalidParameterError(
            f"ws.label: step_id: run {run_id!r} has no step {_shown(step_id)}; "
            + (f"its steps are {_listed(held)}" if held else "it holds no steps")
            + ". Nothing stored"
        )
    if agent is not None and agent not in step_agents:
        own = next((a for a in step_agents if a is not None), None)
        raise InvalidParameterError(
            f"ws.label: step {_shown(step_id)} of run {run_id!r} belongs to "
            + (f"agent {_shown(own)}" if own is not None else "no agent")
            + f", not {_shown(agent)}: give its agent, or the step alone. Nothing stored"
        )


def _shown(name: str | None) -> str:
    return repr(name[:80] + "…" if name is not None and len(name) > 80 else name)


def _listed(names: list[str]) -> str:
    shown = ", ".join(_shown(n) for n in names[:_SHOWN])
    return shown + (" and more" if len(names) > _SHOWN else "")
