"""What ux37 saw walking notebooks 02 and 03 and the explorer as a new SRE in JupyterLab at a 1000 px window,
checked without a browser.

- The confidence/entropy chart under the explorer's lanes did not follow their zoom (shift + scroll): two charts,
  one zoomed alone, a confidence dip under the lanes' 00:02 sat under 00:04 of the run.
"""

from __future__ import annotations

import re

import vl_convert as vlc

import workbench as wb
from workbench import plots
from workbench.widgets import IncidentExplorer, ThresholdTuner

T0 = 1_767_225_600_000_000_000


def _long_run(n: int = 40) -> list[dict]:
    """A run of ``n`` moves a minute apart, each LLM move with a confidence."""
    recs: list[dict] = [{"record": "run", "run_id": "r1", "system": "desk", "outcome": "failure"}]
    recs += [
        {
            "record": "step",
            "run_id": "r1",
            "step_id": f"s{i:03d}",
            "agent": ["planner", "writer"][i % 2],
            "kind": ["llm", "tool"][i % 2],
            "confidence": 0.5 + (i % 5) / 10 if i % 2 == 0 else None,
            "started_at": T0 + i * 60 * 10**9,
            "ended_at": T0 + i * 60 * 10**9 + 30 * 10**9,
        }
        for i in range(n)
    ]
    return recs


def _x_labels(spec: dict) -> list[str]:
    """The x axis' tick labels as Vega draws ``spec`` (vl-convert)."""
    svg = vlc.vegalite_to_svg(spec)
    axis = re.search(r'aria-label="X-axis.*?</g></g></g>', svg, re.S)
    return re.findall(r"<text[^>]*>(\d\d:\d\d:\d\d)</text>", axis.group(0)) if axis else []


def test_the_confidence_chart_follows_the_lanes_zoom() -> None:
    ws = wb.open()
    ws.ingest(_long_run(), progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    lanes, signals = ex.timeline.chart.to_dict(), ex.signals.chart.to_dict()
    assert ex.signals_box.children == (ex.signals,)
    # the lanes publish the stretch their zoom shows (null: the whole run) ...
    [zoomed] = [p for p in lanes["params"] if p["name"] == plots._charts.ZOOMED]
    assert zoomed["expr"] == 'zoom["started_at"] || null', zoomed
    # ... the two widgets' params are linked in the page (no kernel round trip) ...
    link = ex._zoom_link
    assert (link.source, link.target) == ((ex.timeline, "_params"), (ex.signals, "_params"))
    assert set(ex.timeline._params) == set(ex.signals._params) == {plots._charts.ZOOMED}
    # ... and the confidence chart draws the stretch it is given: minutes 10 to 20 of the run, not the whole run
    whole = _x_labels(signals)
    [param] = [p for p in signals["params"] if p["name"] == plots._charts.ZOOMED]
    param["value"] = [(T0 + 10 * 60 * 10**9) / 1e6, (T0 + 20 * 60 * 10**9) / 1e6]
    part = _x_labels(signals)
    assert whole and part and part != whole, (whole, part)
    assert all("00:10:00" <= t <= "00:20:00" for t in part), part
    # stacked in one chart (notebooks, plots.save), the lower chart reads the same param of the lanes
    both = plots.timeline(plots.timeline_data(ws, "r1")).to_dict()
    assert [p["name"] for p in both["params"]].count(plots._charts.ZOOMED) == 1
    lower = both["vconcat"][1]["layer"][0]["encoding"]["x"]["scale"]
    assert lower["domainRaw"] == {"expr": plots._charts.ZOOMED}, lower


def test_the_tuner_opens_within_the_review_budget(ws: wb.Workspace) -> None:
    # seed 11's confidence at a 20 % budget: the best threshold (0.5327) lies between two slider positions; the
    # cheaper one, 0.533, sends 20.8 % of runs to a human, and the tuner opened there under its own "⚠ more runs
    # than the review budget allows"
    tu = ThresholdTuner(ws, signal="confidence", budget=0.2)
    assert tu.sweep.best.escalation_rate <= 0.2
    assert tu.point.escalation_rate <= 0.2, (tu.threshold.value, tu.point)
    assert "wb-tuner-over-budget" not in tu.readout.value
    assert abs(tu.threshold.value - tu.sweep.best.threshold) <= tu.threshold.step


def test_the_tuner_lists_the_runs_a_threshold_escalates_and_opens_one(ws: wb.Workspace) -> None:
    # the readout counted "25 of 120 runs" sent to a human; a reviewer deciding when to ask a human opens them
    ex = IncidentExplorer(ws, blame_model=None)
    tu = ThresholdTuner(ws, signal="confidence", budget=0.2, explorer=ex)
    runs, p = tu.escalated.pick.options, tu.point
    assert len(runs) == p.escalated_runs > 0
    what = [
        text.replace("\u200b", "").split(" · ")[1] for text, _ in runs
    ]  # (without its break points: ux43)
    assert what.count("failed, caught in time") == p.failures_caught
    assert what.count("succeeded: a review for nothing") == p.false_escalations
    assert what == sorted(
        what,
        key=["failed, caught in time", "failed, escalated too late", "succeeded: a review for nothing"].index,
    )  # the catches first
    assert f"{p.escalated_runs} runs sent to a human" in tu.escalated.summary.value
    # the list follows the slider: a lower confidence threshold sends fewer runs
    tu.threshold.value = tu.threshold.min + 5 * tu.threshold.step
    assert len(tu.escalated.pick.options) == tu.point.escalated_runs < p.escalated_runs
    # "Open in explorer" shows the run picked in the explorer given
    tu.escalated.pick.value = tu.escalated.pick.options[-1][1]
    assert tu.escalated.open_run() is ex and ex.run_id == tu.escalated.pick.value


def test_the_tuner_says_which_threshold_it_recommends_and_why_and_goes_back_to_it(ws: wb.Workspace) -> None:
    tu = ThresholdTuner(ws, signal="confidence", budget=0.2)
    best, none = tu.sweep.at(tu.recommended), tu.sweep.at(None)
    advice = tu.advice.value
    assert f"Recommended: confidence ≤ {tu.recommended:.3f}" in advice, advice
    assert "the cheapest threshold sending at most 20% of runs to a human" in advice
    assert f"expected cost {best.cost:,.0f} against {none.cost:,.0f} with no review" in advice, advice
    assert tu.to_recommended.layout.display == "none"  # on it: nothing to go back to
    tu.threshold.value = tu.threshold.min
    assert tu.to_recommended.layout.display is None and "Recommended" in tu.advice.value
    tu.to_recommended.click()
    assert tu.threshold.value == tu.recommended and tu.point.cost == best.cost
    # the readout's "best within the budget" is the recommended position's cost, not the exact best's off the grid
    assert f"(best within the 20% review budget {best.cost:,.1f})" in tu.readout.value, tu.readout.value
    # one threshold per agent: the sliders' opening set is the recommendation (not the single threshold above them)
    tu.per_agent.value = True
    assert (
        "Recommended per agent" in tu.advice.value
        and f"{tu.sweep.best_per_agent.cost:,.0f} against" in tu.advice.value
    ), tu.advice.value


def test_the_limit_tuner_s_charts_fit_a_1000_px_window_s_output(ws: wb.Workspace) -> None:
    # at a 1000 px window (a 568 px output, ux35) the runs-stopped bars held 660 px and the per-rule histograms,
    # three columns, 842 px: each scrolled in its own box, the third column of histograms off the edge
    from workbench.plots._label_spot import _CHAR_PX
    from workbench.widgets import LimitTuner

    lt = LimitTuner(wb.suggest_limits(ws, quantile=0.99), ws=ws)
    stops, peaks = lt.stops_chart.chart.to_dict(), lt.peaks_chart.chart.to_dict()
    assert stops["width"] == "container" and "wb-fit" in lt.stops_chart._dom_classes, stops.get("width")
    assert all(
        len(line) * _CHAR_PX < 568 - 40 for line in (stops["title"]["text"], stops["title"]["subtitle"])
    )
    svg = vlc.vegalite_to_svg(peaks)
    drawn = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
    assert drawn <= 568 - 38, drawn  # (vega-embed's 38 px "…" menu beside it)
