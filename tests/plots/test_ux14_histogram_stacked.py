"""The tuner's histogram of a signal by run outcome, as Vega draws it (the SVG vl-convert renders): bars
stacked, failed runs' steps at the bottom, each in its legend colour. Overlaid see-through bars mixed red
over green into a brown the legend does not have (seen in JupyterLab on the demo's entropy)."""

from __future__ import annotations

import re

import pandas as pd

from workbench import plots
from workbench.plots._charts import OUTCOME_COLORS

PATH = re.compile(r'<path [^>]*d="M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)h-[\d.]+Z"([^>]*)/>')


def test_histogram_bars_are_stacked_in_their_legend_colours() -> None:
    import vl_convert as vlc

    bins = pd.DataFrame(
        {
            "outcome": ["success", "failure", "success", "failure", "success"],
            "bin_start": [0.0, 0.0, 0.5, 0.5, 1.0],
            "bin_end": [0.5, 0.5, 1.0, 1.0, 1.5],
            "n": [100, 40, 50, 30, 5],
        }
    )
    svg = vlc.vegalite_to_svg(plots.histogram(bins, "entropy", threshold=0.6).to_dict())
    [bars] = re.findall(r'class="mark-rect role-mark[^"]*".*?</g>', svg, re.S)
    rects = [(float(x), float(y), float(y) + float(h), rest) for x, y, _w, h, rest in PATH.findall(bars)]
    assert len(rects) == 5, bars
    for *_, rest in rects:
        fill = re.search(r'fill="([^"]+)"', rest).group(1)
        assert fill in OUTCOME_COLORS.values() and "opacity" not in rest, rest
    by_x: dict[float, list[tuple[float, float, str]]] = {}
    for x, top, bottom, rest in rects:
        by_x.setdefault(x, []).append((top, bottom, rest))
    for x, segments in by_x.items():
        segments.sort()
        for (_, b1, _), (t2, _, _) in zip(segments, segments[1:], strict=False):
            assert t2 >= b1 - 1e-6, (x, segments)  # no bar drawn over another: stacked
        assert OUTCOME_COLORS["failure"] in segments[-1][2] or len(segments) == 1, (
            segments
        )  # failures at the bottom
    # a stack is its bin's total: 140 steps against 80
    heights = [max(b for _, b, _ in s) - min(t for t, _, _ in s) for _, s in sorted(by_x.items())]
    assert abs(heights[0] / heights[1] - 140 / 80) < 0.01, heights


def test_a_signal_of_one_value_draws_a_bar() -> None:
    """(lab56) One step's latency, 1,200 ms, the only value of its system: ``histogram_data`` gives a bin from 1,200 to
    1,200, and Vega drew a bar of no width: an empty chart under the tuner. The bar is drawn, wide enough to see."""
    import vl_convert as vlc

    bins = pd.DataFrame({"outcome": ["failure"], "bin_start": [1200.0], "bin_end": [1200.0], "n": [1]})
    svg = vlc.vegalite_to_svg(plots.histogram(bins, "latency_ms").to_dict())
    [bars] = re.findall(r'class="mark-rect role-mark[^"]*".*?</g>', svg, re.S)
    widths = [float(w) for _x, _y, w, _h, _rest in PATH.findall(bars)]
    # a bar, not the whole plot filled: the axis spans a tenth of the value either side, the bar a fortieth
    plot = float(re.search(r'<path class="background"[^>]*d="M[\d.]+,[\d.]+h([\d.]+)v', svg).group(1))
    assert len(widths) == 1 and plot / 6 < widths[0] < plot / 3, (widths, plot)
