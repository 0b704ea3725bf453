"""attribute() with in-memory replays whose answers are known: verdicts, decisive step, containment."""

from __future__ import annotations

import math
import time

import pytest

import workbench as wb
from workbench.attribution import attribute
from workbench.replay import TableReplay

AGENTS = ["planner", "retriever", "pricer", "executor", "verifier"]
T0 = 1_767_225_600_000_000_000


def _ws(n_steps_per_agent: int = 3) -> tuple[wb.Workspace, dict[str, str]]:
    recs: list[dict] = [
        {"record": "run", "run_id": "r", "outcome": "failure"},
        {
            "run_id": "r",
            "step_id": "root",
            "kind": "system",
            "status": "error",
            "started_at": T0,
            "ended_at": T0 + 10**12,
        },
    ]
    owner = {}
    i = 0
    for agent in AGENTS:
        recs.append(
            {
                "run_id": "r",
                "step_id": f"a-{agent}",
                "parent_id": "root",
                "kind": "agent",
                "agent": agent,
                "started_at": T0 + i * 10**9,
                "ended_at": T0 + (i + n_steps_per_agent) * 10**9,
            }
        )
        for _ in range(n_steps_per_agent):
            sid = f"s{i:03d}"
            owner[sid] = agent
            recs.append(
                {
                    "run_id": "r",
                    "step_id": sid,
                    "parent_id": f"a-{agent}",
                    "kind": "llm",
                    "started_at": T0 + i * 10**9,
                    "ended_at": T0 + (i + 1) * 10**9,
                }
            )
            i += 1
    ws = wb.open()
    ws.ingest(recs)
    return ws, owner


def test_single_culprit_agent_and_decisive_step() -> None:
    ws, owner = _ws()
    faulty = "s007"
    replay = TableReplay(lambda run, replaced: "pricer" in replaced or faulty in replaced)
    res = attribute(ws, "r", replay, unit="agent", method="shapley")
    assert res.verdict.culprit == "pricer" and not res.verdict.ambiguous
    assert res.verdict.confidence == pytest.approx(1.0)
    assert res.decisive.step_id == faulty and res.verdict.decisive_agent == "pricer"
    # the search (log2 T), the full-repair check, and the check that this step alone suffices
    assert res.decisive.replays <= math.ceil(math.log2(15)) + 2
    assert res.decisive.also_needed is None
    assert res.decisive.position == 7, "its position among all 15 moves"
    assert res.values.set_index("player").loc["pricer", "blame"] == pytest.approx(1.0)
    stored = ws.sql(
        "SELECT target, value FROM attributions WHERE run_id = 'r' AND unit = 'agent' "
        "ORDER BY value DESC LIMIT 1"
    ).fetchall()
    assert stored == [("pricer", pytest.approx(1.0))]


def test_two_faults_both_needed_is_ambiguous() -> None:
    ws, _ = _ws()
    # The run fails if either the pricer or the executor misbehaves: both must be repaired.
    replay = TableReplay(
        lambda run, replaced: {"pricer", "executor"} <= replaced or {"s007", "s010"} <= replaced
    )
    res = attribute(ws, "r", replay, unit="agent")
    assert res.verdict.ambiguous
    assert {res.verdict.culprit, res.verdict.runner_up} == {"pricer", "executor"}
    assert res.decisive.step_id == "s007", "the earlier of the two faults is decisive"
    assert res.decisive.also_needed == "s010"


def test_ablation_uses_one_replay_per_agent() -> None:
    ws, _ = _ws()
    replay = TableReplay(lambda run, replaced: "retriever" in replaced or "s004" in replaced)
    res = attribute(ws, "r", replay, method="ablation", decisive=False)
    assert res.replays == len(AGENTS) + 1
    assert res.verdict.culprit == "retriever"


def test_step_level_shapley_sampled_finds_the_step() -> None:
    ws, _ = _ws(n_steps_per_agent=4)
    replay = TableReplay(lambda run, replaced: "s009" in replaced)
    res = attribute(ws, "r", replay, unit="step", shapley_method="permutation", n_samples=20, seed=1)
    top = res.values.iloc[0]
    assert top["player"] == "s009" and top["blame"] == pytest.approx(1.0)
    assert res.verdict.culprit == "pricer"


def test_replay_that_raises_or_hangs_is_contained() -> None:
    ws, _ = _ws()

    def replay(run_id, intervention):
        if "verifier" in intervention.agents and len(intervention.agents) == 1:
            raise RuntimeError("sandbox crashed")
        if "planner" in intervention.agents and len(intervention.agents) == 1:
            time.sleep(3)
        return "success" if "pricer" in intervention.agents else "failure"

    res = attribute(ws, "r", replay, method="ablation", timeout=0.5, decisive=False)
    # the two failed replays might each have saved the run: no single culprit can be named
    assert res.inconclusive and res.verdict.culprit is None
    assert "pricer" in res.verdict.explanation
    assert sorted(res.failed) == [("planner",), ("verifier",)]
    assert any("sandbox crashed" in e for e in res.errors)
    assert any("timed out" in e for e in res.errors)


def test_bad_arguments_are_named() -> None:
    ws, _ = _ws()
    replay = TableReplay(lambda run, replaced: True)
    with pytest.raises(wb.InvalidParameterError, match="unit must be one of"):
        attribute(ws, "r", replay, unit="team")
    with pytest.raises(ValueError, match="no run 'nope'"):
        attribute(ws, "nope", replay)
