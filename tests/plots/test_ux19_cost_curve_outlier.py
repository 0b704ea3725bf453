"""The tuner's expected-cost chart on a signal with one far value (a 30 s call among 300 ms ones): its x axis
spans the bulk of the thresholds, not the outlier (which put every other threshold in the first few pixels),
and the thresholds past the axis are counted at its edge. Without an outlier the axis is the whole range."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from workbench import plots
from workbench.plots._bulk import bulk_range


def _curve(thresholds: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"threshold": thresholds, "cost": 20 + 0.3 * (thresholds - thresholds.min()).clip(0, 500)}
    )


def _x_domain(chart) -> list | None:  # noqa: ANN001
    scales = [
        layer["encoding"]["x"].get("scale", {}).get("domain")
        for layer in chart.to_dict()["layer"]
        if "x" in layer.get("encoding", {})
    ]
    assert all(s == scales[0] for s in scales), scales  # every layer on one scale
    return scales[0]


WITH_OUTLIER = np.array([*range(233, 497, 12), 30000.0])


def test_axis_spans_the_bulk_not_the_outlier() -> None:
    chart = plots.cost_curve(_curve(WITH_OUTLIER), current=233.0, live=True)
    lo, hi = _x_domain(chart)
    assert lo <= 233 and 485 <= hi <= 600, (lo, hi)  # was up to 30,000
    notes = [
        layer["mark"]
        for layer in chart.to_dict()["layer"]
        if isinstance(layer["mark"], dict) and layer["mark"].get("type") == "text"
    ]
    data = chart.to_dict()["datasets"]
    texts = [row.get("text") for rows in data.values() for row in rows if isinstance(row, dict)]
    assert "1 more threshold up to 30,000 →" in texts, texts
    assert notes


def test_no_outlier_keeps_the_whole_range() -> None:
    x = np.linspace(0, 1, 101)
    assert _x_domain(plots.cost_curve(_curve(x), current=0.5)) is None  # Vega's own domain, as before
    b = bulk_range(np.exp(np.linspace(0, 3, 200)))  # a long tail that is not one outlier
    assert not b.cut


def test_the_minimum_stays_on_the_axis_even_far_out() -> None:
    t = WITH_OUTLIER
    table = pd.DataFrame({"threshold": t, "cost": np.where(t > 1000, 5.0, 50.0)})  # cheapest: the outlier
    assert _x_domain(plots.cost_curve(table, live=True)) is None


def test_a_far_low_value_is_cut_on_the_left() -> None:
    t = np.array([-50000.0, *np.linspace(0.0, 100.0, 40)])
    table = pd.DataFrame({"threshold": t, "cost": 10 + np.abs(t.clip(-100) - 50) / 10})
    lo, hi = _x_domain(plots.cost_curve(table, live=True))
    assert lo >= -10 and hi >= 100, (lo, hi)


vlc = pytest.importorskip("vl_convert")


def test_drawn_axis_ends_with_the_bulk_and_the_note_shows() -> None:
    svg = vlc.vegalite_to_svg(plots.cost_curve(_curve(WITH_OUTLIER), current=233.0, live=True).to_dict())
    ticks = re.findall(r"role-axis-label.*?</g>", svg, flags=re.S)
    labels = re.findall(r">([\d,.]+)</text>", ticks[0]) if ticks else []
    assert labels and "30,000" not in labels and "500" in labels, labels
    assert "1 more threshold up to 30,000 →" in svg
