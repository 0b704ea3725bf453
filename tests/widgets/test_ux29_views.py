"""ux29: what a user tripped over in the views on stores not seen before.

- The explorer's run list, on a store of many systems (every framework fixture ingested into one), gave each
  run's id, time and outcome but not its system: the reader had to open each run to learn which system it came
  from. Each line now names its system when the store holds more than one and no system is picked.
- The review-load chart of a store of one run (or of runs all at one value of the signal) drew one point: Vega's
  own axis ran 536.00 to 536.24, the point at its right edge, the threshold rule at its left. The axis now holds
  both in its middle."""

from __future__ import annotations

import warnings

import pandas as pd

import workbench as wb
from workbench import plots
from workbench.widgets import IncidentExplorer, ThresholdTuner


def _records(systems: list[str], outcome: str | None = "failure", latency: float | None = None) -> list[dict]:
    out: list[dict] = []
    for r, system in enumerate(systems):
        run = {
            "record": "run",
            "run_id": f"r{r}",
            "system": system,
            "started_at": f"2026-01-0{1 + r % 9}T10:00:00Z",
        }
        if outcome is not None:
            run["outcome"] = outcome
        out.append(run)
        out += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a" if i % 2 else "b",
                "kind": "tool",
                "tool": "search",
                "input": f"q{r}-{i}",
                "latency_ms": latency if latency is not None else 100 + 10 * i + r,
            }
            for i in range(3)
        ]
    return out


def _explorer(ws: wb.Workspace, **kw: object) -> IncidentExplorer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return IncidentExplorer(ws, blame_model=None, **kw)


def test_run_list_names_each_runs_system_in_a_store_of_many() -> None:
    ws = wb.open()
    ws.ingest(_records(["quote-graph", "<b>desk</b>", "quote-graph"]), progress=False)
    ex = _explorer(ws)
    lines = dict((v, k) for k, v in ex.runs.options)
    assert lines["r0"].startswith("r0 · quote-graph · "), lines
    assert lines["r1"].startswith("r1 · <b>desk</b> · "), lines  # a plain-text label, shown as typed
    assert lines["r2"].startswith("r2 · quote-graph · "), lines
    ex.system.value = "quote-graph"  # one system picked: the same on every line, not repeated
    assert sorted(v for _, v in ex.runs.options) == ["r0", "r2"]
    assert all("quote-graph" not in k for k, _ in ex.runs.options), ex.runs.options
    ws.close()


def test_run_list_of_one_system_does_not_repeat_it() -> None:
    ws = wb.open()
    ws.ingest(_records(["only-system", "only-system"]), progress=False)
    ex = _explorer(ws)
    assert all("only-system" not in k for k, _ in ex.runs.options), ex.runs.options
    ws.close()


def _x_domain(chart: object) -> list[float] | None:
    spec = chart.to_dict()
    for layer in spec["layer"]:
        scale = layer.get("encoding", {}).get("x", {}).get("scale", {})
        if "domain" in scale:
            return scale["domain"]
    return None


def test_review_load_of_one_run_holds_point_and_threshold_inside_its_axis() -> None:
    ws = wb.open()
    ws.ingest(_records(["s"], outcome="unknown", latency=536.24), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="latency_ms")
    view = tu.children[-1]
    assert type(view).__name__ == "ReviewLoadView", [type(c).__name__ for c in tu.children]
    t = float(view.threshold.value)
    point = float(view.load.curve["threshold"].iloc[0])
    domain = _x_domain(view.load_chart.chart)
    assert domain is not None, "one point left to Vega's own axis (536.00-536.24, the rule at its edge)"
    lo, hi = domain
    width = hi - lo
    for x in (t, point):  # well inside, not at an edge
        assert lo + 0.2 * width < x < hi - 0.2 * width, (domain, t, point)
    # the slider's whole range is on the axis, so the rule never leaves it
    assert lo <= view.threshold.min and view.threshold.max <= hi, (
        domain,
        view.threshold.min,
        view.threshold.max,
    )
    ws.close()


def test_review_load_curve_of_many_thresholds_keeps_vegas_axis() -> None:
    table = pd.DataFrame(
        {
            "threshold": [1.0, 2.0, 3.0],
            "escalation_rate": [1.0, 0.5, 0.2],
            "step_escalation_rate": [0.5, 0.2, 0.1],
        }
    )
    assert _x_domain(plots.review_load_curve(table, 2.0)) is None
    one = plots.review_load_curve(table.iloc[:1], 1.0, whole=True)
    assert _x_domain(one) == [0.0, 2.0]


def test_wide_parts_scroll_in_their_own_box_and_controls_fit_a_narrow_output() -> None:
    """At a 468-568 px output the explorer held 839-886 px (its timeline), the LimitTuner 865-923 px (facet chart,
    table) and the tuner 564 px (its 560 px slider): the view scrolled as a whole, its scrollbar a screen below.
    The wide parts scroll in their own box, sliders stop at the output's width, the pager row wraps (its label
    read "page 1 of"); tests/browser/test_ux26_in_lab.py measures it in JupyterLab."""
    from workbench.widgets import LimitTuner
    from workbench.widgets._html import STYLE

    ws = wb.open()
    ws.ingest(_records(["s"] * 6), progress=False)
    ex = _explorer(ws)
    assert (ex.timeline.layout.overflow, ex.timeline.layout.max_width) == ("auto", "100%")
    pager = next(c for c in ex.children if ex.next in getattr(c, "children", ()))
    assert pager.layout.flex_flow == "row wrap" and ex.page_label.layout.flex == "0 0 auto"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = LimitTuner(ws)
        tu = ThresholdTuner(ws, signal="latency_ms")
    wide = [lt.peaks_chart, lt.table, *([lt.stops_chart] if lt.stops_chart is not None else [])]
    assert all((x.layout.overflow, x.layout.max_width) == ("auto", "100%") for x in wide)
    assert tu.charts.layout.overflow == "auto" and tu.threshold.layout.max_width == "calc(100% - 4px)"
    # vega-embed's "…" menu laid beside its chart in the views' charts (it sat at the row's right edge)
    assert ".vega-embed.has-actions{display:flex" in STYLE and ".wb-threshold-tuner" in STYLE
    ws.close()
