"""ThresholdTuner without a browser: slider → lookup → readout and chart params; export."""

from __future__ import annotations

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
    assert tu.threshold.value == pytest.approx(sweep.best.threshold)
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
    assert rates[0] > rates[1] > rates[2]       # a higher entropy threshold escalates fewer runs
    assert tu.latency_ms["move"] < 1000


def test_per_agent_and_signal_switch(ws: wb.Workspace) -> None:
    tu = ThresholdTuner(ws, signal="entropy", budget=0.2)
    tu.per_agent.value = True
    agents = sorted(ws.sql("SELECT DISTINCT agent FROM steps WHERE entropy IS NOT NULL").fetchnumpy()["agent"])
    assert [s.description for s in tu.agent_sliders.children] == agents and tu.threshold.disabled
    first = tu.agent_sliders.children[0]
    before = _rate(tu)
    first.value = first.min if tu.sweep.direction == "above" else first.max   # escalate all of that agent
    assert _rate(tu) >= before and tu.cost_chart.params.cur_show == 0.0
    tu.per_agent.value = False
    tu.signal.value = "confidence"
    assert tu.sweep.signal == "confidence" and "confidence ≤" in tu.readout.value


def test_export_writes_a_policy_that_loads(ws: wb.Workspace, tmp_path: Path) -> None:
    tu = ThresholdTuner(ws, signal="entropy", budget=0.2)
    policy = tu.export_policy(tmp_path / "policy.yaml")
    back = wb.Policy.from_yaml(tmp_path / "policy.yaml")
    assert back == policy and back.hitl[0].threshold == pytest.approx(tu.threshold.value)
    assert "hitl:" in tu.policy_view.value


def test_unknown_signal_is_refused(ws: wb.Workspace) -> None:
    with pytest.raises(ValueError, match="signals here"):
        ThresholdTuner(ws, signal="nonsense")
