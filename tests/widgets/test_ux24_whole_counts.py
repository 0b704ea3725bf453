"""Counts read as counts in the tuners: a cost or review-load chart over a count signal (tool calls so far) drew
ticks at 0.5 tool calls; the LimitTuner's readout said "1 runs". The ticks are checked on the drawn SVG
(vl-convert renders the chart the widget shows)."""

from __future__ import annotations

import re
import warnings

import vl_convert as vlc

import workbench as wb
from workbench.widgets import LimitTuner, ThresholdTuner


def _store(
    n_runs: int = 6, max_calls: int = 2, outcome=lambda r: "failure" if r % 2 else "success"
) -> wb.Workspace:  # noqa: ANN001
    records: list[dict] = []
    for r in range(n_runs):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome(r)})
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "name": "search",
                "tool": "search",
                "input": f"q{r}-{i}",
            }
            for i in range(1 + r % max_calls)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _x_ticks(chart) -> list[str]:  # noqa: ANN001
    """The x-axis tick labels of the drawn chart (Vega's SVG: role-axis-label texts of the bottom axis)."""
    svg = vlc.vegalite_to_svg(chart.to_dict())
    start = svg.index('aria-label="X-axis')
    end = svg.find('aria-label="Y-axis', start)
    part = svg[start : end if end > 0 else len(svg)]
    labels = part.split("role-axis-label", 1)[1].split("role-axis-title", 1)[0]
    return re.findall(r"<text[^>]*>([^<]*)</text>", labels)


def test_count_signal_cost_chart_has_whole_ticks() -> None:
    ws = _store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="tool_calls")
    ticks = [t for t in _x_ticks(tu.cost_chart.chart) if re.fullmatch(r"-?[\d,.]+", t)]
    assert len(ticks) >= 2 and all("." not in t for t in ticks), ticks
    ws.close()


def test_count_signal_review_load_chart_has_whole_ticks() -> None:
    ws = _store(outcome=lambda r: "unknown")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        view = ThresholdTuner(ws, signal="tool_calls").review  # no outcome: the tuner shows the review load
    ticks = [t for t in _x_ticks(view.load_chart.chart) if re.fullmatch(r"-?[\d,.]+", t)]
    assert len(ticks) >= 2 and all("." not in t for t in ticks), ticks
    assert view.threshold.step >= 1 and float(view.threshold.value).is_integer()
    ws.close()


def test_limit_tuner_says_one_run() -> None:
    ws = _store(n_runs=1, max_calls=3, outcome=lambda r: "failure")
    tu = LimitTuner(ws, quantile=0.5)
    tu.backtest()
    text = tu.readout.value + tu.notes.value + tu.backtest_view.value
    # (ux46: "on its 1 run (in-sample: …)", the backtest of the picked system's runs; ux47: a backtest stopping no
    # run says "stops none of its 1 failed run", where it said "stops 0 of 1 failure; …")
    assert (
        "of 1 failed run (" in text and "on its 1 run (" in text and "none</b> of its 1 failed run" in text
    ), text
    assert "1 run (1 failed)" in text, (
        text
    )  # the note on limits learned from all runs (said "1 runs (1 failure)")
    assert not re.search(r"\b1 (failed |successful |unknown-outcome )?runs\b", text), text
    ws.close()


def test_runs_flagged_per_detector_has_whole_ticks() -> None:
    import pandas as pd

    from workbench import plots

    counts = pd.DataFrame(
        {
            "detector": ["silent_failure", "silent_failure", "retry", "cascade"],
            "severity": ["critical", "warning", "warning", "critical"],
            "runs": [2, 4, 4, 3],
            "findings": [2, 4, 5, 3],
        }
    )
    ticks = [t for t in _x_ticks(plots.detector_bars(counts)) if re.fullmatch(r"-?[\d,.]+", t)]
    assert len(ticks) >= 2 and all("." not in t for t in ticks), ticks


def _y_ticks(chart) -> list[str]:  # noqa: ANN001
    """The y-axis tick labels of the drawn chart (the left axis's role-axis-label texts)."""
    svg = vlc.vegalite_to_svg(chart.to_dict())
    part = svg[svg.index('aria-label="Y-axis') :]
    labels = part.split("role-axis-label", 1)[1].split("role-axis-title", 1)[0]
    return re.findall(r"<text[^>]*>([^<]*)</text>", labels)


def test_histogram_counts_steps_in_whole_numbers() -> None:
    # one step a bin (the ux25 screenshot: latency_ms on 10 runs drew "steps" ticks at 0.2, 0.4 ...)
    import pandas as pd

    from workbench import plots

    bins = pd.DataFrame(
        {
            "outcome": ["success", "failure", "success"],
            "bin_start": [0.0, 1.0, 2.0],
            "bin_end": [1.0, 2.0, 3.0],
            "n": [1, 1, 1],
        }
    )
    ticks = [t for t in _y_ticks(plots.histogram(bins, signal="latency_ms")) if re.fullmatch(r"-?[\d,.]+", t)]
    assert len(ticks) >= 2 and all("." not in t for t in ticks), ticks
