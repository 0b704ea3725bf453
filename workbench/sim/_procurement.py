"""The simulated procurement system: generation of labelled runs, and replays under interventions."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import ReplayError, SimulationError
from ..replay import Intervention, ReplayResult
from . import _llm
from ._faults import AGENTS, DEFAULT_WEIGHTS, FAULT_KINDS, Fault, plan_faults
from ._intervention import sim_intervention
from ._machine import Cover, Machine, RunContext
from ._records import label_records, run_record
from ._state import State, judge
from ._timefmt import parse_us
from ._world import Task, World

_RUN_ID = re.compile(r"^proc-s(\d+)-(\d{6,})$")


@dataclass(eq=False)
class SimRun:
    """One simulated run: its records, ground truth and per-step state snapshots."""

    run_id: str
    seed: int
    index: int
    task: Task
    models: dict[str, str]
    outcome: str
    outcome_detail: str
    reported_outcome: str
    reported_detail: str
    faults: tuple[Fault, ...]
    fault_steps: dict[int, str]
    fault_notes: dict[int, str]
    final_answer: dict[str, Any] | None
    steps: list[dict[str, Any]] = field(repr=False)
    edges: list[dict[str, Any]] = field(repr=False)
    recovered: dict[int, bool] = field(default_factory=dict)
    _ctx: RunContext | None = field(default=None, repr=False)
    _snapshots: list[State] | None = field(default=None, repr=False)
    _meta: list[tuple[str | None, tuple[str, int]]] = field(default_factory=list, repr=False)
    _step_fires: dict[str, list[int]] = field(default_factory=dict, repr=False)
    # replay results by effective intervention (see ProcurementSystem._replay)
    _outcomes: dict[tuple, ReplayResult] = field(default_factory=dict, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_steps(self) -> int:
        return len(self._meta)

    @property
    def step_ids(self) -> list[str]:
        return [f"s{i:04d}" for i in range(self.n_steps)]

    @property
    def faulty_steps(self) -> dict[str, list[str]]:
        """Every step at which a fault fired (its repeats included), with the fault kinds.

        Labels name only the first such step of each fault.
        """
        kinds = {f.fid: f.kind for f in self.faults}
        return {sid: [kinds[fid] for fid in fids] for sid, fids in self._step_fires.items()}

    @property
    def success(self) -> bool:
        return self.outcome == "success"

    def snapshots(self) -> list[State]:
        """State just before each step (``[seq]``), computed on first use.

        Generation does not keep them: re-executing the recorded run once (with its fired faults,
        without building records) reproduces it exactly and costs about a millisecond.
        """
        if self._snapshots is None:
            assert self._ctx is not None
            snaps: list[State] = []
            Machine(self._ctx, self.faults, record=False).run(State(t=self._ctx.t0), snaps)
            if len(snaps) != self.n_steps:
                raise ReplayError(f"{self.run_id}: re-execution diverged from the recorded run")
            self._snapshots = snaps
        return self._snapshots

    def _fires(self) -> list[tuple[int, str, tuple[str, int]]]:
        """(seq, fault's agent, slot) of every step where a fault fired, in run order."""
        if "fires" not in self._derived:
            by_id = {f.fid: f for f in self.faults}
            self._derived["fires"] = sorted(
                (int(sid[1:]), by_id[fid].agent, self._meta[int(sid[1:])][1])
                for sid, fids in self._step_fires.items()
                for fid in fids
            )
        return self._derived["fires"]

    def _slots(self, step_ids: frozenset[str]) -> frozenset[tuple[str, int]]:
        """The slots of the recorded steps named (ids beyond the last step name nothing)."""
        if "slot_of" not in self._derived:
            self._derived["slot_of"] = {f"s{i:04d}": sl for i, (_, sl) in enumerate(self._meta)}
        slot_of = self._derived["slot_of"]
        out = []
        for sid in step_ids:
            sl = slot_of.get(sid)
            if sl is None and int(sid[1:]) < len(self._meta):  # "s00007" is step 7 too
                sl = self._meta[int(sid[1:])][1]
            if sl is not None:
                out.append(sl)
        return frozenset(out)

    def _slot_owner(self) -> dict[tuple[str, int], tuple[str | None, int]]:
        """The agent and seq of each recorded step, by its slot (a slot is emitted once per run)."""
        if "owner" not in self._derived:
            self._derived["owner"] = {sl: (agent, seq) for seq, (agent, sl) in enumerate(self._meta)}
        return self._derived["owner"]

    def labels(self) -> list[dict[str, Any]]:
        """Ground-truth label records (true outcome, then one per fault)."""
        return label_records(self)

    def to_records(self) -> list[dict[str, Any]]:
        """Native records: the run, its steps in seq order, its edges, its labels.

        The step and edge dicts are the run's own (not copies): read them, do not modify them.
        """
        return [run_record(self), *self.steps, *self.edges, *label_records(self)]


class ProcurementSystem:
    """A seeded, deterministic, fault-injected five-agent procurement system.

    Parameters
    ----------
    seed : int
        Seeds the catalogue and every run (run ``i`` depends only on seed, options and ``i``).
    fault_rate : float
        Probability that a run is planned with at least one fault (a quarter of those get two or
        three). Drift faults come on top, after ``drift_at``.
    drift_at : int or None
        Run index from which the pricer runs model ``pricer-v2`` (slower, less certain, and with
        probability ``drift_fault_rate`` per run misreading prices). ``None``: no drift.
    drift_fault_rate : float
        Per-run probability of a drift fault once the pricer is on ``pricer-v2``.
    runs_per_day : float
        Arrival rate; run ``i`` starts about ``i / runs_per_day`` days after ``start``.
    start : str
        ISO-8601 time of the first run.
    fault_weights : dict, optional
        Relative frequency of each fault kind (defaults to a mix of all eight non-drift kinds).
    cache_size : int
        Recently built runs kept for replays by run id.
    """

    agents: list[str] = list(AGENTS)
    fault_kinds: tuple[str, ...] = FAULT_KINDS

    def __init__(
        self,
        seed: int = 0,
        fault_rate: float = 0.3,
        *,
        drift_at: int | None = 1200,
        drift_fault_rate: float = 0.25,
        runs_per_day: float = 70.0,
        start: str = "2026-01-01T00:00:00Z",
        fault_weights: dict[str, float] | None = None,
        cache_size: int = 128,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0 or not 0.0 <= drift_fault_rate <= 1.0:
            raise SimulationError("fault_rate and drift_fault_rate must be in [0, 1]")
        if runs_per_day <= 0:
            raise SimulationError("runs_per_day must be positive")
        weights = dict(DEFAULT_WEIGHTS if fault_weights is None else fault_weights)
        unknown = set(weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise SimulationError(f"unknown fault kinds {sorted(unknown)} (drift is set with drift_at)")
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise SimulationError("fault_weights must be non-negative with a positive sum")
        self.seed = int(seed)
        self.fault_rate = float(fault_rate)
        self.drift_at = drift_at
        self.drift_fault_rate = float(drift_fault_rate)
        self.runs_per_day = float(runs_per_day)
        self.start = start
        self.fault_weights = weights
        self.world = World(self.seed)
        self._t_start = parse_us(start)
        self._cache: OrderedDict[int, SimRun] = OrderedDict()
        self._cache_size = cache_size
        # runs rebuilt only to be replayed: no records, snapshots taken in the same pass
        self._replay_cache: OrderedDict[int, SimRun] = OrderedDict()

    def __getstate__(self) -> dict[str, Any]:
        # The caches are rebuilt on demand: a system sent to worker processes travels light.
        state = dict(self.__dict__)
        state["_cache"], state["_replay_cache"] = OrderedDict(), OrderedDict()
        return state

    def __repr__(self) -> str:
        return (
            f"ProcurementSystem(seed={self.seed}, fault_rate={self.fault_rate}, drift_at={self.drift_at}, "
            f"agents={self.agents})"
        )

    # -- identities ---------------------------------------------------------------------------
    def run_id(self, index: int) -> str:
        return f"proc-s{self.seed}-{index:06d}"

    def index_of(self, run_id: str) -> int:
        m = _RUN_ID.match(run_id)
        if m is None or int(m.group(1)) != self.seed:
            raise SimulationError(f"{run_id!r} is not a run of this system (seed {self.seed})")
        return int(m.group(2))

    def model(self, agent: str, index: int) -> str:
        """The model version ``agent`` uses in run ``index``."""
        if agent == "pricer" and self.drift_at is not None and index >= self.drift_at:
            return "pricer-v2"
        return f"{agent}-v1"

    # -- generation ---------------------------------------------------------------------------
    def generate(self, n_runs: int, start: int = 0) -> Iterator[SimRun]:
        """Yield runs ``start .. start + n_runs - 1`` (each deterministic for seed, options, index)."""
        for i in range(start, start + n_runs):
            # Not cached: a generated stream is usually written or ingested once.
            yield self._cache.get(i) or self._build(i)

    def run(self, index: int) -> SimRun:
        """Build (or fetch from the cache) run ``index``."""
        hit = self._cache.get(index)
        if hit is not None:
            self._cache.move_to_end(index)
            return hit
        run = self._build(index)
        self._cache[index] = run
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return run

    def get(self, run: SimRun | str | int) -> SimRun:
        """A run from a :class:`SimRun`, a run id or an index."""
        if isinstance(run, SimRun):
            return run
        if isinstance(run, str):
            return self.run(self.index_of(run))
        if int(run) < 0:
            raise SimulationError(f"run index must be >= 0, not {run}")
        return self.run(int(run))

    def _context(self, index: int) -> tuple[RunContext, tuple[Fault, ...]]:
        # One stream per run, always consumed in the same order and amounts (task, timing, fault
        # plan, noise tables), so a run depends on nothing but the seed, the options and its index.
        rng = np.random.default_rng([self.seed, index])
        task = self.world.task(rng)
        spacing = 86_400_000_000 / self.runs_per_day
        t0 = self._t_start + int(index * spacing + rng.uniform(0.0, 0.6) * spacing)
        order_base = int(rng.integers(1_000_000, 9_000_000))
        drift = self.drift_at is not None and index >= self.drift_at
        plan = plan_faults(rng, self.fault_rate, self.fault_weights, drift, self.drift_fault_rate)
        models = {a: self.model(a, index) for a in AGENTS}
        return RunContext(
            self.run_id(index), self.seed, index, self.world, task, _llm.Noise(rng), models, t0, order_base
        ), plan

    def _build(self, index: int, record: bool = True) -> SimRun:
        """Run ``index`` with its records, or (``record=False``, for replays only) without records,
        labels' recovery flags or fault notes but with every step's snapshot, in one pass."""
        ctx, plan = self._context(index)
        m = Machine(ctx, plan, record=record)
        snaps: list[State] | None = None if record else []
        st = m.run(State(t=ctx.t0), snaps)
        fired = tuple(f for f in plan if f.fid in m.fired_at)
        outcome, detail = judge(ctx.task, st)
        run = SimRun(
            ctx.run_id,
            self.seed,
            index,
            ctx.task,
            ctx.models,
            outcome,
            detail,
            st.reported or "failure",
            st.detail or "",
            fired,
            dict(m.fired_at),
            dict(m.desc),
            st.final,
            m.steps,
            m.edges,
            {},
            ctx,
            snaps,
            m.meta,
            m.step_fires,
        )
        if not record:
            return run
        for f in fired:
            if len(fired) == 1:
                run.recovered[f.fid] = outcome == "success"
            else:
                # Recovered = the run would have succeeded had this been its only fault.
                others = frozenset(g.agent for g in fired if g.fid != f.fid)
                run.recovered[f.fid] = self._replay(run, Cover("repair", others, frozenset()), True).success
        return run

    # -- ground truth and replays ---------------------------------------------------------------
    def ground_truth(self, run: SimRun | str | int) -> list[dict[str, Any]]:
        """Label records of a run: its true outcome, then one record per fault (agent, step_id, kind)."""
        return self.get(run).labels()

    def n_steps(self, run: SimRun | str | int) -> int:
        return self.get(run).n_steps

    def replay(
        self,
        run: SimRun | str | int,
        intervention: Intervention | Iterable[str] | dict | None,
        *,
        resume: bool = True,
    ) -> ReplayResult:
        """Re-run ``run`` with the units named in ``intervention`` replaced.

        Parameters
        ----------
        run : SimRun, str or int
            The recorded run, its run id, or its index.
        intervention : Intervention, iterable of str, dict or None
            What to replace (see :class:`Intervention`); a plain iterable holds agent names and/or
            step ids (mode ``repair``). Step ids beyond the run's last step change nothing.
        resume : bool
            Resume from the snapshot taken just before the first step the intervention changes
            (default). ``False`` re-executes the whole run, for comparison; the outcome is the same.

        Returns
        -------
        ReplayResult
        """
        try:
            run = run if isinstance(run, SimRun) else self._replayable(run)
        except SimulationError as exc:
            raise ReplayError(str(exc)) from exc
        iv = sim_intervention(intervention)
        return self._replay(run, Cover(iv.mode, iv.agents, run._slots(iv.steps)), resume)

    def _replayable(self, run: str | int) -> SimRun:
        """The run to replay: the full one when it is cached, else one rebuilt without records."""
        index = self.index_of(run) if isinstance(run, str) else int(run)
        if index < 0:
            raise SimulationError(f"run index must be >= 0, not {run}")
        hit = self._cache.get(index) or self._replay_cache.get(index)
        if hit is not None:
            return hit
        built = self._replay_cache[index] = self._build(index, record=False)
        if len(self._replay_cache) > self._cache_size:
            self._replay_cache.popitem(last=False)
        return built

    def _replay(self, run: SimRun, cover: Cover, resume: bool) -> ReplayResult:
        if not resume:
            return _execute(run, cover, 0)
        # Interventions that change the same things give the same replay: answer again from the
        # run's memo (the attribution games ask for many coalitions that differ only in units
        # that had nothing to repair, or in steps after the fault that their repair already ended).
        first, key = _effective(run, cover)
        hit = run._outcomes.get(key)
        if hit is None:
            if first is None:
                hit = ReplayResult(
                    run.outcome,
                    run.success,
                    0,
                    run.n_steps,
                    run.n_steps,
                    run.reported_outcome,
                    run.outcome_detail,
                )
            else:
                hit = _execute(run, cover, first)
            run._outcomes[key] = hit
        return hit


def _execute(run: SimRun, cover: Cover, at: int) -> ReplayResult:
    """Re-execute ``run`` under ``cover`` from the snapshot before step ``at``."""
    m = Machine(run._ctx, run.faults, cover, record=False)
    st = m.run(run.snapshots()[at].copy())
    outcome, detail = judge(run.task, st)
    return ReplayResult(
        outcome, outcome == "success", m.executed, at, at + m.executed, st.reported or "failure", detail
    )


def _effective(run: SimRun, cover: Cover) -> tuple[int | None, tuple]:
    """The first step ``cover`` changes, and what of ``cover`` decides the replay of ``run``.

    Two covers with the same key give the same replay (checked against full re-execution in
    tests/sim). A baseline replaces a unit whatever it did, so its cover is kept whole. A repair
    acts only in :meth:`Machine.fire`, on an agent's own fault (one per agent) at that agent's own
    steps, so:

    * before the first step where a recorded fault fires and is covered, the replay is the
      recording, and that fault's attempt there is the same; covered, the fault is done for good,
      so its agent (and its agent's steps) no longer matter;
    * a slot (step name, occurrence) recorded before that step cannot come again, as occurrences
      only grow;
    * agents with no fault in the run, and their steps, never matter.
    """
    if cover.mode != "repair":
        return _first_changed(run, cover), (cover.mode, cover.agents, cover.slots)
    fires = run._fires()
    first = next((seq for seq, agent, sl in fires if agent in cover.agents or sl in cover.slots), None)
    if first is None:
        return None, ("repair",)
    done = {
        agent for seq, agent, sl in fires if seq == first and (agent in cover.agents or sl in cover.slots)
    }
    live = {f.agent for f in run.faults} - done
    owner = run._slot_owner()
    slots = frozenset(sl for sl in cover.slots if owner[sl][0] in live and owner[sl][1] > first)
    return first, ("repair", first, cover.agents & live, slots)


def _first_changed(run: SimRun, cover: Cover) -> int | None:
    """Seq of the first recorded step whose behaviour a baseline intervention changes, if any
    (for a repair, see :func:`_effective`)."""
    for seq, (agent, sl) in enumerate(run._meta):
        if agent is not None and (agent in cover.agents or sl in cover.slots):
            return seq
    return None


def procurement(seed: int = 0, fault_rate: float = 0.3, **options: Any) -> ProcurementSystem:
    """The built-in simulated multi-agent procurement system.

    Parameters
    ----------
    seed : int
        Seed of the catalogue and of every run.
    fault_rate : float
        Probability that a run carries at least one injected fault.
    **options
        Passed to :class:`ProcurementSystem` (``drift_at``, ``drift_fault_rate``, ``runs_per_day``,
        ``start``, ``fault_weights``, ``cache_size``).

    Returns
    -------
    ProcurementSystem

    Examples
    --------
    >>> system = procurement(seed=0)
    >>> run = next(system.generate(1))
    >>> system.replay(run, Intervention(agents={"pricer"})).outcome in ("success", "failure")
    True
    """
    return ProcurementSystem(seed, fault_rate, **options)
