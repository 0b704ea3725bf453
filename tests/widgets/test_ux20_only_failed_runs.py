"""The ThresholdTuner on a store whose runs all failed (Who&When, an incident export): its readout said
"precision 100.0% · expected cost 5.0 (best 5.0)" at "escalate every run" while the panel above it said no
threshold can be priced without a successful run. It now says the cost and precision are not measured and why
(and, since ux27, draws no cost chart: the review load per threshold instead).
A count signal's slider (tool calls so far) moves in whole calls: it read "0.000" and stepped by 0.0075."""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.widgets import ThresholdTuner


def _store(outcome_of) -> wb.Workspace:  # noqa: ANN001
    records: list[dict] = []
    for r in range(6):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome_of(r)})
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "a" if i % 2 else "b",
                "kind": "tool",
                "name": "search",
                "tool": "search",
                "input": f"q{r}-{i}",
                "latency_ms": 100 + 10 * i,
                "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
                "ended_at": f"2026-03-01T10:{r:02d}:{i:02d}.5Z",
            }
            for i in range(1 + r % 4)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _tuner(ws: wb.Workspace, signal: str) -> ThresholdTuner:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ThresholdTuner(ws, signal=signal)


def test_all_failed_readout_says_cost_is_not_measured() -> None:
    ws = _store(lambda r: "failure")
    tu = _tuner(ws, "tool_calls")
    text = tu.readout.value
    assert "precision 100" not in text and "expected cost <b>" not in text and "best" not in text, text
    assert "no successful run" in text, text
    assert "failures caught" in text  # what can be counted still is
    # ux27: no cost chart at all (it drew an "expected cost" axis up to 2,500 under a "not priced" title on
    # Who&When): review load per threshold instead, what the logs can count; the cost boxes go too
    assert tu.cost_chart is None and tu.load_chart in tu.charts.children
    spec = str(tu.load_chart.chart.to_dict())
    assert "expected cost" not in spec and "sent to a human" in spec and "cost not priced" in spec
    assert tu.cost_review.layout.display == tu.cost_failure.layout.display == "none"
    tu.threshold.value = tu.threshold.max
    assert "no successful run" in tu.readout.value and "precision 100" not in tu.readout.value
    ws.close()


def test_both_outcomes_readout_keeps_cost_and_precision() -> None:
    ws = _store(lambda r: "failure" if r % 2 else "success")
    tu = _tuner(ws, "tool_calls")
    assert "expected cost" in tu.readout.value and "precision" in tu.readout.value
    # the cost says its unit: what a review and a missed failure cost, over how many runs
    assert "over the 6 runs, at 1 a review and 20 a missed failure (best" in tu.readout.value, (
        tu.readout.value
    )
    assert "'minimum'" in str(tu.cost_chart.chart.to_dict())
    ws.close()


def test_count_signal_slider_moves_in_whole_counts() -> None:
    ws = _store(lambda r: "failure" if r % 2 else "success")
    tu = _tuner(ws, "tool_calls")
    assert tu.threshold.step == 1.0 and tu.threshold.readout_format == ",.0f", (
        tu.threshold.step,
        tu.threshold.readout_format,
    )
    assert float(tu.threshold.value).is_integer()
    tu.per_agent.value = True
    for s in tu.agent_sliders.children:
        assert s.step == 1.0 and s.readout_format == ",.0f"
    # a measured signal keeps its fine steps
    tu.per_agent.value = False
    tu.signal.value = "latency_ms"
    assert tu.threshold.step < 1.0
    ws.close()
