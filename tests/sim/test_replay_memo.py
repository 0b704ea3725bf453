"""Replays answered from a run's memo, and runs rebuilt without records, give what full re-execution gives."""

from __future__ import annotations

import pickle
import random

import workbench.sim as sim
from workbench.sim import Intervention


def _interventions(run: sim.SimRun, agents: list[str], rng: random.Random, n: int) -> list[Intervention]:
    """What the attribution games ask for: agent coalitions, prefixes and windows of steps, single
    steps, and random mixes, weighted towards the steps of the agents that had faults."""
    ids = run.step_ids
    culprits = {f.agent for f in run.faults}
    theirs = [s for s in ids if run._meta[int(s[1:])][0] in culprits]
    out = []
    for _ in range(n):
        kind = rng.randrange(5)
        if kind == 0:
            steps = ids[: rng.randrange(len(ids) + 1)]
        elif kind == 1:
            steps = theirs[: rng.randrange(len(theirs) + 1)]
        elif kind == 2:
            lo = rng.randrange(len(theirs) + 1)
            steps = theirs[lo : lo + rng.randrange(1, 6)]
        elif kind == 3:
            steps = rng.sample(ids, min(len(ids), rng.randrange(8)))
        else:
            steps = rng.sample(theirs, min(len(theirs), rng.randrange(4)))
        kept = frozenset(a for a in agents if rng.random() < 0.3) if rng.random() < 0.5 else frozenset()
        out.append(
            Intervention(
                agents=kept, steps=frozenset(steps), mode="repair" if rng.random() < 0.9 else "baseline"
            )
        )
    return out


def test_memo_answers_equal_full_re_execution(system: sim.ProcurementSystem, runs: list[sim.SimRun]) -> None:
    rng = random.Random(5)
    faulty = [r for r in runs if r.faults]
    multi = [r for r in faulty if len(r.faults) > 1]
    assert len(multi) >= 10
    fresh = sim.procurement(seed=system.seed, fault_rate=system.fault_rate, drift_at=system.drift_at)
    n = hits = 0
    for run in faulty[:30] + multi[:20]:
        for iv in _interventions(run, system.agents, rng, 25):
            before = len(fresh._replayable(run.run_id)._outcomes)
            got = fresh.replay(run.run_id, iv)  # by run id: the run rebuilt without records, memo shared
            hits += len(fresh._replayable(run.run_id)._outcomes) == before
            want = system.replay(run, iv, resume=False)  # from the start, no memo
            assert (got.outcome, got.n_steps, got.reported_outcome, got.detail) == (
                want.outcome,
                want.n_steps,
                want.reported_outcome,
                want.detail,
            ), (run.run_id, iv)
            assert got.resumed_from_seq + got.replayed_steps == got.n_steps
            n += 1
    assert hits > n // 2  # most of the games' interventions change nothing new


def test_runs_rebuilt_for_replays_match_the_recorded_runs(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    fresh = sim.procurement(seed=system.seed, fault_rate=system.fault_rate, drift_at=system.drift_at)
    for run in runs[:60:3]:
        light = fresh._replayable(run.run_id)
        assert not light.steps  # no records were built
        assert (light.outcome, light.faults, light._meta, light._step_fires) == (
            run.outcome,
            run.faults,
            run._meta,
            run._step_fires,
        )
        assert light.snapshots() == run.snapshots()


def test_a_pickled_system_leaves_its_caches_behind(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    system.replay(runs[0].run_id, Intervention(agents={"pricer"}))
    system.run(1)
    copy = pickle.loads(pickle.dumps(system))
    assert not copy._cache and not copy._replay_cache
    assert len(pickle.dumps(system)) < 50_000
    assert copy.replay(runs[0].run_id, ["pricer"]).outcome == system.replay(runs[0], ["pricer"]).outcome
