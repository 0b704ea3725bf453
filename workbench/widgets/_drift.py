"""DriftMonitor and FindingsOverview: what changed over time, and what the detectors found."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import plots
from .._plain import counted
from ..exceptions import InvalidParameterError
from ..plots._render import redraw
from ..store._outcomes import TAKEN_OUTCOME, counted_as
from ..store._own_connection import fetch, fetch_df
from ._html import STYLE, esc, label, short_id
from ._layout import control_row, fit_output, scroll_wide
from ._open_run import open_in_explorer
from ._systems import system_picker

if TYPE_CHECKING:
    from ..workspace import Workspace
    from ._explorer import IncidentExplorer


class DriftMonitor(w.VBox):
    """Per-agent metrics over time (aggregated in DuckDB into ``buckets`` time buckets) with the
    drift detector's change points, and the drift findings in words. Run ``wb.detect(ws)`` first
    for the change points; without them the lines are still drawn and the panel says so. Without
    ``metric``, the first of ``plots.AGENT_METRICS`` the store has values of is drawn. ``silent``
    (default True): failure_rate counts silent failures (runs taken as failed) as failed, as
    ``workbench investigate`` does; False: the labelled/declared outcome."""

    def __init__(
        self,
        ws: Workspace,
        metric: str | None = None,
        buckets: int = 40,
        silent: bool = True,
        system: str | None = None,
    ) -> None:
        if metric is not None and metric not in plots.AGENT_METRICS:
            raise InvalidParameterError(f"metric must be one of {plots.AGENT_METRICS} (got {metric!r})")
        self.ws, self._buckets, self._silent = ws, buckets, silent
        # A store of several systems: one system's agents at a time (a system picker). All at once, the agents
        # of one name in different systems ("writer", "researcher", "agent") were drawn as one line.
        self.system = system_picker(ws, "systems_timed", system, "timed runs")
        self.series = plots.agent_series(ws, buckets=buckets, silent=silent, system=self.system.value)
        if metric is None:
            # the first metric the logs carry: most real logs have no log-probabilities, so no confidence
            metric = next(
                (m for m in plots.AGENT_METRICS if m in self.series and self.series[m].notna().any()),
                plots.AGENT_METRICS[0],
            )
        self.changes = plots.change_points(ws, system=self.system.value)
        self.metric = w.Dropdown(description="metric", options=list(plots.AGENT_METRICS), value=metric)
        # no times (Who&When, AG2 chats): the panel says so instead of drawing an empty frame
        self.chart = plots.widget(self._drawn(metric), validate=False) if not self.series.empty else None
        if self.chart is not None:  # (640 px and its legend: at 1000 px the whole monitor scrolled sideways)
            fit_output(self.chart)
        self.summary = w.HTML(self._summary())
        self.metric.observe(lambda c: self.show(c["new"]), names="value")
        self.system.observe(lambda c: self.show_system(c["new"]), names="value")
        super().__init__(
            [
                w.HTML(STYLE + "<b>Drift per agent</b>"),
                *((control_row([self.system, self.metric]), self.chart) if self.chart is not None else ()),
                self.summary,
            ]
        )
        self.add_class("wb-drift-monitor")

    def show_system(self, system: str) -> None:
        """Draw the agents of ``system``'s runs ("" for the runs with no system name)."""
        if self.system.value != system:
            self.system.value = system  # (its observer draws)
            return
        self.series = plots.agent_series(self.ws, buckets=self._buckets, silent=self._silent, system=system)
        self.changes = plots.change_points(self.ws, system=system)
        self.summary.value = self._summary()
        if self.chart is not None:
            redraw(self.chart, self._drawn(self.metric.value), validate=False)

    def show(self, metric: str) -> None:
        """Draw ``metric`` per agent over time."""
        if metric not in plots.AGENT_METRICS:
            raise InvalidParameterError(f"metric must be one of {plots.AGENT_METRICS} (got {metric!r})")
        if self.metric.value != metric:
            self.metric.value = metric
            return
        if self.chart is not None:
            redraw(self.chart, self._drawn(metric), validate=False)

    def _drawn(self, metric: str) -> Any:
        # as wide as the output: at 640 px and its legend the chart took 820 px of a 1000 px window's 568, its
        # title and the latest buckets, where a change shows first, past the edge
        return plots.drift_over_time(self.series, metric, self.changes, width="container")

    def _summary(self) -> str:
        if self.series.empty and not fetch(self.ws.con, "SELECT EXISTS (SELECT 1 FROM runs)")[0][0]:
            return (
                "<i>This store holds no runs yet: ingest logs first (<code>ws.ingest('traces.jsonl')</code>)."
                "</i>"
            )
        if self.series.empty:  # Who&When and other turn logs carry no times
            return "<i>No run of this store has a start time: nothing can be drawn over time.</i>"
        short = self._short_stretch()
        if self.changes.empty:
            return f"<i>{short}{self._no_changes()}</i>"
        items = "".join(f"<li>{esc(d)}</li>" for d in self.changes["detail"])
        return (f"<i>{short}</i>" if short else "") + f"<b>Change points</b><ul>{items}</ul>"

    def _short_stretch(self) -> str:
        """What the chart cannot show when its runs began within a minute (a burst of test runs, one batch of
        traces): a time axis of 33 ms drawn like one of weeks read as a trend over time (ux39, four AutoGen runs)."""
        t = pd.to_datetime(self.series["t"]).dropna()
        span = (t.max() - t.min()).total_seconds() if len(t) else None
        if span is None or span >= 60:
            return ""
        system = self.system.value
        ((runs,),) = fetch(
            self.ws.con,
            "SELECT count(*) FROM runs WHERE started_at IS NOT NULL "
            "AND ($system IS NULL OR coalesce(system, '') = $system)",
            {"system": system},
        )
        if runs == 1:
            return (
                "One run: drift over time needs runs begun at different times "
                "(the points are what each of its agents measured, side by side). "
            )
        took = f"{span * 1000:,.0f} ms" if span < 1 else f"{span:,.1f} s"
        return (
            f"These runs all began within {took} of each other: too short a stretch to show drift over time "
            "(the points are what each agent's runs measured, side by side). "
        )

    def _no_changes(self) -> str:
        """Why no change point is drawn, as far as the store can tell: drift not tested yet, tested and none
        significant, or tested but no agent with enough runs in two periods to compare."""
        row = fetch(self.ws.con, "SELECT value FROM meta WHERE key = 'drift_checked'")
        try:
            checked = json.loads(row[0][0]) if row else None
        except ValueError:
            checked = None
        if not isinstance(checked, dict):
            return (
                "The drift test has not run on this store (or ran before it recorded its checks): "
                "run <code>wb.detect(ws)</code>."
            )
        if int(checked.get("pairs_tested", 0)) == 0:
            most = int(self.series.groupby("agent")["runs"].sum().max()) if len(self.series) else 0
            need = int(checked.get("min_runs", 0))
            return (
                f"Too few runs to judge drift: <code>wb.detect</code> compares an agent's runs of one period "
                f"(time window or model version) with the next, {need:,} runs or more in each, and no agent "
                f"has that here (the most runs of one agent: {most:,}). The lines show what there is."
            )
        pairs = int(checked["pairs_tested"])
        return (
            f"No drift found: <code>wb.detect</code> compared {pairs:,} pair{'s' if pairs != 1 else ''} of "
            f"periods of the agents' runs and no change was significant (false-discovery rate "
            f"{float(checked.get('alpha', 0)):g})."
        )


class FindingsOverview(w.VBox):
    """Runs flagged per detector (click a bar, or pick a detector) and the runs behind it; "Open in explorer"
    shows the run picked among them in ``explorer`` (an :class:`IncidentExplorer` of the same store), or, without
    one, in an explorer the overview opens below itself."""

    def __init__(self, ws: Workspace, max_runs: int = 25, explorer: IncidentExplorer | None = None) -> None:
        self.ws, self.max_runs, self.explorer = ws, max_runs, explorer
        self.counts = plots.detector_counts(ws)
        detectors = sorted(self.counts["detector"].unique().tolist()) if len(self.counts) else []
        self.detector = w.Dropdown(
            description="detector", options=[("(pick one)", None)] + [(d, d) for d in detectors], index=0
        )
        # a value of None set from code (``detector.value = None``) selects no option, a blank box, not the
        # "(pick one)" option whose value is None: show that option instead
        self.detector.observe(
            lambda c: setattr(self.detector, "index", 0) if c["new"] is None else None, names="index"
        )
        self.chart = (
            plots.widget(plots.detector_bars(self.counts), validate=False)
            if len(self.counts)
            else w.HTML(f"<i>{self._nothing_found()}</i>")
        )
        if len(self.counts):
            # (its severity legend and "…" menu past a 1000 px window's output: the whole view scrolled sideways)
            scroll_wide(self.chart)
        # (32-hex run ids on one line beside the examples: at a 1000 px window the whole overview scrolled
        # sideways, 743 px in 568; the table scrolls in its own box)
        self.runs = scroll_wide(w.HTML())
        # A Phoenix or Langfuse user clicks a trace to open it: the run ids of the table above had to be copied
        # into ``ex.show_run(...)`` by hand. The drilled runs in a picker (most findings first) and a button.
        self.run_pick = w.Dropdown(
            description="run",
            options=[],
            style={"description_width": "initial"},
            layout=w.Layout(width="auto", max_width="100%"),
        )
        self.open_button = w.Button(
            description="Open in explorer",
            icon="search",
            button_style="primary",
            tooltip="show this run's timeline, steps, findings and verdict",
        )
        self.open_button.add_class("wb-open-run")
        self.open_button.on_click(lambda _: self.open_run())
        self.open_row = control_row([self.run_pick, self.open_button])
        self.open_row.layout.display = "none"
        self.opened = w.VBox()  # the explorer this overview opened (none given)
        if not len(self.counts):  # a "(pick one)" box with nothing to pick
            self.detector.layout.display = "none"
        self.detector.observe(lambda c: self.drill(c["new"]), names="value")
        if hasattr(self.chart, "selections"):
            self.chart.selections.observe(self._on_pick, names=["detector"])
        super().__init__(
            [
                w.HTML(STYLE + "<b>Findings</b>"),
                self.chart,
                self.detector,
                self.runs,
                self.open_row,
                self.opened,
            ]
        )
        self.add_class("wb-findings-overview")

    def _nothing_found(self) -> str:
        """Why no bar: the detectors ran and found nothing, or (as far as the store can tell) never ran."""
        runs = fetch(self.ws.con, "SELECT count(*) FROM runs")[0][0]
        if not runs:
            return "This store holds no runs yet: ingest logs first (<code>ws.ingest('traces.jsonl')</code>)."
        # wb.detect records its drift check in meta: on 7 real traces it had run and found nothing, and the
        # panel still said "run wb.detect(ws)"
        if fetch(self.ws.con, "SELECT count(*) FROM meta WHERE key = 'drift_checked'")[0][0]:
            return (
                f"<code>wb.detect</code> ran and no detector flagged any of these {runs:,} "
                f"run{'s' if runs != 1 else ''}."
            )
        return (
            "No findings in this store: the detectors have not run on it (or ran before it recorded its "
            "checks): run <code>wb.detect(ws)</code>."
        )

    def _on_pick(self, change: Any) -> None:
        value = getattr(change["new"], "value", None) or []
        if value and "detector" in value[0]:
            self.detector.value = value[0]["detector"]

    def drill(self, detector: str | None) -> pd.DataFrame:
        """The runs ``detector`` flagged (most findings first), shown below the chart."""
        if detector is None:
            self.runs.value = ""
            self.run_pick.options, self.open_row.layout.display = [], "none"
            return pd.DataFrame()
        # outcomes as workbench investigate counts them: a silent failure named as every view names it
        # the severities worst first, and the example the worst finding's: a cascade's runs read "info, critical"
        # on one line and "critical, info" on the next, the example "built on s0002 (planner)" (one of its info
        # findings) where the critical one says what spread from where
        runs = fetch_df(
            self.ws.con,
            "SELECT f.run_id, CASE WHEN r.taken_why IS NOT NULL THEN ? ELSE r.outcome END AS outcome, "
            "r.reported_outcome, count(*) AS findings, "
            "concat_ws(', ', CASE WHEN bool_or(f.severity = 'critical') THEN 'critical' END, "
            "CASE WHEN bool_or(f.severity = 'warning') THEN 'warning' END, "
            "CASE WHEN bool_or(f.severity = 'info') THEN 'info' END, "
            "string_agg(DISTINCT f.severity, ', ' ORDER BY f.severity) "
            "FILTER (WHERE f.severity NOT IN ('critical', 'warning', 'info'))) AS severity, "
            "arg_min(f.detail, [CASE f.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 WHEN 'info' THEN 2 "
            "ELSE 3 END, coalesce(s.seq, 9223372036854775807)]) AS example "
            "FROM findings f LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id "
            f"JOIN ({counted_as(True)}) r ON r.run_id = f.run_id WHERE f.detector = ? "
            "GROUP BY ALL ORDER BY findings DESC, f.run_id LIMIT ?",
            [TAKEN_OUTCOME, detector, self.max_runs],
        )
        # (a run id on one line: "proc-s11-|000050" broke at its hyphens beside the example)
        self.runs.value = (
            f"<b>{esc(detector)}</b>: top {len(runs)} runs"
            f"<div class='wb-flagged-runs'>{_flagged_table(runs)}</div>"
        )
        self.run_pick.options = [
            (label(f"{r.run_id} · {r.outcome} · {counted(int(r.findings), 'finding')}"), r.run_id)
            for r in runs.itertuples(index=False)
        ]
        self.run_pick.value = runs["run_id"].iat[0] if len(runs) else None  # (options alone select nothing)
        self.open_row.layout.display = None if len(runs) else "none"
        return runs

    def open_run(self, run_id: str | None = None) -> IncidentExplorer:
        """Show ``run_id`` (by default the run picked under the table) in the explorer: the one given, else one
        opened below this overview on first use. Returns the explorer."""
        return open_in_explorer(
            self,
            run_id if run_id is not None else self.run_pick.value,
            "no run picked (pick a detector, then a run of its table)",
        )


_FLAGGED = {
    "run_id": "run",
    "outcome": "outcome",
    "reported_outcome": "reported",
    "findings": "findings",
    "severity": "severity",
}


def _flagged_table(runs: pd.DataFrame) -> str:
    """The drilled runs, each on a row (ids shortened as in the explorer's run list: whole in the picker below),
    its worst finding's example on a row of its own beneath, as wide as the table. (As a sixth column, at a 1000
    px window the example was squeezed to two words a line, each run eight lines tall.)"""
    if runs.empty:
        return "<i>(none)</i>"
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in _FLAGGED.values())
    rows = "".join(
        "<tr class='wb-finding'>"
        + "".join(
            f"<td>{esc(short_id(v) if c == 'run_id' else '' if pd.isna(v) else v)}</td>"
            for c, v in zip(_FLAGGED, (getattr(r, c) for c in _FLAGGED), strict=True)
        )
        + f"</tr><tr class='wb-finding-detail'><td colspan='{len(_FLAGGED)}'>{esc(r.example)}</td></tr>"
        for r in runs.itertuples(index=False)
    )
    return f"<table class='wb-table wb-findings-table'><thead><tr>{head}</tr></thead>{rows}</table>"
