"""The simulator's reading of an :class:`~workbench.replay.Intervention`: which names it knows."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..exceptions import SimulationError
from ..replay import Intervention
from ._faults import AGENTS

_STEP_ID = re.compile(r"^s\d{4,}$")


def sim_intervention(value: Any) -> Intervention:
    """An intervention on the procurement system, checked against its agents and step-id format.

    ``value`` is anything :meth:`Intervention.coerce` takes (plain names split into the system's
    agents and step ids).
    """
    return _checked(Intervention.coerce(value, agents=AGENTS))


@lru_cache(maxsize=8192)
def _checked(iv: Intervention) -> Intervention:
    # cached: the attribution games ask for the same interventions again and again
    bad = sorted(map(str, (a for a in iv.agents if a not in AGENTS)))
    if bad:
        raise SimulationError(f"unknown agents {bad}; the system's agents are {list(AGENTS)}")
    bad = sorted(map(str, (s for s in iv.steps if not isinstance(s, str) or not _STEP_ID.match(s))))
    if bad:
        raise SimulationError(f"not agent names or step ids: {bad} (step ids look like 's0007')")
    return iv
