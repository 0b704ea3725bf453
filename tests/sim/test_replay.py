"""Replays: the labels are right (repairing the culprit fixes the run), and snapshot resume is exact."""

from __future__ import annotations

import time

import pytest
from _deep import deep

import workbench as wb
import workbench.sim as sim
from workbench.exceptions import InvalidParameterError, ReplayError, SimulationError
from workbench.sim import Intervention


def _single_fault_failures(runs: list[sim.SimRun]) -> list[sim.SimRun]:
    return [r for r in runs if len(r.faults) == 1 and r.outcome == "failure"]


def test_failed_single_fault_runs_are_fixed_by_their_culprit_only(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    failed = _single_fault_failures(runs)
    assert len(failed) >= 50
    assert {r.faults[0].kind for r in failed} == set(sim.FAULT_KINDS)
    for run in failed:
        (label,) = [lab for lab in system.ground_truth(run) if lab.get("kind")]
        assert system.replay(run, Intervention(agents={label["agent"]})).success, run.run_id
        assert system.replay(run, Intervention(steps={label["step_id"]})).success, run.run_id
        assert system.replay(run, Intervention(agents={label["agent"]}, mode="baseline")).success
        for other in system.agents:
            if other != label["agent"]:
                res = system.replay(run, Intervention(agents={other}))
                assert not res.success and res.replayed_steps == 0, (run.run_id, other)


def test_repairing_a_step_that_was_not_faulty_changes_nothing(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    for run in runs[:120]:
        faulty = set(run.faulty_steps)
        assert set(run.fault_steps.values()) <= faulty
        for sid in run.step_ids[::4]:
            if sid in faulty:
                continue
            res = system.replay(run, [sid])
            assert res.outcome == run.outcome and res.replayed_steps == 0 and res.n_steps == run.n_steps


def test_repairing_every_labelled_agent_fixes_multi_fault_runs(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    multi = [r for r in runs if len(r.faults) > 1]
    assert multi
    for run in multi:
        culprits = {lab["agent"] for lab in run.labels() if lab.get("agent")}
        assert system.replay(run, culprits).success
        for f in run.faults:
            # A fault is labelled recovered exactly when it alone would not have failed the run.
            others = {g.agent for g in run.faults if g.fid != f.fid}
            assert system.replay(run, others).success == run.recovered[f.fid]


def test_resume_from_snapshot_matches_full_replay(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    if deep():
        sample = runs[::5]
    else:
        # One run per single-fault kind, one of several faults and one without: each kind's fault steps are
        # resume points of their own; every 5th run (100 runs, 4,388 pairs) repeats them (suite53: deep only)
        kinds: dict[str | bool, sim.SimRun] = {}
        for run in runs:
            kinds.setdefault(run.faults[0].kind if len(run.faults) == 1 else len(run.faults) > 1, run)
        sample = list(kinds.values())
        assert {f.kind for r in sample for f in r.faults} == set(sim.FAULT_KINDS)
        assert any(not r.faults for r in sample) and any(len(r.faults) > 1 for r in sample)
    n_pairs = 0
    for run in sample:
        units = [*system.agents, *run.step_ids[::3], *run.fault_steps.values()]
        for unit in units:
            for mode in ("repair", "baseline"):
                iv = Intervention.coerce([unit], agents=system.agents)
                iv = Intervention(iv.agents, iv.steps, mode)
                a = system.replay(run, iv)
                b = system.replay(run, iv, resume=False)
                assert (a.outcome, a.reported_outcome, a.n_steps, a.detail) == (
                    b.outcome,
                    b.reported_outcome,
                    b.n_steps,
                    b.detail,
                ), (run.run_id, iv)
                assert b.resumed_from_seq == 0 and b.replayed_steps == b.n_steps
                assert a.replayed_steps < b.replayed_steps
                assert a.resumed_from_seq + a.replayed_steps == a.n_steps
                n_pairs += 1
        # Pairs of units, too: the resume point is the earliest change of either.
        for i in range(len(units) - 1):
            iv = Intervention.coerce(units[i : i + 2], agents=system.agents)
            a, b = system.replay(run, iv), system.replay(run, iv, resume=False)
            assert (a.outcome, a.n_steps) == (b.outcome, b.n_steps)
            n_pairs += 1
    assert n_pairs > (2000 if deep() else 400), n_pairs


def test_resume_point_is_the_first_changed_step(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    for run in _single_fault_failures(runs)[:40]:
        f = run.faults[0]
        res = system.replay(run, [f.agent])
        assert res.resumed_from_seq == int(run.fault_steps[f.fid][1:])
        base = system.replay(run, Intervention(agents={f.agent}, mode="baseline"))
        first = next(s["seq"] for s in run.steps if s["agent"] == f.agent)
        assert base.resumed_from_seq == first


def test_replays_are_deterministic_and_accept_run_ids(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    for run in _single_fault_failures(runs)[:30]:
        iv = Intervention(agents=frozenset({run.faults[0].agent}))
        results = {
            system.replay(run, iv),
            system.replay(run.run_id, iv),
            system.replay(run.index, iv),
            sim.procurement(seed=11, fault_rate=0.5, drift_at=250).replay(run.run_id, iv),
        }
        assert len(results) == 1


def test_no_op_intervention_returns_the_recorded_outcome(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    run = runs[0]
    res = system.replay(run, Intervention())
    assert (res.outcome, res.replayed_steps, res.resumed_from_seq) == (run.outcome, 0, run.n_steps)
    full = system.replay(run, None, resume=False)
    assert full.outcome == run.outcome and full.replayed_steps == run.n_steps


def test_intervention_coercion(system: sim.ProcurementSystem, runs: list[sim.SimRun]) -> None:
    assert sim.Intervention is wb.Intervention and sim.ReplayResult is wb.ReplayResult
    iv = Intervention.coerce(["pricer", "s0007"], agents=sim.AGENTS)
    assert iv == Intervention(agents=frozenset({"pricer"}), steps=frozenset({"s0007"}), mode="repair")
    assert Intervention.coerce("executor").agents == {"executor"}
    assert Intervention.coerce({"agents": ["verifier"], "mode": "baseline"}).mode == "baseline"
    assert Intervention(agents={"pricer"}).agents == frozenset({"pricer"})
    assert Intervention(agents="pricer").agents == frozenset({"pricer"})
    # the simulator reads plain names the same way
    assert system.replay(runs[0], ["pricer", "s0007"]) == system.replay(runs[0], iv)
    with pytest.raises(SimulationError, match="accountant"):
        system.replay(runs[0], ["accountant"])
    with pytest.raises(InvalidParameterError, match="fix"):
        Intervention(mode="fix")
    with pytest.raises(InvalidParameterError, match="agent"):
        Intervention.coerce({"agent": ["pricer"]})
    assert issubclass(SimulationError, ValueError) and issubclass(InvalidParameterError, ValueError)


def test_replay_of_a_foreign_run_id_fails(system: sim.ProcurementSystem) -> None:
    with pytest.raises(ReplayError):
        system.replay("proc-s99-000001", ["pricer"])


def test_replays_are_fast(system: sim.ProcurementSystem, runs: list[sim.SimRun]) -> None:
    failed = _single_fault_failures(runs)
    t = time.perf_counter()
    n = 0
    for run in failed:
        for agent in system.agents:
            system.replay(run, [agent])
            n += 1
    # Well under a millisecond each on an idle machine; the bound leaves room for a busy CI box.
    assert (time.perf_counter() - t) / n < 0.005
