"""attack27: the tuner's review budget in words says the budget set, however small (ux26's label wrote '.0%')."""

from __future__ import annotations

from test_ux26_tuner_budget import _shown, _store

from workbench.widgets import ThresholdTuner


def test_a_small_budget_is_not_shown_as_zero() -> None:
    tu = ThresholdTuner(_store(), signal="latency_ms", budget=0.004)
    shown = " ".join(_shown(tu))
    assert tu.sweep.budget == 0.004
    assert (
        "at most 0.4% of runs sent to a human" in shown and "best within the 0.4% review budget" in shown
    ), shown
    assert "at most 0% " not in shown and "the 0% review" not in shown
    tu.budget.value = 0.125
    assert "at most 12.5% of runs sent to a human" in " ".join(_shown(tu))


def test_a_budget_no_threshold_keeps_marks_no_review_not_the_minimum() -> None:
    """(lab56) With a review budget no threshold keeps (any rule sends a run of 20: 5 % > 0.4 %), the readout says no
    rule; the cost chart marked "minimum" at the curve's lowest point, every run sent to a human. It marks the best
    within the budget: no review, where the slider opened."""
    tu = ThresholdTuner(_store(), signal="latency_ms", budget=0.004)
    spec = tu.cost_chart.chart.to_dict()
    diamond = next(
        la for la in spec["layer"] if isinstance(la["mark"], dict) and la["mark"].get("shape") == "diamond"
    )
    (marked,) = spec["datasets"][diamond["data"]["name"]]
    assert tu.no_rule and marked["escalated_runs"] == 0 and marked["threshold"] == tu.threshold.value, marked
    assert "'best within budget'" in str(spec) and "'minimum'" not in str(spec)
