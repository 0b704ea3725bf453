"""How charts reach the page: ``alt.JupyterChart`` with its JavaScript bundled offline.

Seen in JupyterLab 4.6 in Chromium: the ``html`` renderer's inline template draws only the first
chart of a notebook (every later one dies on ``Identifier 'spec' has already been declared``) and
the default renderer fetches Vega from a CDN. ``JupyterChart`` offline drew every chart of a page,
needs no network, and sends selections back to Python, which the widgets listen to.
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt

_enabled = False


def enable_offline() -> None:
    """Render charts offline through ``alt.JupyterChart`` (Vega bundled by vl-convert): also what
    a bare chart at the end of a cell uses from now on. Cheap after the first call."""
    global _enabled
    if _enabled:
        return
    alt.JupyterChart.enable_offline()
    alt.renderers.enable("jupyter", offline=True)
    _enabled = True


def widget(chart: alt.TopLevelMixin, **kwargs: object) -> alt.JupyterChart:
    """The chart as a widget (offline); ``.selections`` holds what the user clicked."""
    enable_offline()
    return alt.JupyterChart(chart, **kwargs)


def save(chart: alt.TopLevelMixin, path: str | os.PathLike[str], scale: float = 1.0) -> Path:
    """Write ``chart`` as PNG, SVG or HTML (by the suffix), offline: images through vl-convert,
    HTML with Vega inlined so the file opens without a network."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        chart.save(str(path), format="html", inline=True)
    elif suffix in (".png", ".svg", ".pdf"):
        chart.save(str(path), scale_factor=scale) if suffix == ".png" else chart.save(str(path))
    else:
        raise ValueError(f"save: {path.name} must end in .png, .svg, .pdf or .html")
    return path
