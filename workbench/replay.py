"""The replay contract: re-run a recorded run with some agents or steps replaced.

A replay function is the user's system re-run under an intervention::

    replay(run_id, intervention) -> ReplayResult | "success" | "failure" | bool | float

where ``intervention`` is an :class:`Intervention` naming the agents and/or steps whose recorded
behaviour is replaced (``mode="repair"``: by their fault-free behaviour; ``"baseline"``: by a
simple reference implementation). Everything else is kept as recorded. A replay may resume from
the state snapshot of the first changed step rather than re-running the prefix; it reports how
many steps it really re-executed in ``ReplayResult.replayed_steps``.

:class:`TableReplay` is an in-memory fake for tests and for systems whose counterfactual
outcomes were computed elsewhere.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .exceptions import InvalidParameterError, ReplayError

Mode = Literal["repair", "baseline"]


@dataclass(frozen=True)
class Intervention:
    """Units whose recorded behaviour a replay replaces; everything else is kept as recorded.

    The one definition shared by :func:`workbench.attribute`, the simulator
    (``wb.sim.Intervention is wb.Intervention``) and users' replay functions.

    Parameters
    ----------
    agents : iterable of str
        Agent names; every step of these agents is replaced.
    steps : iterable of str
        Step ids of the recorded run (``"s0007"``).
    mode : {"repair", "baseline"}
        ``repair``: the unit behaves fault-free (a unit that had no fault changes nothing).
        ``baseline``: the unit is replaced by a simple, always-correct reference implementation.

    Examples
    --------
    >>> Intervention(agents={"pricer"}).agents
    frozenset({'pricer'})
    >>> Intervention.coerce(["pricer", "s0007"], agents=("pricer", "verifier"))
    Intervention(agents=frozenset({'pricer'}), steps=frozenset({'s0007'}), mode='repair')
    """

    agents: frozenset[str] = field(default_factory=frozenset)
    steps: frozenset[str] = field(default_factory=frozenset)
    mode: Mode = "repair"

    def __post_init__(self) -> None:
        for name in ("agents", "steps"):
            value = getattr(self, name)
            if isinstance(value, str):  # frozenset("pricer") would be a set of letters
                value = (value,)
            object.__setattr__(self, name, frozenset(value))
        if self.mode not in ("repair", "baseline"):
            raise InvalidParameterError(
                f"intervention mode must be 'repair' or 'baseline' (got {self.mode!r})"
            )

    @property
    def empty(self) -> bool:
        """True when nothing is replaced (the replay reproduces the recorded run)."""
        return not self.agents and not self.steps

    @classmethod
    def coerce(cls, value: Any, agents: Iterable[str] | None = None) -> Intervention:
        """An :class:`Intervention` from one, ``None`` (replace nothing), a dict of its fields, or a
        name or iterable of names: those in ``agents`` (the system's agent names) are agents, the
        others step ids (all agents when ``agents`` is not given)."""
        if isinstance(value, Intervention):
            return value
        if value is None:
            return cls()
        if isinstance(value, dict):
            unknown = sorted(set(value) - {"agents", "steps", "mode"})
            if unknown:
                raise InvalidParameterError(f"intervention fields are agents, steps and mode (got {unknown})")
            return cls(**value)
        names = [value] if isinstance(value, str) else list(value)
        if agents is None:
            return cls(agents=frozenset(names))
        known = set(agents)
        return cls(agents={n for n in names if n in known}, steps={n for n in names if n not in known})


@dataclass(frozen=True)
class ReplayResult:
    """What one replay gave: the outcome, what it cost, and why.

    Attributes
    ----------
    outcome : {"success", "failure"}
        The replayed run's true outcome (judged against the system, not self-reported).
    success : bool
        ``outcome == "success"``.
    replayed_steps : int
        Steps actually re-executed (0 when the intervention changes nothing).
    resumed_from_seq : int or None
        Seq of the first re-executed step; the recorded prefix before it was reused.
    n_steps : int or None
        Steps in the replayed run.
    reported_outcome : str
        What the replayed system would itself report ("" when unknown).
    detail : str
        Why the replayed run succeeded or failed ("" when unknown).
    """

    outcome: str
    success: bool
    replayed_steps: int = 0
    resumed_from_seq: int | None = None
    n_steps: int | None = None
    reported_outcome: str = ""
    detail: str = ""


def outcome_value(result: Any) -> float:
    """The value of a replay's outcome for a coalition game: 1.0 success, 0.0 failure.

    Accepts a :class:`ReplayResult` (or anything with ``success``, a bool), ``"success"``/``"failure"``,
    a bool, or a number in [0, 1] (a success probability from repeated replays); numpy's scalars count
    as the Python values they hold (``frame["ok"].any()`` is a ``numpy.bool_``).
    """
    if hasattr(result, "success"):
        flag = _plain(result.success)
        # a text flag ("false" read from JSON or CSV) is truthy: taken as is, every replay "succeeded"
        if not isinstance(flag, int) or flag not in (0, 1):
            raise ReplayError(
                f"a replay returned a result whose success is {result.success!r} "
                f"({type(result.success).__name__}); expected True or False"
            )
        return 1.0 if flag else 0.0
    result = _plain(result)
    if isinstance(result, str):
        text = result.lower()
        if text in ("success", "ok", "pass", "passed"):
            return 1.0
        if text in ("failure", "error", "fail", "failed"):
            return 0.0
        raise ReplayError(f"a replay returned the outcome {result!r}; expected 'success' or 'failure'")
    if isinstance(result, bool):
        return 1.0 if result else 0.0
    if isinstance(result, (int, float)) and math.isfinite(result) and 0.0 <= result <= 1.0:
        return float(result)
    raise ReplayError(
        f"a replay returned {result!r}; expected a ReplayResult, 'success'/'failure', a bool "
        "or a success probability in [0, 1]"
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (numpy only when the caller has it already)."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        return value.item()
    return value


def replayed_steps(result: Any) -> int | None:
    """Steps a replay re-executed, when it says."""
    n = getattr(result, "replayed_steps", None)
    return int(n) if n is not None else None


class TableReplay:
    """A replay whose outcomes come from a function of the replaced units (no system behind it).

    Parameters
    ----------
    outcome : callable
        ``outcome(run_id, replaced)`` → success (bool), where ``replaced`` is the frozenset of
        agent names and step ids the intervention replaces.

    Examples
    --------
    >>> from workbench.replay import Intervention, TableReplay
    >>> fix = TableReplay(lambda run_id, replaced: "pricer" in replaced)
    >>> fix("run-1", Intervention(agents={"pricer"})).outcome
    'success'
    """

    def __init__(self, outcome: Callable[[str, frozenset[str]], bool]) -> None:
        self._outcome = outcome
        self.calls = 0

    def __call__(self, run_id: str, intervention: Intervention) -> ReplayResult:
        self.calls += 1
        ok = bool(self._outcome(run_id, frozenset(intervention.agents) | frozenset(intervention.steps)))
        return ReplayResult(outcome="success" if ok else "failure", success=ok)
