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
    fo.chart._vl_selections = {
        "detector": {"value": {"vlPoint": {"or": [{"detector": "loop"}]}}, "store": []}
    }
    assert fo.detector.value == "loop" and "<b>loop</b>" in fo.runs.value


def test_views_escape_log_text(xss_ws: wb.Workspace) -> None:
    fo = FindingsOverview(xss_ws)
    runs = fo.drill("retry")
    assert len(runs) == 1 and PAYLOAD not in fo.runs.value and "&lt;img" in fo.runs.value
    # (ux18: the panel says whether the drift test ran, not "No drift findings … (run wb.detect)")
    summary = DriftMonitor(xss_ws).summary.value
    assert "drift test has not run" in summary and PAYLOAD not in summary


def test_drift_monitor_starts_on_a_metric_the_logs_carry(tmp_path) -> None:  # noqa: ANN001
    # Real logs rarely carry log-probabilities: a monitor opened on "confidence" drew an empty chart.
    import json

    from workbench.widgets import ThresholdTuner

    spans = [
        {
            "name": f"call {i}",
            "context": {"trace_id": f"t{i % 3}", "span_id": f"s{i}"},
            "span_kind": "TOOL",
            "parent_id": None,
            "start_time": f"2026-07-09T00:00:{i:02d}+00:00",
            "end_time": f"2026-07-09T00:00:{i:02d}.{i % 9 + 1}+00:00",
            "status_code": "OK",
            "attributes": {"tool.name": "lookup", "agent.name": "finder"},
        }
        for i in range(12)
    ]
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(spans), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path)
    dm = DriftMonitor(ws)
    assert dm.metric.value == "latency_ms" and "latency_ms" in str(dm.chart.chart.to_dict())
    with pytest.raises(wb.InvalidParameterError, match="metric"):
        DriftMonitor(ws, metric="nonsense")
    with pytest.raises(wb.InvalidParameterError, match="signal: no step of this store has 'entropy'"):
        ThresholdTuner(ws, signal="entropy")


def test_drift_monitor_says_when_runs_have_no_times(tmp_path) -> None:  # noqa: ANN001
    # Who&When logs are turns without timestamps: the chart is empty, and the panel says why.
    import json

    history = [
        {"role": "Orchestrator", "content": "Please search for the timetable."},
        {"role": "WebSurfer", "content": "I typed 'timetable' into the search box."},
    ]
    (tmp_path / "1.json").write_text(
        json.dumps(
            {
                "question": "When?",
                "history": history,
                "is_correct": False,
                "mistake_agent": "WebSurfer",
                "mistake_step": "1",
            }
        ),
        encoding="utf-8",
    )
    ws = wb.open()
    ws.ingest(tmp_path / "1.json")
    assert "nothing can be drawn over time" in DriftMonitor(ws).summary.value


def test_findings_overview_after_detectors_found_nothing(tmp_path) -> None:  # noqa: ANN001
    # any-agent's short framework traces: wb.detect(ws) ran and found nothing; the panel said
    # "run wb.detect(ws) first", as if it had not run.
    import json

    spans = [
        {
            "name": name,
            "context": {"trace_id": "t1", "span_id": f"s{i}"},
            "span_kind": kind,
            "parent_id": None if i == 0 else "s0",
            "start_time": f"2026-09-16T12:43:{i:02d}+00:00",
            "end_time": f"2026-09-16T12:43:{i:02d}.5+00:00",
            "status_code": "OK",
            "attributes": {"tool.name": "write_file"} if kind == "TOOL" else {},
        }
        for i, (name, kind) in enumerate(
            [
                ("invoke_agent", "AGENT"),
                ("call_llm", "LLM"),
                ("execute_tool write_file", "TOOL"),
                ("call_llm", "LLM"),
            ]
        )
    ]
    (tmp_path / "spans.json").write_text(json.dumps(spans), encoding="utf-8")
    ws = wb.open()
    ws.ingest(tmp_path / "spans.json")
    assert len(wb.detect(ws)) == 0
    text = FindingsOverview(ws).chart.value
    assert "ran and no detector flagged any of these 1 run." in text and "have not run" not in text
