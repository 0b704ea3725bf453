"""ThresholdTuner without a browser: slider → lookup → readout and chart params; export."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import workbench as wb
from workbench.widgets import ThresholdTuner


def _rate(tuner: ThresholdTuner) -> float:
    return float(re.search(r"wb-escalation-rate'>([\d.]+)%", tuner.readout.value).group(1)) / 100


def test_slider_moves_the_point(ws: wb.Workspace) -> None:
    tu = ThresholdTuner(ws, signal="entropy", cost_review=1.0, cost_failure=20.0, budget=0.3)
    sweep = wb.sweep_thresholds(ws, "entropy", cost_review=1.0, cost_failure=20.0, budget=0.3)
    # it opens at the best threshold, on the slider's grid (ux25: the slider shows the threshold it applies)
    assert abs(tu.threshold.value - sweep.best.threshold) <= tu.threshold.step
    assert sweep.at(tu.threshold.value).cost == pytest.approx(sweep.best.cost)
    lo, hi = tu.threshold.min, tu.threshold.max
    rates = []
    for frac in (0.1, 0.5, 0.9):
        tu.threshold.value = lo + frac * (hi - lo)
        expected = sweep.at(tu.threshold.value)
        assert _rate(tu) == pytest.approx(expected.escalation_rate, abs=5e-4)
        assert tu.sweep_chart.params.cur_x == pytest.approx(expected.escalation_rate)
        assert tu.sweep_chart.params.cur_y == pytest.approx(expected.recall)
        assert tu.cost_chart.params.cur_t == pytest.approx(tu.threshold.value)
        rates.append(_rate(tu))
    assert rates[0] > rates[1] > rates[2]  # a higher entropy threshold escalates fewer runs
    # a cheaper point outside the budget must not read as beating the "best": say which best it is
    assert f"(best within the 30% review budget {sweep.best.cost:,.1f})" in tu.readout.value
    assert tu.latency_ms["move"] < 1000


def test_per_agent_and_signal_switch(ws: wb.Workspace) -> None:
    tu = ThresholdTuner(ws, signal="entropy", budget=0.2)
    tu.per_agent.value = True
    agents = sorted(
        ws.sql("SELECT DISTINCT agent FROM steps WHERE entropy IS NOT NULL").fetchnumpy()["agent"]
    )
    assert [s.description for s in tu.agent_sliders.children] == agents and tu.threshold.disabled
    first = tu.agent_sliders.children[0]
    before = _rate(tu)
    first.value = first.min if tu.sweep.direction == "above" else first.max  # escalate all of that agent
    assert _rate(tu) >= before and tu.cost_chart.params.cur_show == 0.0
    tu.per_agent.value = False
    tu.signal.value = "confidence"
    assert tu.sweep.signal == "confidence" and "confidence ≤" in tu.readout.value


def test_export_writes_a_policy_that_loads(ws: wb.Workspace, tmp_path: Path) -> None:
    tu = ThresholdTuner(ws, signal="entropy", budget=0.2)
    policy = tu.export_policy(tmp_path / "policy.yaml")
    back = wb.Policy.from_yaml(tmp_path / "policy.yaml")
    # written with few digits (ux16), escalating what the slider's value escalates
    written, slider = back.hitl[0].threshold, tu.threshold.value
    assert back == policy and written == pytest.approx(slider, rel=0.01) and len(repr(written)) <= 6
    assert dataclasses.replace(tu.sweep.at(written), threshold=slider) == tu.sweep.at(slider)
    assert "hitl:" in tu.policy_view.value
    # (ux46) the threshold moved after: the view says the file holds the rule before, not the one set now
    tu.move()
    assert "hitl:" in tu.policy_view.value
    tu.threshold.value = tu.threshold.max if tu.threshold.value != tu.threshold.max else tu.threshold.min
    assert "holds the rule exported before the last change, not the threshold set now" in tu.policy_view.value


def test_unknown_signal_is_refused(ws: wb.Workspace) -> None:
    with pytest.raises(ValueError, match="signals here"):
        ThresholdTuner(ws, signal="nonsense")


def test_runs_of_unknown_outcome_are_named_as_the_reason() -> None:
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "unknown"},
            {
                "run_id": "r",
                "step_id": "s",
                "agent": "a",
                "kind": "llm",
                "entropy": 0.5,
                "started_at": "2026-01-01T00:00:00Z",
                "ended_at": "2026-01-01T00:00:01Z",
            },
        ],
        progress=False,
    )
    # said in a panel (ux13), beside the review load over the runs the store has
    tu = ThresholdTuner(ws)
    assert (
        "The one run of this store has no known outcome" in tu.missing.value and tu.signal.value == "entropy"
    )
    assert tu.review is not None and tu.review.load.at(0.5)["escalated_runs"] == 1


def test_hostile_agent_names_per_agent(tmp_path: Path) -> None:
    from payload import HOSTILE_AGENTS, hostile_runs

    ws = wb.open()
    ws.ingest(hostile_runs(), progress=False)
    tu = ThresholdTuner(ws, signal="entropy")
    tu.per_agent.value = True
    sliders = tu.agent_sliders.children
    # plain-text descriptions, one per agent, control characters made visible, and the thresholds
    # keyed by the very names in the store
    assert "^[[31mred^[]0;t^G" in [s.description for s in sliders] and len(sliders) == len(HOSTILE_AGENTS)
    assert not any(getattr(s, "description_allow_html", False) for s in sliders)
    assert set(tu.current_threshold()) == set(HOSTILE_AGENTS)
    for text in (tu.readout.value, tu.export_policy(tmp_path / "p.yaml") and tu.policy_view.value):
        assert "<img src=x" not in text and "&lt;img src=x" in text
        assert not any(c in text for c in "\x1b\x00\u202e"), (
            text
        )  # an unclosed override would reverse the rest
        assert "&lt;U+202E&gt;evil" in text
    back = wb.Policy.from_yaml(tmp_path / "p.yaml")
    assert {r.agent for r in back.hitl} <= set(HOSTILE_AGENTS) and back.hitl
