"""How the views lay out on an output of any width: charts and rows of controls.

Charts side by side when the output has room for all of them, each on a row of its own when it has not.

A row that wraps (``flex-flow: row wrap``) put the tuner's second chart below the first on a narrow output and
beside it on a wide one, and three charts as two and one: a half-wrapped layout where the chart under the first
reads as belonging to it. The row here switches as a whole, in CSS alone (the "flex-basis switch": each chart's
basis is hugely negative, so 0, while the row is wider than all the charts need, and hugely positive, so a whole
row each, once it is narrower), so it follows the output's width as the notebook or its side bar is resized.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w

# What a chart takes beside its plot's width: the y-axis and its title, a legend, vega-embed's "…" menu
# (measured in JupyterLab: 100 px without a legend, up to 210 px with "run outcome").
CHART_EXTRA_PX = 220
DEFAULT_PLOT_PX = 360


def chart_row(box: w.Box, charts: Sequence[Any]) -> None:
    """Show ``charts`` (``alt.JupyterChart`` widgets) in ``box``: in one row when it is wide enough for all of
    them, else stacked, one per row."""
    need = sum(_plot_width(c) + CHART_EXTRA_PX for c in charts)
    box.layout.flex_flow = "row wrap"
    box.layout.width = "100%"
    # stacked on an output narrower than a chart (a histogram with its legend, 564 px in 468), the row scrolls
    # sideways itself: the whole view did, its scrollbar at the view's bottom
    box.layout.overflow = "auto"
    for c in charts:
        # (no growing: in one row the charts sit at their own widths, side by side from the left, not spread
        # over the row with wide gaps; stacked, each shrinks to the row's width)
        c.layout.flex = f"0 1 calc(({need}px - 100%) * 999)"
    box.children = tuple(charts)


def _plot_width(chart: Any) -> int:
    width = getattr(getattr(chart, "chart", None), "width", None)
    return int(width) if isinstance(width, int | float) else DEFAULT_PLOT_PX


def control_row(children: Sequence[Any]) -> w.HBox:
    """A row of controls that wraps on a narrow output, each at its own width: squeezed into one row, the
    LimitTuner's buttons read "Ex…" and "B…" and the explorer's filters vanished under their labels."""
    for c in children:
        c.layout.flex = "0 0 auto"
    return w.HBox(list(children), layout=w.Layout(flex_flow="row wrap"))


def scroll_wide(widget: Any) -> Any:
    """``widget`` (a chart or a table wider than a narrow output: the explorer's timeline, the LimitTuner's
    facet chart and table) scrolls sideways in its own box. Left to the view, the whole view grew wider than the
    output and its scrollbar sat at the view's bottom, a screen or two below the chart cut at the output's edge."""
    widget.layout.overflow = "auto"
    widget.layout.max_width = "100%"
    widget.layout.flex = "0 0 auto"
    return widget


def fit_output(widget: Any) -> Any:
    """``widget``, a chart drawn as wide as its output (``width="container"``), with vega-embed's "…" menu over its
    top right corner, not beside it (see ``_html.STYLE``); scrolling in its own box on an output too narrow for
    its axis and legend."""
    widget.add_class("wb-fit")
    return scroll_wide(widget)
