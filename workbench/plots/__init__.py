"""Charts of a workspace: data aggregated in DuckDB (``*_data``), drawn by pure functions.

Example::

    import workbench as wb
    from workbench import plots
    plots.enable_offline()                       # charts draw offline, any number per page
    chart = plots.timeline(plots.timeline_data(ws, run_id))
    plots.save(chart, "timeline.png")            # or .html / .svg
"""

from ._charts import blame_bars, detector_bars
from ._data import (
    AGENT_METRICS,
    SIGNALS,
    agent_series,
    calibration_data,
    change_points,
    detector_counts,
    handoff_data,
    histogram_data,
    raised,
    stored_attribution,
    timeline_data,
)
from ._drift_chart import drift_over_time
from ._limits import limit_bins, limit_peaks, limit_stops, thin_tail
from ._render import enable_offline, link_zoom, save, widget
from ._signal_charts import calibration, histogram, review_load_curve
from ._threshold_charts import cost_curve, sweep_curve
from ._timeline import timeline, timeline_parts

__all__ = [
    "AGENT_METRICS",
    "SIGNALS",
    "agent_series",
    "blame_bars",
    "calibration",
    "calibration_data",
    "change_points",
    "cost_curve",
    "detector_bars",
    "detector_counts",
    "drift_over_time",
    "enable_offline",
    "handoff_data",
    "histogram",
    "histogram_data",
    "limit_bins",
    "limit_peaks",
    "limit_stops",
    "link_zoom",
    "save",
    "raised",
    "review_load_curve",
    "stored_attribution",
    "sweep_curve",
    "thin_tail",
    "timeline",
    "timeline_data",
    "timeline_parts",
    "widget",
]
