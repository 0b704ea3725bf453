"""What ux38 fixed in the views, checked without a browser.

- The ThresholdTuner opened at its slider's end when no threshold pays on the data: a threshold on the extreme
  value, which "≥" still escalates. On a store where the slowest step of half the runs took 3,100 ms, it opened
  sending 20 of 40 runs to a human beside advice that no review rule pays.
"""

from __future__ import annotations

import re

import yaml

import workbench as wb
from workbench.widgets import ThresholdTuner


def _tied_slowest() -> wb.Workspace:
    """40 runs of 20 tool steps (100-119 ms); in every other run one step took 3,000 ms more; a run in 4 failed."""
    records: list[dict] = []
    for r in range(40):
        records.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "s",
                "outcome": "failure" if r % 4 == 0 else "success",
            }
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "tool": "t",
                "latency_ms": 100.0 + i + (3000 if i == 5 and r % 2 == 0 else 0),
            }
            for i in range(20)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_tuner_opens_on_no_review_when_no_threshold_pays(tmp_path) -> None:  # noqa: ANN001
    ws = _tied_slowest()
    # a review costs half a missed failure, and every threshold sends a success per failure caught or more
    tu = ThresholdTuner(
        ws, signal="latency_ms", cost_review=1, cost_failure=2, policy_path=str(tmp_path / "p.yaml")
    )
    assert tu.sweep.best.threshold is None  # no threshold is cheaper than no review
    assert tu.point.escalated_runs == 0 and tu.point.cost == tu.sweep.at(None).cost, tu.point
    assert tu.threshold.value == tu.recommended == 3110 and tu.threshold.max >= 3110
    advice = _text(tu.advice.value)
    assert advice.startswith(
        "Recommended: no review rule — no threshold on this signal costs less than sending no "
        "run to a human (expected cost 20)"
    ), advice
    assert "at latency_ms ≥ 3,110, where no run is sent to a human" in advice, advice
    assert "escalation rate 0.0% of runs (0 of 40" in _text(tu.readout.value)
    # the trade-off chart's line reaches that point (it ended at 50 % of runs escalated, the point off its axis)
    spec = tu.sweep_chart.chart.to_dict()
    rows = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert min(r["escalation_rate"] for r in rows) == 0 and tu.sweep_chart.params.cur_x == 0
    # no empty list of runs and idle "Open in explorer" under "No run sent to a human"
    assert "No run sent to a human" in tu.escalated.summary.value
    assert tu.escalated.pick.layout.display == "none" and tu.escalated.open_button.disabled
    # exported there, the policy has no rule (and says why), not a rule that never fires
    policy = tu.export_policy()
    assert policy.hitl == () and "costs less than escalating nothing" in " ".join(policy.provenance.notes)
    assert yaml.safe_load((tmp_path / "p.yaml").read_text())["hitl"] == []
    # moved onto the extreme value itself, "≥" sends the runs that reach it: the tuner's old opening point
    tu.threshold.value = 3105
    assert tu.point.escalated_runs == 20 and tu.to_recommended.layout.display is None
    assert tu.escalated.pick.layout.display is None and len(tu.escalated.pick.options) == 20
    assert (
        tu.sweep.at(tu.export_policy().hitl[0].threshold).escalated_runs == 20
    )  # (written as 3100: same runs)
    tu.to_recommended.click()
    assert tu.point.escalated_runs == 0


def test_the_no_review_point_lies_past_the_lowest_value_for_a_signal_escalating_below() -> None:
    records: list[dict] = []
    for r in range(30):
        records.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "s",
                "outcome": "failure" if r % 3 == 0 else "success",
            }
        )
        records += [
            {"run_id": f"r{r}", "step_id": f"s{i}", "agent": "a", "kind": "llm", "confidence": 0.5 + i / 100}
            for i in range(10)
        ]  # every run reaches 0.5: no signal
    ws = wb.open()
    ws.ingest(records, progress=False)
    tu = ThresholdTuner(ws, signal="confidence", cost_review=1, cost_failure=2)
    assert tu.sweep.best.threshold is None and tu.no_rule
    assert tu.threshold.value < 0.5 and tu.point.escalated_runs == 0, (tu.threshold.value, tu.point)
    assert "Recommended: no review rule" in tu.advice.value


def test_a_threshold_that_pays_is_still_recommended_as_before(ws: wb.Workspace, tmp_path) -> None:  # noqa: ANN001
    tu = ThresholdTuner(ws, signal="confidence", budget=0.2, policy_path=str(tmp_path / "p.yaml"))
    assert not tu.no_rule and tu.point.escalated_runs > 0
    assert f"Recommended: confidence ≤ {tu.recommended:.3f}" in tu.advice.value
    assert tu.export_policy().hitl[0].threshold is not None
