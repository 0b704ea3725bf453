"""The simulator's runs: deterministic, well-formed records, realistic faults and signals."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

import numpy as np
import pytest

import workbench.sim as sim
from workbench.exceptions import SimulationError

STEP_KINDS = {"system", "agent", "llm", "tool", "handoff"}


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stats(logprobs: list[dict]) -> tuple[float, float]:
    """Confidence and entropy as the ingest computes them (exp mean logprob; mean top-k entropy)."""
    conf = math.exp(sum(t["logprob"] for t in logprobs) / len(logprobs))
    ents = []
    for t in logprobs:
        ps = np.exp([x["logprob"] for x in t["top_logprobs"]])
        ps = ps / ps.sum()
        ents.append(float(-(ps * np.log(ps)).sum()))
    return conf, float(np.mean(ents))


def test_same_seed_gives_identical_records() -> None:
    a = [r.to_records() for r in sim.procurement(seed=5).generate(40)]
    b = [r.to_records() for r in sim.procurement(seed=5).generate(40)]
    assert a == b


def test_different_seeds_differ() -> None:
    a = [r.to_records() for r in sim.procurement(seed=5).generate(10)]
    b = [r.to_records() for r in sim.procurement(seed=6).generate(10)]
    assert all(x != y for x, y in zip(a, b, strict=True))


def test_run_is_a_function_of_its_index_and_id(system: sim.ProcurementSystem, runs: list[sim.SimRun]) -> None:
    fresh = sim.procurement(seed=11, fault_rate=0.5, drift_at=250, cache_size=0)
    for run in runs[::97]:
        assert fresh.get(run.run_id).to_records() == run.to_records()
        assert next(fresh.generate(1, start=run.index)).to_records() == run.to_records()
        assert run.run_id == f"proc-s11-{run.index:06d}"
    with pytest.raises(SimulationError):
        system.get("proc-s12-000001")


def test_records_are_well_formed(runs: list[sim.SimRun]) -> None:
    for run in runs:
        recs = run.to_records()
        assert recs[0]["record"] == "run" and recs[0]["run_id"] == run.run_id
        assert recs[0]["outcome"] in ("success", "failure")
        steps = [r for r in recs if r["record"] == "step"]
        by_id = {s["step_id"]: s for s in steps}
        assert len(by_id) == len(steps) == run.n_steps
        assert [s["seq"] for s in steps] == list(range(len(steps)))
        assert [s["step_id"] for s in steps] == run.step_ids
        for s in steps:
            assert s["run_id"] == run.run_id and s["kind"] in STEP_KINDS
            assert s["status"] in ("ok", "error") and (s["status"] == "ok") == ("error" not in s)
            start, end = _ts(s["started_at"]), _ts(s["ended_at"])
            assert end >= start
            assert s["latency_ms"] == pytest.approx((end - start).total_seconds() * 1000, abs=1e-6)
            if s["parent_id"] is None:
                assert s["kind"] == "system" and s["name"] == "procurement.run"
                continue
            parent = by_id[s["parent_id"]]
            assert parent["seq"] < s["seq"]
            # Children lie within their parent span.
            assert _ts(parent["started_at"]) <= start and end <= _ts(parent["ended_at"])
            assert s["kind"] != "agent" or parent["kind"] == "system"
            assert s["kind"] not in ("llm", "tool", "handoff") or parent["kind"] == "agent"
            assert s["agent"] == parent["agent"] or parent["kind"] == "system"
            if s["kind"] == "llm" and "logprobs" in s:
                assert 3 <= len(s["logprobs"]) <= 8
                for tok in s["logprobs"]:
                    assert len(tok["top_logprobs"]) == 3 and tok["logprob"] <= 0
                    assert tok["top_logprobs"][0]["logprob"] == tok["logprob"]
            if s["kind"] == "tool":
                assert s["tool"] == s["name"]
        edges = [r for r in recs if r["record"] == "edge"]
        for e in edges:
            assert e["src_step"] in by_id and e["dst_step"] in by_id
            assert by_id[e["src_step"]]["seq"] < by_id[e["dst_step"]]["seq"]
            if e["kind"] == "handoff":
                assert by_id[e["src_step"]]["kind"] == "handoff" and by_id[e["dst_step"]]["kind"] == "agent"
            else:
                assert e["kind"] == "consumes"
        labels = [r for r in recs if r["record"] == "label"]
        assert labels[0]["outcome"] == run.outcome and labels[0]["source"] == "ground_truth"
        assert len(labels) == 1 + len(run.faults)
        for lab in labels[1:]:
            # a failed run's recovered fault names no agent or step (it is no culprit)
            assert "step_id" not in lab or (
                lab["step_id"] in by_id and by_id[lab["step_id"]]["agent"] == lab["agent"]
            )
            assert lab["kind"] in sim.FAULT_KINDS


def test_five_agents_with_llm_and_tool_calls_and_handoffs(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    assert system.agents == ["planner", "retriever", "pricer", "executor", "verifier"]
    clean = next(r for r in runs if not r.faults)
    kinds = Counter((s["agent"], s["kind"]) for s in clean.steps)
    for agent in system.agents:
        assert kinds[(agent, "agent")] >= 1 and kinds[(agent, "llm")] >= 1
    tools = {s["tool"] for r in runs for s in r.steps if s["kind"] == "tool"}
    assert tools == {"search_catalog", "lookup_supplier", "get_price", "place_order", "check_order"}
    final = clean.steps[-1]
    assert final["name"] == "verifier.final_answer"
    assert {"order_id", "unit_price", "quantity", "supplier"} <= set(final["output"])


def test_runs_spread_over_a_month_from_new_year() -> None:
    system = sim.procurement(seed=0)
    first, last = system.run(0), system.run(1999)
    t0, t1 = _ts(first.steps[0]["started_at"]), _ts(last.steps[0]["started_at"])
    assert t0.year == 2026 and t0.month == 1 and t0.day == 1
    assert 25 <= (t1 - t0).days <= 31


def test_fault_free_runs_succeed() -> None:
    for drift_at in (None, 0):
        system = sim.procurement(seed=2, fault_rate=0.0, drift_at=drift_at, drift_fault_rate=0.0)
        for run in system.generate(150):
            assert not run.faults and run.outcome == run.reported_outcome == "success"


def test_fault_rate_roughly_as_requested() -> None:
    for rate in (0.1, 0.3):
        system = sim.procurement(seed=4, fault_rate=rate, drift_at=None)
        runs = list(system.generate(600))
        frac = np.mean([bool(r.faults) for r in runs])
        assert abs(frac - rate) < 0.05, (rate, frac)


def test_every_fault_kind_occurs_and_is_labelled(runs: list[sim.SimRun]) -> None:
    kinds = Counter(f.kind for r in runs for f in r.faults)
    assert set(kinds) == set(sim.FAULT_KINDS)
    for run in runs:
        labels = run.labels()[1:]
        assert sorted(lab["kind"] for lab in labels) == sorted(f.kind for f in run.faults)
        named = [f for f in run.faults if run.success or not run.recovered[f.fid]]
        assert sorted((lab["agent"], lab["kind"]) for lab in labels if "agent" in lab) == sorted(
            (f.agent, f.kind) for f in named
        )


def test_multi_fault_runs_are_labelled_with_every_fault(runs: list[sim.SimRun]) -> None:
    multi = [r for r in runs if len(r.faults) > 1]
    assert len(multi) >= 20
    for run in multi:
        labels = [lab for lab in run.labels() if lab.get("kind")]
        named = [lab["agent"] for lab in labels if "agent" in lab]
        assert len(labels) == len(run.faults) and len(set(named)) == len(named)


def test_recovered_faults_are_labelled_in_successful_runs(runs: list[sim.SimRun]) -> None:
    recovered = [r for r in runs if r.faults and r.outcome == "success"]
    assert len(recovered) >= 20
    kinds = {f.kind for r in recovered for f in r.faults}
    assert {"rate_limit", "timeout", "hallucination", "loop", "ping_pong", "wrong_tool_args"} <= kinds
    for run in recovered:
        assert all(run.recovered[f.fid] for f in run.faults)
        assert all("(recovered)" in lab["detail"] for lab in run.labels()[1:])
    # Retries that succeed show up as error steps followed by an ok call of the same tool.
    run = next(r for r in recovered if r.faults[0].kind == "rate_limit")
    calls = [s for s in run.steps if s.get("tool") == run.faults[0].tool]
    assert calls[0]["status"] == "error" and "429" in calls[0]["error"] and calls[-1]["status"] == "ok"


def test_silent_failures_report_success(runs: list[sim.SimRun]) -> None:
    silent = [r for r in runs if [f.kind for f in r.faults] == ["silent_failure"]]
    assert silent
    for run in silent:
        assert run.reported_outcome == "success" and run.outcome == "failure"
        assert run.to_records()[0]["outcome"] == "success"


def test_timeouts_are_long_and_fail_the_step(runs: list[sim.SimRun]) -> None:
    steps = [s for r in runs for s in r.steps if "Timeout" in s.get("error", "")]
    assert steps and all(s["latency_ms"] >= 30_000 and s["status"] == "error" for s in steps)


def test_cascade_values_flow_downstream_through_consumes_edges(runs: list[sim.SimRun]) -> None:
    for run in (r for r in runs if [f.kind for f in r.faults] == ["cascade"]):
        src = run.fault_steps[run.faults[0].fid]
        edges = [e for e in run.edges if e["kind"] == "consumes"]
        reached, frontier = set(), {src}
        while frontier:
            nxt = {e["dst_step"] for e in edges if e["src_step"] in frontier} - reached
            reached |= nxt
            frontier = nxt
        agents = {s["agent"] for s in run.steps if s["step_id"] in reached}
        assert len(agents - {run.faults[0].agent}) >= 1


def test_drift_changes_the_pricer_model_after_the_change_point(
    system: sim.ProcurementSystem, runs: list[sim.SimRun]
) -> None:
    def models(run: sim.SimRun, agent: str) -> set[str]:
        return {s["model"] for s in run.steps if s["agent"] == agent and s["kind"] == "llm"}

    for run in runs:
        expected = "pricer-v2" if run.index >= system.drift_at else "pricer-v1"
        assert models(run, "pricer") <= {expected}
        assert models(run, "planner") == {"planner-v1"}
    assert {"pricer-v1", "pricer-v2"} == {m for r in runs for m in models(r, "pricer")}
    assert not any(f.kind == "drift" for r in runs[:250] for f in r.faults)
    after = [r for r in runs[250:] if any(f.kind == "drift" for f in r.faults)]
    assert len(after) >= 20
    # pricer-v2 is slower and less certain than pricer-v1 (on fault-free steps).
    ent: dict[str, list[float]] = {"pricer-v1": [], "pricer-v2": []}
    lat: dict[str, list[float]] = {"pricer-v1": [], "pricer-v2": []}
    for run in runs:
        faulty = set(run.fault_steps.values())
        for s in run.steps:
            if s["agent"] == "pricer" and s["kind"] == "llm" and s["step_id"] not in faulty:
                ent[s["model"]].append(_stats(s["logprobs"])[1])
                lat[s["model"]].append(s["latency_ms"])
    assert np.mean(ent["pricer-v2"]) > np.mean(ent["pricer-v1"]) + 0.05
    assert np.mean(lat["pricer-v2"]) > 1.3 * np.mean(lat["pricer-v1"])


def test_faulty_steps_are_less_confident_on_average_but_overlap(runs: list[sim.SimRun]) -> None:
    faulty_c, faulty_e, clean_c, clean_e = [], [], [], []
    for run in runs:
        faulty = set(run.fault_steps.values())
        for s in run.steps:
            if s["kind"] != "llm":
                continue
            c, e = _stats(s["logprobs"])
            (faulty_c if s["step_id"] in faulty else clean_c).append(c)
            (faulty_e if s["step_id"] in faulty else clean_e).append(e)
    assert len(faulty_c) >= 100
    assert np.mean(faulty_c) < np.mean(clean_c) - 0.05
    assert np.mean(faulty_e) > np.mean(clean_e) + 0.1
    # A real signal, not a perfect one: the two populations overlap.
    assert np.mean(np.array(faulty_c) > np.median(clean_c)) > 0.05
    assert np.mean(np.array(clean_c) < np.median(faulty_c)) > 0.05


def test_bad_options_are_rejected() -> None:
    with pytest.raises(SimulationError):
        sim.procurement(fault_rate=1.5)
    with pytest.raises(SimulationError):
        sim.procurement(fault_weights={"gremlins": 1.0})
    with pytest.raises(TypeError):
        sim.procurement(no_such_option=1)
