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
