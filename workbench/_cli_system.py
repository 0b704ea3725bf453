"""``workbench policy suggest --system NAME`` with the findings method: a policy learned from one system's runs.

A store of several systems (a CrewAI crew, a LangGraph desk and Who&When beside them) gave the findings method
every system's runs at once: its HITL rule (``latency_ms >= 33.9``) was priced on Who&When's turns and the desks'
spans together, fitting none of them, and ``--system`` was refused with that method, so the user had no way to one
system's policy but the peaks method. The limits' and the rule's figures are then the system's own, and the
policy says which system it is for (``provenance.sweep["system"]``), so ``policy backtest`` replays that system's
runs only, as it does for ``--method peaks --system``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .exceptions import InvalidParameterError


def system_runs(ws: Any, system: str) -> tuple[list[str], int, int]:
    """The run ids of ``system`` ('' for the runs with no system name), with the store's run and system counts;
    an ``InvalidParameterError`` naming the systems there are when it holds none of it."""
    from .policy._limits import listed_systems
    from .store._outcomes import runs_by_system

    ids = runs_by_system(ws)
    if system not in ids:
        raise InvalidParameterError(
            f"--system {system!r}: no runs of it here (systems: {listed_systems(sorted(ids))})"
        )
    return list(ids[system]), sum(len(v) for v in ids.values()), len(ids)


def for_system(policy: Any, system: str, n_runs: int, total: int, n_systems: int) -> Any:
    """``policy`` (learned from ``system``'s runs) saying so: the system in its sweep, for backtest; the note of a
    held-out split ("learned from N of the store's M runs: backtest on the others") said instead as what it is."""
    prov = policy.provenance
    notes = [n for n in prov.notes or () if not n.startswith("learned from ")]
    notes.append(  # (last: backtest quotes a policy's first note as the reason it has no rule)
        f"learned from the {n_runs:,} runs of system {system!r} (the store holds {total:,} runs of "
        f"{n_systems:,} systems)",
    )
    sweep = {**(prov.sweep or {}), "system": system}
    return policy.replace(provenance=dataclasses.replace(prov, notes=tuple(notes), sweep=sweep))
