"""The limit view when no limit stops any run (few runs, or limits at the p100 of their peaks, as on a store
of real traces with no outcomes): it said so in words instead of drawing the chart of runs stopped as an
empty frame with a single tick at 0; once a limit stops runs, the chart is back."""

from __future__ import annotations

import workbench as wb
from workbench.widgets import LimitTuner


def _store() -> wb.Workspace:
    records = []
    for r in range(12):
        run = f"r{r:02d}"
        records.append({"record": "run", "run_id": run, "system": "shop"})  # no outcome, as most traces
        records += [
            {
                "run_id": run,
                "step_id": f"t{i}",
                "agent": "finder",
                "kind": "tool",
                "tool": "search",
                "input": {"q": f"{r}-{i}"},
                "status": "ok",
                "output": f"result {r}-{i}",
            }
            for i in range(1 + r % 4)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_no_empty_chart_of_runs_stopped() -> None:
    ws = _store()
    view = LimitTuner(wb.suggest_limits(ws, quantile=1.0), ws=ws)
    assert int(view.limits.table["stops"].sum()) == 0
    assert view.stops_chart not in view.charts.children and view.peaks_chart in view.charts.children
    assert "No limit here stops any run" in view.none_stopped.value
    view.quantile.value = 0.5  # now the limits stop runs: the chart of them is drawn
    assert int(view.limits.table["stops"].sum()) > 0
    assert view.stops_chart in view.charts.children and view.none_stopped not in view.charts.children
