"""DriftMonitor and FindingsOverview without a browser."""

from __future__ import annotations

import pytest
from payload import PAYLOAD

import workbench as wb
from workbench.widgets import DriftMonitor, FindingsOverview


def test_drift_monitor_switches_metric_and_lists_change_points(ws: wb.Workspace) -> None:
    dm = DriftMonitor(ws, metric="confidence", buckets=12)
    spec = dm.chart.chart.to_dict()
    assert "confidence" in str(spec)
    dm.metric.value = "latency_ms"
    assert "latency_ms" in str(dm.chart.chart.to_dict())
    drift = ws.sql("SELECT detail FROM findings WHERE detector = 'drift'").fetchall()
    assert drift and all(d[0].split(" ")[0] in dm.summary.value for d in drift)
    with pytest.raises(ValueError, match="metric"):
        dm.show("nonsense")


def test_findings_overview_drills_down(ws: wb.Workspace) -> None:
    fo = FindingsOverview(ws, max_runs=10)
    fo.detector.value = "retry"
    expected = ws.sql("SELECT count(DISTINCT run_id) FROM findings WHERE detector = 'retry'").fetchall()[0][0]
    assert f"top {min(10, expected)} runs" in fo.runs.value
    fo.chart._vl_selections = {"detector": {"value": {"vlPoint": {"or": [{"detector": "loop"}]}}, "store": []}}
    assert fo.detector.value == "loop" and "<b>loop</b>" in fo.runs.value


def test_views_escape_log_text(xss_ws: wb.Workspace) -> None:
    fo = FindingsOverview(xss_ws)
    runs = fo.drill("retry")
    assert len(runs) == 1 and PAYLOAD not in fo.runs.value and "&lt;img" in fo.runs.value
    assert "No drift findings" in DriftMonitor(xss_ws).summary.value
