"""attribute() on the simulator: verdicts against ground truth on a seed nothing was tuned on."""

from __future__ import annotations

import math
import warnings

import joblib
import pytest

import workbench as wb
from workbench.attribution import attribute


@pytest.fixture(scope="module")
def system_ws():
    system = wb.sim.procurement(seed=41)
    runs = list(system.generate(500))
    ws = wb.open()
    ws.ingest(runs)
    return system, ws, runs


def _culprits(run) -> list[dict]:
    return [label for label in run.labels() if label.get("agent")]


def test_single_fault_runs_agent_and_step_accuracy(system_ws) -> None:
    system, ws, runs = system_ws
    single = [r for r in runs if r.outcome == "failure" and len(r.faults) == 1]
    assert len(single) >= 40
    agent_hits = step_hits = 0
    for run in single:
        res = attribute(ws, run.run_id, system.replay, store=False)
        label = _culprits(run)[0]
        agent_hits += res.verdict.culprit == label["agent"]
        step_hits += res.verdict.decisive_step == label["step_id"]
        n = int((ws.steps(run.run_id)["kind"].isin(["llm", "tool", "handoff"])).sum())
        assert res.decisive.replays <= math.ceil(math.log2(n)) + 2
    assert agent_hits == len(single)
    assert step_hits / len(single) >= 0.95


def test_multi_fault_runs_name_every_needed_agent(system_ws) -> None:
    system, ws, runs = system_ws
    multi = [r for r in runs if r.outcome == "failure" and len({f.agent for f in r.faults}) > 1]
    assert multi
    for run in multi[:15]:
        res = attribute(ws, run.run_id, system.replay, store=False)
        blamed = set(res.values.loc[res.values["blame"] > 0.05, "player"])
        labelled = {lab["agent"] for lab in _culprits(run)}
        assert res.verdict.culprit in labelled
        assert blamed <= labelled, (run.run_id, blamed, labelled)


def test_step_level_shapley_with_snapshot_resume_saves_steps(system_ws) -> None:
    system, ws, runs = system_ws
    run = next(r for r in runs if r.outcome == "failure" and len(r.faults) == 1)
    resumed = attribute(ws, run.run_id, system.replay, unit="step", shapley_method="permutation",
                        n_samples=16, seed=3, decisive=False, store=False)

    def full(run_id, intervention):
        return system.replay(run_id, intervention, resume=False)

    naive = attribute(ws, run.run_id, full, unit="step", shapley_method="permutation", n_samples=16, seed=3,
                      decisive=False, store=False)
    assert resumed.values["player"].iloc[0] == _culprits(run)[0]["step_id"]
    assert resumed.replays == naive.replays
    assert resumed.replayed_steps < naive.replayed_steps


def test_replays_spread_over_a_dask_cluster(system_ws) -> None:
    import distributed
    system, ws, runs = system_ws
    run = next(r for r in runs if r.outcome == "failure" and len(r.faults) == 1)
    local = attribute(ws, run.run_id, system.replay, store=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                      dashboard_address=None) as cluster, distributed.Client(cluster):
            with joblib.parallel_backend("dask"):
                spread = attribute(ws, run.run_id, system.replay, n_jobs=2, store=False)
    assert spread.verdict == local.verdict
    assert spread.values.equals(local.values)


def test_results_land_in_the_attributions_table(system_ws) -> None:
    system, ws, runs = system_ws
    run = next(r for r in runs if r.outcome == "failure" and len(r.faults) == 1)
    attribute(ws, run.run_id, system.replay)
    attribute(ws, run.run_id, system.replay, method="ablation")
    methods = ws.sql("SELECT DISTINCT method FROM attributions WHERE run_id = ? ORDER BY 1", [run.run_id]).fetchall()
    assert [m for (m,) in methods] == ["ablation", "decisive-step", "shapley-exact"]
