"""What a replay changes (:class:`Intervention`) and what it found (:class:`ReplayResult`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..exceptions import SimulationError
from ._faults import AGENTS

_STEP_ID = re.compile(r"^s\d{4,}$")


@dataclass(frozen=True)
class Intervention:
    """Units whose recorded behaviour a replay replaces.

    Parameters
    ----------
    agents : iterable of str
        Agent names; every step of these agents is replaced.
    steps : iterable of str
        Step ids of the recorded run (``"s0007"``). After the first change, a step is recognised
        in the replay by its name and occurrence (the 2nd ``pricer.quote`` ...).
    mode : {"repair", "baseline"}
        ``repair``: the unit behaves fault-free (its fault does not fire; a unit that had no fault
        changes nothing). ``baseline``: the unit is replaced by a rule-based implementation that
        is always correct but slow and billed per call (for a drifted pricer this also undoes the
        model change).

    Notes
    -----
    :meth:`ProcurementSystem.replay` also accepts a plain iterable of names: agent names go to
    ``agents``, step ids to ``steps``, with ``mode="repair"``.
    """

    agents: frozenset[str] = field(default_factory=frozenset)
    steps: frozenset[str] = field(default_factory=frozenset)
    mode: Literal["repair", "baseline"] = "repair"

    def __post_init__(self) -> None:
        object.__setattr__(self, "agents", frozenset(self.agents))
        object.__setattr__(self, "steps", frozenset(self.steps))
        if self.mode not in ("repair", "baseline"):
            raise SimulationError(f"mode must be 'repair' or 'baseline', not {self.mode!r}")
        bad = sorted(map(str, (a for a in self.agents if a not in AGENTS)))
        if bad:
            raise SimulationError(f"unknown agents {bad}; the system's agents are {list(AGENTS)}")
        bad = sorted(map(str, (s for s in self.steps if not isinstance(s, str) or not _STEP_ID.match(s))))
        if bad:
            raise SimulationError(f"not agent names or step ids: {bad} (step ids look like 's0007')")

    @classmethod
    def coerce(cls, value: Any) -> Intervention:
        """An :class:`Intervention` from one (or any object with ``agents``, ``steps`` and ``mode``),
        a dict of its fields, a name, or an iterable of names."""
        if isinstance(value, Intervention):
            return value
        if value is None:
            return cls()
        if isinstance(value, dict):
            return cls(**value)
        if all(hasattr(value, k) for k in ("agents", "steps", "mode")):
            # Another library's intervention object with the same fields (e.g. workbench.replay's).
            return cls(value.agents, value.steps, value.mode)
        names = [value] if isinstance(value, str) else list(value)
        agents = {n for n in names if n in AGENTS}
        return cls(agents=agents, steps={n for n in names if n not in agents})


@dataclass(frozen=True)
class ReplayResult:
    """Outcome of a replay.

    Attributes
    ----------
    outcome : {"success", "failure"}
        Ground-truth outcome of the replayed run (judged against the backend, not self-reported).
    success : bool
        ``outcome == "success"``.
    replayed_steps : int
        Steps actually re-executed (0 when the intervention changes nothing).
    resumed_from_seq : int
        Seq of the first re-executed step; the recorded prefix before it was reused.
    n_steps : int
        Steps in the replayed run.
    reported_outcome : str
        What the replayed system would itself report.
    detail : str
        Why the replayed run succeeded or failed.
    """

    outcome: str
    success: bool
    replayed_steps: int
    resumed_from_seq: int
    n_steps: int
    reported_outcome: str = ""
    detail: str = ""
