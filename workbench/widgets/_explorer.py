"""IncidentExplorer: find a run, see its timeline, inspect a step, read or compute its attribution."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import plots
from .._lineage_note import first_stater, lineage_disagreements
from .._plain import counted
from .._worst import WORST_FIRST
from ..plots._data import has_text as _has_text
from ..store._outcomes import TAKEN_OUTCOME, counted_as
from ..store._own_connection import fetch, fetch_df
from ..store._run_scope import one_run_id
from ._html import STYLE, WORD_CHARS, WRAP, esc, kv_table, label, pre, short_id, short_name, state_table
from ._layout import control_row, fit_output
from ._messages import readable
from ._runs import RunFilter, RunPager, _sql, choices, count_runs
from ._status import building

if TYPE_CHECKING:
    from ..workspace import Workspace

ANY = "(any)"
# A filter dropdown's narrowest: its label ("detector") and a box still showing "(any)" or "failure".
FILTER_MIN_WIDTH = "140px"
# The narrowest output that shows the step and the attribution side by side (each half 450 px or more: a state
# table's value column, a finding's agent and detector on one line).
HALVES_MIN_PX = 900


def _options(values: list[str]) -> list[tuple[str, str]]:
    # "" stands for "any": a Dropdown whose value is None selects nothing and shows a blank box
    return [(ANY, ""), *[(label(v), v) for v in values]]




def _run_label(r: Any, system: bool = False) -> str:
    """One line of the run list; with ``system``, the run's system after its id (a store of many systems, no
    system filter set: a list of ids alone left the reader guessing which system each run came from)."""
    when = f"{r.started_at:%Y-%m-%d %H:%M}" if isinstance(r.started_at, pd.Timestamp) else "—"
    # a run taken as failed (RunFilter.silent): declared success, its answer detached from the data
    taken = isinstance(getattr(r, "taken_why", None), str)
    outcome = (TAKEN_OUTCOME if taken else
               f"{r.outcome} (reported success)" if r.outcome == "failure" and r.reported_outcome == "success"
               else r.outcome)
    sys_name = f" · {short_name(r.system)}" if system and isinstance(r.system, str) and r.system else ""
    parts = [f"{short_id(r.run_id)}{sys_name} · {when}", outcome]
    if r.hits:   # ("1 hits: loop"); the detectors' list may wrap after each comma too
        parts.append(f"{counted(int(r.hits), 'hit')}: {label(r.detectors).replace(', ', ', ' + WRAP)}")
    if isinstance(r.culprit, str) and r.culprit:
        parts.append(f"culprit {label(r.culprit)}")
    # (each part made plain text by label() before the joins: a zero-width space of the log's own is shown)
    return f"{WRAP} · ".join(label(p) if i < 2 else p for i, p in enumerate(parts))


class IncidentExplorer(w.VBox):
    """Browse a workspace's runs and investigate one: filterable run list paged in DuckDB, the
    run's timeline (click a move to inspect it), the selected step's input, output, error and
    state, the run's findings, and its attribution (computed on demand when ``replay`` is given).

    Constructing it seeks the first page (a top-N in DuckDB), counts the matching runs after the
    page is listed, and draws the most recent failed run (else the one with the most serious finding, else the
    newest), saying why, so it is cheap to display on a store of any size.

    Parameters
    ----------
    ws : Workspace
        The store to explore.
    replay : callable, optional
        ``replay(run_id, intervention)`` of a re-runnable system: enables "Compute attribution".
    blame_model : BlameModel, "pretrained" or None
        A fitted log-only model: its culprit for the run is shown beside the replay verdict. By default
        (``"pretrained"``) the shipped :meth:`BlameModel.pretrained` with the run's own evidence, as
        ``workbench investigate`` uses, names a culprit for a failed run no replay verdict is stored for,
        labelled log-only. ``None``: no log-only verdict.
    snapshot : callable, optional
        ``snapshot(run_id, step_id) -> object``: the system's state before a step, when it can tell.
    page_size : int
        Runs per page of the list.
    filters : dict, optional
        Initial filters (outcome, system, detector, culprit, since, until, silent). ``silent`` (default
        True): silent failures are listed as failures marked "(silent)" and the outcome filter counts them as
        failed, as ``workbench investigate`` does; False (or the "silent failures count as failed" box
        unticked): the labelled/declared outcome only.
    """

    def __init__(self, ws: Workspace, replay: Callable | None = None, blame_model: Any = "pretrained",
                 snapshot: Callable[[str, str], Any] | None = None, page_size: int = 12,
                 filters: dict[str, Any] | None = None) -> None:
        # (3 s wall on a real store of 73 runs at a busy machine's load, the cell blank all that time)
        with building("Incident explorer: listing the runs and drawing the one to open on…"):
            self._build(ws, replay, blame_model, snapshot, page_size, filters)

    def _build(self, ws: Workspace, replay: Callable | None, blame_model: Any,
               snapshot: Callable[[str, str], Any] | None, page_size: int, filters: dict[str, Any] | None) -> None:
        if not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be a positive integer (got {page_size!r})")
        # "pretrained": the shipped model, loaded on the first run it is needed for (no replay verdict stored)
        self._default_model = isinstance(blame_model, str) and blame_model == "pretrained"
        if isinstance(blame_model, str) and not self._default_model:
            raise ValueError(f"blame_model must be a fitted BlameModel, 'pretrained' or None (got {blame_model!r})")
        self.ws, self.replay, self.snapshot = ws, replay, snapshot
        self.blame_model: Any = None if self._default_model else blame_model
        self._pretrained: Any = None
        # the log-only verdict per run (~0.6 CPU s a failed run with the pretrained model), kept for the widget's
        # life under the run's content: a run re-ingested, or given new findings, is scored again
        self._verdicts: dict[str, tuple[Any, Any, pd.DataFrame, tuple]] = {}
        self._pending: object | None = None     # the deferred attribution of the run the list picked (see _show)
        self.page_size = page_size
        self.filter = RunFilter(**(filters or {}))
        self.page = 0
        self.total = 0
        self.page_rows = pd.DataFrame()
        self.run_id: str | None = None
        self.step_id: str | None = None
        self.steps = pd.DataFrame()
        self.latency_ms: dict[str, float] = {}
        opts = choices(ws)
        # One row at a notebook's width: four 170 px dropdowns with 80 px labels and two 210 px date boxes
        # took 1,100 px and put "to" on a row of its own. Labels as wide as their word; the dropdowns
        # share what the dates leave (a long system name is cut in the closed box, whole in the list). On a
        # narrower output (a laptop, the file browser open) the row wraps: squeezed to no width, the dropdowns
        # vanished under their own labels ("outcomesystem", "culprit" over "from").
        short = {"description_width": "initial"}

        def lay() -> w.Layout:
            return w.Layout(width="auto", flex="1 1 0", min_width=FILTER_MIN_WIDTH)

        self.outcome = w.Dropdown(description="outcome", options=_options(["failure", "success", "unknown"]),
                                  value=self.filter.outcome or "", layout=lay(), style=short)
        self.system = w.Dropdown(description="system", options=_options(opts["system"]), layout=lay(), style=short)
        self.detector = w.Dropdown(description="detector", options=_options(opts["detector"]), layout=lay(),
                                   style=short)
        self.culprit = w.Dropdown(description="culprit", options=_options(opts["culprit"]), layout=lay(), style=short)
        self.since = w.DatePicker(description="from", layout=w.Layout(width="170px", flex="0 0 auto"), style=short)
        self.until = w.DatePicker(description="to", layout=w.Layout(width="160px", flex="0 0 auto"), style=short)
        self.silent = w.Checkbox(value=self.filter.silent, description="silent failures count as failed",
                                 indent=False, layout=w.Layout(width="auto"),
                                 tooltip="ticked: as workbench investigate counts; unticked: labelled/declared outcomes")
        for d, key in ((self.system, "system"), (self.detector, "detector"), (self.culprit, "culprit")):
            v = getattr(self.filter, key)
            if v in [o[1] for o in d.options]:
                d.value = v
        # (100% plus the widget's 2 px margin hid the list's right border past the output's edge)
        self.runs = w.Select(options=[], rows=page_size, layout=w.Layout(width="calc(100% - 4px)"))
        # (never narrower than their words: on a narrow output the pager row squeezed "◀ newer" to "◀ ne…")
        self.prev = w.Button(description="◀ newer", layout=w.Layout(width="90px", flex="0 0 auto"))
        self.next = w.Button(description="older ▶", layout=w.Layout(width="90px", flex="0 0 auto"))
        self.page_label = w.Label()
        # why the explorer opened on the run it shows (the newest was a real desk's success with a ping_pong hit,
        # where an SRE opens it to see a failure); gone once another run is shown
        self.opened = w.HTML(layout=w.Layout(display="none"))
        self._opened_why = ""
        self.header = w.HTML()
        # as wide as the output (Vega's container width): at 720 px the timeline took 876 px of a 1000 px window's
        # 568 px output, the run's end, where the red ✕ of its failure was, scrolled off in its own box
        lanes, _ = plots.timeline_parts(pd.DataFrame(columns=[
            "step_id", "agent", "kind", "started_at", "ended_at", "flagged", "built_on_fault"]), title="(no run)",
            width="container")
        self.timeline = fit_output(plots.widget(lanes))
        # confidence and entropy along the run, under the lanes (a chart of its own: Vega sizes only a single or
        # layered chart to its container); in the page only when a move carries either (a chart's layout.display
        # "none" is outranked by the views' "display:flex!important" on a chart with a menu: an empty frame showed)
        self.signals = fit_output(plots.widget(lanes))
        # shift + scroll over the lanes zooms this chart too, a double-click resets both (two charts: one zoomed
        # alone, a confidence dip under the lanes' 00:02 sat under 00:04 of the run)
        self._zoom_link = plots.link_zoom(self.timeline, self.signals)
        self.signals_box = w.VBox()
        self.step = w.Dropdown(description="step", options=[], layout=w.Layout(width="calc(100% - 4px)"),
                               style={"description_width": "initial"})
        self.detail = w.HTML()
        self.findings = w.HTML()
        self.verdict = w.HTML()
        self.blame_box = w.VBox()
        # the step a verdict names, one click away: its id ("44540dd6f7f2d0f9") is not what the step list shows
        # ("11 · writer · tool · …"), and the panel opened on another step (ux35, real LangChain trace)
        self.goto_step = w.Button(description="Show the verdict's step", icon="crosshairs",
                                  layout=w.Layout(width="auto", max_width="100%", display="none"))
        self.goto_step.add_class("wb-goto-step")
        self._verdict_step: str | None = None
        self.compute = w.Button(description="Compute attribution", icon="play", button_style="warning",
                                disabled=replay is None,
                                layout=w.Layout(width="190px", display="none" if replay is None else None),
                                tooltip="replay the run with agents repaired (needs a re-runnable system)")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="replays",
                                      layout=w.Layout(visibility="hidden"))
        self._chart_blame: Any = None
        self._pager: RunPager | None = None
        for d in (self.outcome, self.system, self.detector, self.culprit, self.since, self.until, self.silent):
            d.observe(self._on_filter, names="value")
        self.prev.on_click(lambda _: self.goto_page(self.page - 1))
        self.next.on_click(lambda _: self.goto_page(self.page + 1))
        self.runs.observe(self._on_run, names="value")
        self.step.observe(self._on_step, names="value")
        self.compute.on_click(lambda _: self.compute_attribution())
        self.goto_step.on_click(lambda _: self._verdict_step is not None and self.select_step(self._verdict_step))
        filters_row = w.HBox([self.outcome, self.system, self.detector, self.culprit, self.since, self.until],
                             layout=w.Layout(flex_flow="row wrap", width="calc(100% - 4px)"))
        filters_row.add_class("wb-filters")
        # (wraps on a narrow output: squeezed, "page 1 of 25 · 300 runs" read "page 1 of")
        pager = control_row([self.prev, self.next, self.page_label, self.silent])
        attribution = w.VBox([w.HTML("<b>Attribution</b>"), self.verdict, self.goto_step, self.blame_box,
                              w.HBox([self.compute, self.progress])])
        # the step and the attribution side by side, half the output each, when the output is wider than
        # HALVES_MIN_PX; one under the other when not (chart_row's flex-basis switch): at a 1000 px window the
        # halves were 280 px, the input read a few words a line, "retrieve|r" broke in the findings, the state
        # table's value column one word wide
        half = f"1 1 calc(({HALVES_MIN_PX}px - 100%) * 999)"
        detail = w.VBox([w.HTML("<b>Step</b>"), self.step, self.detail], layout=w.Layout(flex=half, min_width="0"))
        side = w.VBox([attribution, w.HTML("<b>Findings of this run</b>"), self.findings],
                      layout=w.Layout(flex=half, min_width="0"))
        detail.add_class("wb-step-half")
        side.add_class("wb-attribution-half")
        super().__init__([w.HTML(STYLE + "<b>Runs</b>"), filters_row, self.runs, pager, self.opened, self.header,
                          self.timeline, self.signals_box, w.HBox([detail, side], layout=w.Layout(flex_flow="row wrap"))])
        self.add_class("wb-incident-explorer")
        for widget, name in ((self.runs, "wb-run-list"), (self.header, "wb-run-header"), (self.detail, "wb-step-detail"),
                             (self.timeline, "wb-timeline"), (self.signals, "wb-signals"), (self.page_label, "wb-page-label"),
                             (self.next, "wb-next-page"), (self.prev, "wb-prev-page"), (self.verdict, "wb-verdict"), (self.findings, "wb-findings"),
                             (self.opened, "wb-opened-why")):
            widget.add_class(name)
        self._refresh(count=True, auto=True)

    def close(self) -> None:
        """Close the widget, and let go of its run list's runs taken as failed (the pager's cursor)."""
        if self._pager is not None:
            self._pager.close()
        super().close()

    # -- the run list ---------------------------------------------------------------------------
    def _on_filter(self, _change: Any = None) -> None:
        def day(v: date | None) -> date | None:
            return v if isinstance(v, date) else None

        self.filter = RunFilter(outcome=self.outcome.value or None, system=self.system.value or None,
                                detector=self.detector.value or None, culprit=self.culprit.value or None,
                                since=day(self.since.value), until=day(self.until.value),
                                silent=bool(self.silent.value))
        self.page = 0
        self._refresh(count=True)

    def goto_page(self, page: int) -> None:
        """Show page ``page`` (from 0) of the filtered runs (clamped to the pages there are)."""
        page = max(0, page)
        if self._pager is not None and page > self.page and not self._pager.has_next(self.page, self.page_size):
            return
        if page > self.page + 1:
            page = min(page, max(0, math.ceil(self.total / self.page_size) - 1))
        self.page = page
        self._refresh(count=False)

    def _refresh(self, count: bool, auto: bool = False) -> None:
        t0 = time.perf_counter()
        if count or self._pager is None:
            # No query here: the pager seeks the first page directly and counts only when asked.
            self._pager = RunPager(self.ws, self.filter)
        self.page_rows = self._pager.page(self.page, self.page_size)
        opened = self._pager.to_open() if auto else None
        if opened is not None and opened["run_id"] not in set(self.page_rows["run_id"]):
            # the run to open on is further down the list: its page (the list highlights it there)
            at = self._pager.position(opened["run_id"])
            self.page = at // self.page_size if at is not None else self.page
            self.page_rows = self._pager.page(self.page, self.page_size)
        self._opened_why = _opened_words(opened) if opened is not None else ""
        more = self._pager.has_next(self.page, self.page_size)
        self.latency_ms["page_query"] = (time.perf_counter() - t0) * 1000
        self.prev.disabled, self.next.disabled = self.page == 0, not more
        # (one system in the store, or one picked in the filter: the same on every line, said nowhere)
        many = self.filter.system is None and len(self.system.options) > 2
        labels = [(_run_label(r, many), r.run_id) for r in self.page_rows.itertuples()]
        keep = self.run_id if self.run_id in set(self.page_rows["run_id"]) else None
        if opened is not None and opened["run_id"] in set(self.page_rows["run_id"]):
            keep = opened["run_id"]
        # The list first, without selecting: a selection draws a run, the slow part.
        self.runs.unobserve(self._on_run, names="value")
        try:
            self.runs.options = labels
            self.runs.value = keep if keep else (labels[0][1] if labels else None)
        finally:
            self.runs.observe(self._on_run, names="value")
        if count:
            self.page_label.value = f"page {self.page + 1} · counting runs…"
        self.latency_ms["page"] = (time.perf_counter() - t0) * 1000
        # The count after the page is on screen: the list never waits for it.
        t1 = time.perf_counter()
        self.total = self._pager.total
        pages = max(1, math.ceil(self.total / self.page_size))
        self.page_label.value = (f"page {self.page + 1} of {pages:,} · {self.total:,} "
                                 f"{'run' if self.total == 1 else 'runs'}")
        self.latency_ms["count"] = (time.perf_counter() - t1) * 1000
        if not labels:
            self.show_run(None)
        elif self.runs.value != self.run_id:
            self._show(self.runs.value, auto=auto)

    def _mark_in_list(self, run_id: str | None) -> None:
        """The run list highlights the run shown, or nothing when it is not on this page: ``show_run('r00')``
        from code left the newest run highlighted over r00's steps."""
        want = run_id if run_id in {v for _, v in self.runs.options} else None
        if self.runs.value == want:
            return
        self.runs.unobserve(self._on_run, names="value")
        try:
            self.runs.value = want
        finally:
            self.runs.observe(self._on_run, names="value")

    def _on_run(self, change: Any) -> None:
        if change["new"] is not None and change["new"] != self.run_id:
            self.show_run(change["new"])

    # -- one run --------------------------------------------------------------------------------
    def show_run(self, run_id: str | None) -> None:
        """Show ``run_id``: header, timeline, first flagged step, findings, attribution."""
        self._show(None if run_id is None else one_run_id(run_id, "show_run"), auto=False)

    def _show(self, run_id: str | None, auto: bool) -> None:
        """Show ``run_id``; ``auto``: the run the constructor's list opens on, whose attribution waits for the cell
        to end when the kernel runs an event loop (a notebook): ``ex = IncidentExplorer(ws); ex.show_run(x)`` in
        one cell scored the first run too, ~0.6 CPU s nobody looked at. (Only there: a page or filter change from
        a click is handled in a widget message, where a callback left on the loop was seen not to run.)"""
        t0 = time.perf_counter()
        self.run_id = run_id
        self.opened.value = self._opened_why if auto and run_id is not None else ""
        self.opened.layout.display = None if self.opened.value else "none"
        self._pending = None     # a deferred attribution of the run shown before is not wanted any more
        listed = run_id is None or run_id in {v for _, v in self.runs.options}
        if not listed and self._pager is not None:
            # shown from code, off the page listed: page to it (the list then highlights it), or say below
            # that the filters leave it out (a highlight elsewhere would point at another run)
            at = self._pager.position(run_id)
            if at is not None:
                self.page = at // self.page_size
                self._refresh(count=False)
                listed = True
        self._mark_in_list(run_id)
        if run_id is None:
            empty = not fetch(self.ws.con, "SELECT EXISTS (SELECT 1 FROM runs)")[0][0]
            self.header.value = ("<i>This store holds no runs yet: ingest logs first "
                                 "(<code>ws.ingest('traces.jsonl')</code>).</i>" if empty
                                 else f"<i>No run matches these filters: {self._held()}</i>")
            self.step.options, self.detail.value, self.findings.value, self.verdict.value = [], "", "", ""
            self.blame_box.children = self.signals_box.children = ()
            return
        run = fetch_df(self.ws.con, "SELECT * FROM runs WHERE run_id = ?", [run_id])
        # the earliest labelled step first, as the sweep takes it for the run's decisive step ("caught" is an
        # escalation at or before it): the simulator's labels came in by fault, and the header named the
        # retriever at s0007 first, the panel opening there, while the planner's misread at s0002 started it
        labelled = fetch(
            self.ws.con, "SELECT l.agent, l.step_id, l.kind, l.source, l.detail FROM labels l "
            "LEFT JOIN steps s ON s.run_id = l.run_id AND s.step_id = l.step_id WHERE l.run_id = ? "
            "AND (l.agent IS NOT NULL OR l.step_id IS NOT NULL) ORDER BY s.seq NULLS LAST, l.created_at",
            [run_id])
        r = run.iloc[0] if len(run) else None
        if r is not None:
            # the outcome the list's counting gives it (a silent failure is a failure, as investigate says)
            taken = (fetch(
                self.ws.con, f"SELECT taken_why FROM ({counted_as(self.filter.silent)}) WHERE run_id = ?",
                [run_id]) or [(None,)])[0][0]
            self.header.value = (f"<h4 style='margin:4px 0'>{esc(run_id)}</h4>" + kv_table([
                ("task", r["task"]), ("system", r["system"]), ("outcome", TAKEN_OUTCOME if taken is not None else r["outcome"]),
                ("taken as failed", taken), ("reported by the system", r["reported_outcome"]),
                ("outcome from", r["outcome_source"]), ("detail", r["outcome_detail"]),
                ("labelled culprit", self._labelled_culprit(labelled)), ("steps", r["n_steps"])]
                + ([] if listed else [("in the list", "no: the filters above leave it out")])))
        self.steps = plots.timeline_data(self.ws, run_id)
        total = int(self.steps["moves"].iat[0]) if len(self.steps) else 0
        # the run's duration, tokens and cost first, as a Phoenix or Langfuse trace's header gives them: the header
        # said how many steps, not how long the run took nor what it cost
        totals = _totals(fetch_df(self.ws.con, _sql("run_totals"), {"run_id": run_id}))
        if totals:
            self.header.value += kv_table([("run\u00a0totals", totals)])
        spent = _time_per_agent(self.steps)
        if spent:
            # (the key kept on one line: beside a long value it wrapped to "time per / agent")
            self.header.value += kv_table([("time\u00a0per\u00a0agent", spent)])
        if total > len(self.steps):   # a long run: the chart takes the first moves only
            self.header.value += kv_table([("moves shown", f"the first {len(self.steps):,} of {total:,} "
                                                           "(timeline and step list)")])
        values, facts = plots.stored_attribution(self.ws, run_id)
        decisive = facts["decisive_step"] if facts else None
        # a step with no name (native logs may leave it out) shows no empty "· ·" between kind and flag
        # the flag right after the number: at the end, after a long agent and span name, the closed box cut it
        # to "⚑ repeated_rep…"
        # a step that raised is marked as Phoenix and Langfuse mark an error span: a real LangChain trace's tool
        # that raised "503 from quotes.internal" read like any other step, the panel open on the run's first
        erred = plots.raised(self.steps)   # (the timeline's red ✕ reads the same)
        options = [(label(_step_marks(s, bad) + " · ".join(p for p in (_or(s.agent, "—"), s.kind, _or(s.name, ""))
                                                         if p)), s.step_id)
                   for s, bad in zip(self.steps.itertuples(), erred, strict=True)]
        self.step.options = options
        first = self.steps.loc[self.steps["flagged"], "step_id"]
        raised = self.steps.loc[erred, "step_id"]
        # the decisive step, else the labelled culprit's step (the known answer the header names: a detector's
        # flag on the task's first turn opened t000 while the header said t001), else the first flagged
        known = set(self.steps["step_id"])
        at_label = next((st for _, st, *_ in labelled if st in known), None)
        pick = decisive if decisive in known else at_label if at_label is not None else \
            first.iat[0] if len(first) else raised.iat[0] if len(raised) else None
        self.step.value = pick if pick is not None else (options[0][1] if options else None)
        if self.step_id == self.step.value and self.step_id is not None:
            # the same step id in the new run (s0 … of native logs, the demo's s0000): no change event, and
            # the panel kept the previous run's step
            self.select_step(self.step.value)
        # the finding that explains the failure best first (a silent failure before a recovered retry)
        hits = fetch_df(
            self.ws.con, "SELECT f.step_id, f.agent, f.detector, f.severity, f.detail FROM findings f "
            "LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id WHERE f.run_id = ? "
            f"ORDER BY {WORST_FIRST}", [run_id])
        self.findings.value = _findings_table(hits, max_rows=30)
        outcome = r["outcome"] if r is not None else None
        if outcome == "success" and "silent_failure" in set(hits["detector"]):
            outcome = "silent_failure"   # reported success, but the detectors say it failed
        self.latency_ms["run_text"] = (time.perf_counter() - t0) * 1000
        # The timeline before the attribution: the log-only verdict of a failed run costs ~0.6 CPU s (more on a
        # loaded machine), and the run's moves waited behind it with the previous run's verdict beside them.
        # the run before's blame chart goes with its verdict: left up while this run scored, it stood under this
        # run's header (ux33 saw "pricer 100 %" beside a run whose replay and label name the retriever)
        self.blame_box.children = ()
        self._verdict_step, self.goto_step.layout.display = None, "none"
        self.verdict.value = "<i>Attribution of this run: scoring…</i>"
        lanes, signals = plots.timeline_parts(self.steps, plots.handoff_data(self.ws, run_id), decisive_step=decisive,
                                              title=run_id, width="container")
        self.timeline.chart = lanes
        if signals is not None:
            self.signals.chart = signals
        self.signals_box.children = () if signals is None else (self.signals,)
        self.timeline.selections.observe(self._on_pick, names=["step"])
        self.latency_ms["timeline"] = (time.perf_counter() - t0) * 1000
        loop = _running_loop() if auto else None
        if loop is not None:
            token = self._pending = object()
            loop.call_soon(self._deferred, token, values, facts, outcome)
            return
        self._show_attribution(values, facts, outcome)
        self.latency_ms["run"] = (time.perf_counter() - t0) * 1000

    def _deferred(self, token: object, values: pd.DataFrame, facts: dict | None, outcome: str | None) -> None:
        """The attribution of a run the list picked, once the cell (or the event) that showed it is over, unless
        another run was shown since."""
        if self._pending is token:
            self._pending = None
            self._show_attribution(values, facts, outcome)

    def _held(self) -> str:
        """What the store holds, by outcome as the filter counts them (silent failures as failed or not): notebook 01
        opened its explorer on failed runs, and on real traces of no failed run it read "No run matches these
        filters" over an empty timeline, nothing saying that two runs of unknown outcome were there."""
        counts = {o: count_runs(self.ws, RunFilter(outcome=o, silent=self.filter.silent))
                  for o in ("failure", "success", "unknown")}
        words = {"failure": "failed", "success": "successful", "unknown": "of unknown outcome"}
        held = ", ".join(f"{n:,} {words[o]}" for o, n in counts.items() if n)
        return (f"the store holds {counted(sum(counts.values()), 'run')} ({held}). Set the filters back to "
                f"{esc(ANY)} to list them.")

    @staticmethod
    def _labelled_culprit(rows: list[tuple]) -> str | None:
        """Who the labels (agent, step_id, kind, source, detail) say caused the failure (Who&When's mistake agent
        and step, a reviewer's ``ws.label``), beside the verdicts: the known answer an SRE compares them with."""
        said = []
        for agent, step, kind, source, detail in rows:
            why = ", ".join(str(v) for v in (kind, source) if v)
            said.append(" ".join(p for p in (agent or "(no agent)", f"at step {step}" if step else "",
                                             f"({why})" if why else "") if p)
                        + (f": {detail}" if detail else ""))
        return "; ".join(said) or None

    def _on_pick(self, change: Any) -> None:
        sel = change["new"]
        value = getattr(sel, "value", None) or []
        if value and "step_id" in value[0]:
            self.select_step(value[0]["step_id"])

    def _on_step(self, change: Any) -> None:
        self.select_step(change["new"])

    def select_step(self, step_id: str | None) -> None:
        """Show ``step_id``'s details (input, output, error, attributes, state)."""
        self.step_id = step_id
        if step_id is None or self.run_id is None:
            self.detail.value = ""
            return
        if self.step.value != step_id and step_id in [o[1] for o in self.step.options]:
            self.step.value = step_id  # calls back here once with the same id
            return
        row = fetch_df(
            self.ws.con, "SELECT * FROM steps WHERE run_id = ? AND step_id = ?",
            [self.run_id, step_id])
        if row.empty:
            self.detail.value = f"<i>no step {esc(step_id)}</i>"
            return
        s = row.iloc[0]
        facts = kv_table([("step", s["step_id"]), ("agent", s["agent"]), ("kind", s["kind"]), ("name", s["name"]),
                          ("tool", s["tool"]), ("model", s["model"]), ("status", s["status"]),
                          ("latency ms", None if pd.isna(s["latency_ms"]) else f"{s['latency_ms']:,.0f}"),
                          ("tokens in/out", f"{s['tokens_in']}/{s['tokens_out']}" if pd.notna(s["tokens_in"]) else None),
                          ("confidence", None if pd.isna(s["confidence"]) else f"{s['confidence']:.3f}"),
                          ("entropy", None if pd.isna(s["entropy"]) else f"{s['entropy']:.3f}")])
        parts = [facts, *self._text_panels(s)]
        if pd.notna(s["error"]) and s["error"]:
            parts += ["<div><b>error</b></div>", pre(s["error"])]
        if isinstance(s["attributes"], str) and s["attributes"] not in ("", "null"):
            parts += ["<div><b>attributes</b></div>", pre(_json_or_text(s["attributes"]))]
        if self.snapshot is not None:
            try:
                state = self.snapshot(self.run_id, step_id)
            except Exception as exc:  # a system that cannot tell costs only this panel
                state = f"(no snapshot: {type(exc).__name__}: {exc})"
            parts += ["<div><b>state before this step</b></div>", state_table(state)]
        self.detail.value = "".join(parts)

    def _text_panels(self, s: pd.Series) -> list[str]:
        """The step's input and output; for a step that carries neither (Semantic Kernel's ``chat`` spans:
        the turn's text is on the ``invoke_agent`` span around them), those of the nearest enclosing step
        that carries some, named as such."""
        if _has_text(s["input"]) or _has_text(s["output"]):
            return ["<div><b>input</b></div>", pre(readable(s["input"])), "<div><b>output</b></div>",
                    pre(readable(s["output"]))]
        parent, seen = s["parent_id"], {s["step_id"]}
        while isinstance(parent, str) and parent not in seen and len(seen) < 512:
            seen.add(parent)
            rows = fetch(
                self.ws.con, "SELECT step_id, parent_id, name, agent, input, output FROM steps "
                "WHERE run_id = ? AND step_id = ?", [self.run_id, parent])
            if not rows:
                break
            step_id, parent, name, agent, text_in, text_out = rows[0]
            if _has_text(text_in) or _has_text(text_out):
                whose = f"the enclosing step {esc(name or step_id)}" + (f" ({esc(agent)})" if agent else "")
                return [f"<div><i>This step carries no text; {whose} holds this turn's:</i></div>",
                        "<div><b>input</b></div>", pre(readable(text_in)), "<div><b>output</b></div>",
                        pre(readable(text_out))]
        return ["<div><b>input</b></div>", pre(None), "<div><b>output</b></div>", pre(None)]

    # -- attribution ----------------------------------------------------------------------------
    def _show_attribution(self, values: pd.DataFrame, facts: dict | None, outcome: str | None = None) -> None:
        lines = []
        named: Any = facts["decisive_step"] if facts is not None else None   # the verdict's step (the model's below)
        if facts is not None:
            share = "shared with another agent, " if facts["ambiguous"] else ""
            who = esc(facts["culprit"]) if facts["culprit"] else "no single agent"
            step = f" at step <b>{esc(facts['decisive_step'])}</b>" if facts["decisive_step"] else ""
            lines.append(f"Replay verdict ({esc(facts['method'])}): <b>{who}</b>{step} — {share}"
                         f"confidence {facts['confidence']:.0%}.")
        elif self.run_id is not None and outcome == "success":
            # "pass replay=" beside a run that did not fail sent the reader after a replay with nothing to find
            lines.append("<span class='wb-nothing-to-attribute'><b>Nothing to attribute</b>: this run succeeded "
                         "and no detector found a silent failure in it, so no agent caused a failure.</span>")
        elif self.run_id is not None and outcome not in ("failure", "silent_failure") and self.replay is None:
            lines.append("<span class='wb-nothing-to-attribute'><b>Nothing to attribute</b>: the logs do not say "
                         "this run failed (its outcome is unknown), so there is no failure to trace to an agent. If it did fail, "
                         f"label it: <code>ws.label({esc(repr(self.run_id))}, outcome='failure')</code>.</span>")
        elif self.run_id is not None:
            lines.append("No replay attribution stored for this run. "
                         + ("Compute it below (replays the run with agents repaired"
                            + ("; the replay as recorded tells whether it fails: its outcome is unknown"
                               if outcome not in ("failure", "silent_failure") else "") + ")."
                            if self.replay is not None
                            else "Replay needs a re-runnable system: pass <code>replay=</code>."))
        live_culprit: str | None = None
        model, log_only = self.blame_model, ""
        if model is None and self._default_model and facts is None and outcome in ("failure", "silent_failure"):
            # nothing better given: the shipped log-only verdict, as `workbench investigate` stores it
            from ..attribution import BlameModel

            if self._pretrained is None:
                self._pretrained = BlameModel.pretrained()
            model = self._pretrained
            log_only = " (pretrained, log-only: no replay)"
        if model is not None and self.run_id is not None and outcome == "success":
            # the model ranks a run's moves whatever its outcome; a culprit of a success misleads
            lines.append("Log-only BlameModel: the run succeeded, so it names no culprit.")
        elif model is not None and self.run_id is not None:
            try:
                from ..attribution import logonly_verdicts

                # as investigate stores it: the model's guess with the run's own evidence weighed in
                # kept under the model itself (held, so `is` cannot meet a new model at a freed id), its
                # attributes (a refit or set_params changes them in place) and the run's content
                key = self._run_content(self.run_id)
                state = _model_state(model)
                kept = self._verdicts.get(self.run_id)
                if kept is not None and kept[0] is model and kept[1] == key and _same_state(kept[3], state):
                    p = kept[2]
                else:
                    p = logonly_verdicts(self.ws, [self.run_id], model=model)
                    self._verdicts[self.run_id] = (model, key, p, state)
                if len(p):
                    q = p.iloc[0]
                    named = named if named is not None else q["step_id"]
                    head = {"failure": "Log-only BlameModel",
                            "silent_failure": "Log-only BlameModel, for the silent failure the detectors found"
                            }.get(outcome, "Log-only BlameModel, should this run have failed (its logs do not say)")
                    head += log_only
                    later = self._where_not_shown(q["step_id"])
                    if _or(q["agent"], ""):
                        live_culprit = str(q["agent"])
                        unsure = ", uncertain" if _true(q["uncertain"]) else ""
                        if _true(q.get("unfamiliar", False)):
                            # the model learned on runs unlike this one: its confidence says nothing here
                            unsure += (f"{', ' if not unsure else ': '}a run unlike the model's training runs "
                                       f"(familiarity {float(q['familiarity']):.2f})")
                        if bool(q.get("only_agent", False)):
                            # one agent: no choice between agents to be sure of; the step is the question. In
                            # a run of several agents the others only ran tools or held others' steps, and
                            # the model weighs only agents that talk (as investigate's table says)
                            several = fetch(self.ws.con, "SELECT count(DISTINCT agent) > 1 FROM steps "
                                            "WHERE run_id = ? AND agent IS NOT NULL", [self.run_id])[0][0]
                            only = "only agent that talks" if several else "only agent"
                            lines.append(f"{head}: <b>{esc(q['agent'])}</b>, the run's {only} (no choice "
                                         f"between agents), at step <b>{esc(q['step_id'])}</b> (the step's share "
                                         f"{q['step_confidence']:.0%}{unsure}{later}).")
                        else:
                            # a user's own model may give no confidence: then none is printed ("nan%")
                            share = _share(q["agent_confidence"])
                            said = ", ".join(p for p in (f"agent share {share}" if share else "", unsure[2:],
                                                         later[2:]) if p)
                            lines.append(f"{head}: <b>{esc(q['agent'])}</b> at step <b>{esc(q['step_id'])}</b>"
                                         + (f" ({said})." if said else "."))
                            if _or(q["why"], ""):
                                alone = _model_alone(q, getattr(model, "uncertain_below", 0.5))
                                lines.append(f"Evidence in the log ({esc(q['evidence'])}): {esc(q['why'])}{alone}.")
                        if _true(q["uncertain"]):
                            # (a coin toss read like a verdict: "Stock Clerk at step …", the doubt one word in
                            # brackets after a share)
                            lines.append("<span class='wb-uncertain'><b>Uncertain</b>: not sure enough to act on "
                                         "alone. Read the findings and the steps it names before blaming an "
                                         "agent.</span>")
                    else:   # a trace with no agent span (a bare LLM call, a LlamaIndex query): the step only
                        lines.append(f"{head}: step <b>{esc(q['step_id'])}</b> (the log names no agent{later}).")
            except Exception as exc:  # a model that cannot score this run says so, the rest stays
                lines.append(f"Log-only BlameModel: cannot score this run ({esc(type(exc).__name__)}: {esc(exc)}).")
        if facts is None and self.run_id is not None:
            lines += self._lineage_lines(live_culprit)
        self.verdict.value = "<br>".join(lines)
        self._offer_step(named)
        if facts is not None and len(values):
            # as wide as its half, its "…" menu over the corner: 420 px with its names and the menu beside it held
            # 515 px in the 484 of a 1400 px window's half (notebook 01 showing its replayed incident)
            chart = plots.blame_bars(values, title="Blame per agent (Shapley, with intervals)")
            if self._chart_blame is None:
                self._chart_blame = fit_output(plots.widget(chart))
            else:
                self._chart_blame.chart = chart
            self.blame_box.children = (self._chart_blame,)
        else:
            self.blame_box.children = ()
        self.compute.disabled = self.replay is None or self.run_id is None
        # a run with nothing to attribute shows no button inviting a replay; nor does an explorer without
        # replay=: its button could never do anything (the verdict above says to pass replay=)
        nothing = facts is None and outcome == "success"
        self.compute.layout.display = "none" if self.run_id is None or self.replay is None or nothing else None

    def _offer_step(self, step_id: Any) -> None:
        """The "Show step …" button under the verdict, for the step it names (or the move a scope step it names
        is drawn on); hidden when the step list holds neither."""
        shown = dict((v, t) for t, v in self.step.options)
        target = step_id if isinstance(step_id, str) and step_id in shown else None
        if target is None and isinstance(step_id, str) and self.run_id is not None:
            under = fetch(self.ws.con, _sql("move_under"), {"run_id": self.run_id, "step_id": step_id})
            target = under[0][0] if under and under[0][0] in shown else None
        self._verdict_step = target
        if target is None:
            self.goto_step.layout.display = "none"
            return
        self.goto_step.description = label("Show step " + " ".join(shown[target].split()))
        self.goto_step.tooltip = f"the step the verdict names ({target}) in the step panel"
        self.goto_step.layout.display = None

    def _where_not_shown(self, step_id: Any) -> str:
        """Where a verdict's step is when the timeline and step list do not hold it: a scope span around a move
        (said "after the moves shown" of DSPy's ChatAdapter call around move 16, in a run shown whole), or past the
        first moves a long run shows."""
        shown = set(self.steps["step_id"]) if "step_id" in self.steps else set()
        if not isinstance(step_id, str) or not shown or step_id in shown:
            return ""
        under = fetch(self.ws.con, _sql("move_under"), {"run_id": self.run_id, "step_id": step_id})
        if under and under[0][0] in shown:
            return f", the span around move {under[0][1]}"
        total = int(self.steps["moves"].iat[0])
        return ", after the moves shown" if total > len(shown) else ""

    def _run_content(self, run_id: str) -> tuple:
        """What the log-only verdict of ``run_id`` is computed from (its run row, steps, edges, findings), hashed:
        the key under which the verdict is kept (a change to any of them scores the run again)."""
        return tuple(fetch(
            self.ws.con, "SELECT (SELECT hash(list_sort(list(r::VARCHAR))) FROM runs r WHERE r.run_id = $1), "
            "(SELECT hash(list_sort(list(s::VARCHAR))) FROM steps s WHERE s.run_id = $1), "
            "(SELECT hash(list_sort(list(e::VARCHAR))) FROM edges e WHERE e.run_id = $1), "
            "(SELECT hash(list_sort(list(f::VARCHAR))) FROM findings f WHERE f.run_id = $1)", [run_id])[0])

    def _lineage_lines(self, live_culprit: str | None) -> list[str]:
        """Where a log-only culprit (the stored verdict the run list shows, or the model's above) is not
        the agent the run's silent_failure finding traces the wrong answer to: both named, as
        ``workbench investigate`` does. A replay verdict is evidence itself: then nothing is said."""
        stored = lineage_disagreements(self.ws, self.run_id)
        seen: list[tuple[str, bool, str, str | None, str]] = [
            (culprit, uncertain, agent, step, "the stored log-only verdict")
            for _, culprit, uncertain, agent, step, _ in stored]
        if live_culprit is not None:
            stater = first_stater(self.ws, self.run_id)
            if stater is not None and stater[0] != live_culprit and live_culprit not in [c for c, *_ in seen]:
                seen.append((live_culprit, False, stater[0], stater[1], "the log-only BlameModel"))
        out = []
        for culprit, uncertain, agent, step, source in seen:
            where = f" at step <b>{esc(step)}</b>" if step else ""
            out.append(f"<span class='wb-lineage-note'><b>Look at both agents:</b> {source} names "
                       f"<b>{esc(culprit)}</b>{' (uncertain)' if uncertain else ''}, but the silent_failure "
                       f"finding traces the wrong answer to <b>{esc(agent)}</b>, who first stated its value"
                       f"{where}. The finding follows the value the answer rests on; the model weighs the "
                       "whole log.</span>")
        return out

    def compute_attribution(self) -> Any:
        """Attribute the shown run by replay (Shapley over agents + decisive step), store it, show it."""
        from ..attribution import attribute

        if self.replay is None or self.run_id is None:
            raise ValueError("compute_attribution needs a run and IncidentExplorer(ws, replay=...)")
        n_agents = int(self.steps["agent"].nunique()) if len(self.steps) else 1
        self.progress.max = 2 ** n_agents + max(1, math.ceil(math.log2(max(2, len(self.steps))))) + 2
        self.progress.value = 0
        self.progress.layout.visibility = "visible"
        replay = self.replay

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.progress.value = min(self.progress.max, self.progress.value + 1)
            return replay(*args, **kwargs)

        self.compute.disabled = True
        try:
            res = attribute(self.ws, self.run_id, counted)
        except Exception as exc:
            # Said in the view, above what it said before: raised from the button's callback, the error went to
            # JupyterLab's log console alone, and the view still offered "Compute it below" as if nothing was
            # tried. (Raised still, for a call from code.) The message may quote the replay's text: escaped.
            self.verdict.value = (f"<div class='wb-compute-failed'><b>The attribution could not be computed</b> "
                                  f"(nothing was stored): {esc(type(exc).__name__)}: {esc(exc)}</div>"
                                  + self.verdict.value)
            raise
        finally:
            self.progress.value = self.progress.max
            self.compute.disabled = False
        run_id = self.run_id
        self._refresh(count=True)   # the list shows the new culprit (and a culprit filter may now match)
        self.show_run(run_id)
        return res


def _model_alone(q: Any, uncertain_below: float) -> str:
    """What the model alone said of a run whose log holds evidence (logonly_verdicts' row ``q``): nothing when
    it named the verdict's agent; its agent and how sure when the evidence outweighed it ("the model alone: Stock
    Clerk" read as a second opinion, where the model was at 50 %, a coin toss); the evidence's agent when the model
    kept its own pick over it."""
    mine, said = _or(q.get("model_agent"), ""), _or(q.get("disagrees"), "")
    if mine == _or(q["agent"], ""):
        if said and said != mine:   # the model surer of its own agent than the evidence of another
            return f" (it names {esc(said)}; the model is surer of {esc(mine)}: look at both)"
        return ""
    conf = q.get("model_confidence")
    share = _share(conf)
    unsure = ", uncertain" if share and float(conf) < uncertain_below else ""
    how = f", {share}{unsure}" if share else ""
    return f" (the model alone: {esc(_or(mine, 'no agent'))}{how}; the evidence outweighs it)"


def _opened_words(opened: dict[str, Any]) -> str:
    """Why the explorer opened on a run (RunPager.to_open's row), in a line above its header."""
    if opened["why"] == "failed":
        silent = ", a silent failure (reported success)" if isinstance(opened["taken_why"], str) else ""
        why = f"the most recent failed run of those listed{silent}"
    elif opened["why"] == "finding":
        at = f", at step {esc(opened['step_id'])}" if isinstance(opened["step_id"], str) else ""
        why = (f"the run with the most serious finding ({esc(opened['detector'])}, {esc(opened['severity'])}{at}): "
               "no run listed is known to have failed")
    else:
        why = "the newest run: no run listed failed or has a finding"
    return (f"<div class='wb-opened-note'><b>Opened on</b> {why}. Pick another run in the list above.</div>")


def _step_marks(s: Any, erred: bool) -> str:
    """A step list line's start: its number, then what marks it (the flag right after the number: at the end,
    after a long agent and span name, the closed box cut it to "⚑ repeated_rep…")."""
    marks = " ".join(m for m in ("✖ error" if erred else "", f"⚑ {s.detectors}" if s.detectors else "") if m)
    return f"{s.seq:>3} {marks} · " if marks else f"{s.seq:>3} · "


def _time_per_agent(steps: pd.DataFrame) -> str | None:
    """Each agent's moves' summed latency, the longest first ("writer 2.1 s (2 steps) · …"): what a trace view's
    span durations tell at a glance. None when no move carries a latency."""
    timed = steps.dropna(subset=["latency_ms"]) if "latency_ms" in steps else steps.iloc[:0]
    if timed.empty:
        return None
    per = (timed.assign(agent=timed["agent"].map(lambda a: _or(a, "(no agent)")))   # ("— 6.0 s" read as nothing)
           .groupby("agent")["latency_ms"].agg(["sum", "size"]).sort_values(["sum"], ascending=False))
    # each agent's part kept on one line (the row wraps between agents, not in "(2 / steps)")
    return " · ".join(f"{agent} {_seconds(ms)} ({counted(int(n), 'step')})".replace(" ", "\u00a0")
                      for agent, (ms, n) in per.iterrows())


def _totals(row: pd.DataFrame) -> str | None:
    """A run's duration, tokens and cost in a line ("1.3 s · 220 tokens in, 60 out · $0.0050"), from
    ``sql/run_totals.sql``; what the run does not record is left out, None when it records none of them."""
    if row.empty:
        return None
    r = row.iloc[0]
    parts = [] if pd.isna(r["duration_ms"]) else [_seconds(float(r["duration_ms"]))]
    if pd.notna(r["tokens_in"]) or pd.notna(r["tokens_out"]):
        tin, tout = (f"{int(v):,}" if pd.notna(v) else "?" for v in (r["tokens_in"], r["tokens_out"]))
        parts.append(f"{tin} tokens in, {tout} out")
    if pd.notna(r["cost"]):
        parts.append(f"${float(r['cost']):,.4f}" if float(r["cost"]) < 1 else f"${float(r['cost']):,.2f}")
    return " · ".join(p.replace(" ", "\u00a0") for p in parts) or None


def _seconds(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.1f} s"


def _model_state(model: Any) -> tuple:
    """The model's attributes (parameters and fitted state), the objects themselves: ``set_params`` or a
    ``fit`` in place replaces one, and the kept verdict was the old model's. (Held, so no id is reused.)"""
    return tuple(getattr(model, "__dict__", {}).items())


def _same_state(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(ka == kb and va is vb for (ka, va), (kb, vb) in zip(a, b, strict=True))


def _findings_table(hits: pd.DataFrame, max_rows: int) -> str:
    """A run's findings for half the explorer's width: step, agent, detector and severity on one row, the
    detail on a row of its own beneath, as wide as the table. (As a fifth column the detail was squeezed
    to a few words a line, or, holding a span id or tool name, pushed the table past the explorer's edge.)
    Findings of one detector, severity and detail at ``_SAME_FINDINGS`` steps or more are one row naming how many
    steps, the steps a click away: a real LangGraph run's 21 cascade infos, each "built on <step> (researcher)",
    took ~1,500 px of the explorer to say one thing."""
    if hits.empty:
        return "<i>(none)</i>"
    head = "".join(f"<th style='text-align:left'>{c}</th>" for c in ("step", "agent", "detector", "severity"))
    groups: dict[tuple, list[Any]] = {}
    found = list(hits.itertuples(index=False))
    for h in found:
        groups.setdefault((h.detector, h.severity, h.detail), []).append(h)
    shown, done = [], set()
    for h in found:     # in the order given (the worst first), a large group where its first member is
        key = (h.detector, h.severity, h.detail)
        if len(groups[key]) < _SAME_FINDINGS:
            shown.append([h])
        elif key not in done:
            shown.append(groups[key])
            done.add(key)
    rows = []
    for hs in shown[:max_rows]:
        h = hs[0]
        if len(hs) == 1:
            cells = "".join(_word_cell(v) for v in (h.step_id, h.agent, h.detector, h.severity))
            detail = esc(h.detail)
        else:
            agents = list(dict.fromkeys(str(x.agent) for x in hs if pd.notna(x.agent)))
            cells = (f"<td class='wb-word'>{len(hs):,} steps</td>" + _word_cell(", ".join(agents))
                     + "".join(_word_cell(v) for v in (h.detector, h.severity)))
            steps = ", ".join(esc(x.step_id) for x in hs)
            detail = f"{esc(h.detail)}<details><summary>the {len(hs):,} steps</summary>{steps}</details>"
        rows.append(f"<tr class='wb-finding'>{cells}</tr><tr class='wb-finding-detail'><td colspan='4'>{detail}</td></tr>")
    more = (f"<div><i>the first {max_rows} of {len(shown):,} findings</i></div>" if len(shown) > max_rows else "")
    return f"<table class='wb-table wb-findings-table'><thead><tr>{head}</tr></thead>{''.join(rows)}</table>{more}"


# Findings alike (detector, severity, detail) at this many steps or more: one row.
_SAME_FINDINGS = 3


def _word_cell(value: Any) -> str:
    """A findings cell that keeps its words whole ("retrieve|r", "silent_failu|re" on a narrow half), unless one
    is longer than a state table's word (a 32-hex step id breaks anywhere, so the table fits its half)."""
    text = esc(value)
    whole = max((len(word) for word in str(value if value is not None else "").split()), default=0) <= WORD_CHARS
    return f"<td class='wb-word'>{text}</td>" if whole else f"<td>{text}</td>"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this code (an IPython kernel's, during a cell or a widget event), or None (a script)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _share(value: Any) -> str:
    """A confidence as "62%", or "" when there is none (NaN, None, not a number)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{v:.0%}" if math.isfinite(v) else ""


def _true(value: Any) -> bool:
    """A flag that is set (not False, not missing: pandas' NA has no truth value)."""
    return value is not None and value is not pd.NA and not (isinstance(value, float) and math.isnan(value)) \
        and bool(value)


def _or(value: Any, default: str) -> str:
    # A step with no agent or name reads back as NaN beside steps that have one (pandas 3): not "nan"
    return default if value is None or (isinstance(value, float) and math.isnan(value)) or value == "" else str(value)


def _json_or_text(value: Any) -> str:
    """A JSON attributes value indented, its strings with their line breaks as line breaks (``json.dumps`` kept
    them as ``\\n``: a stack trace or a prompt read as one line), a string's further lines one step
    deeper than its key. Anything else as it is."""
    try:
        doc = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    return _pretty(doc, 0)


def _pretty(v: Any, depth: int) -> str:
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(v, dict) and v:
        items = [f"{inner}{_string(str(k), depth + 1)}: {_pretty(x, depth + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(v, list) and v:
        return "[\n" + ",\n".join(f"{inner}{_pretty(x, depth + 1)}" for x in v) + f"\n{pad}]"
    if isinstance(v, str):
        return _string(v, depth)
    return json.dumps(v, ensure_ascii=False)


def _string(s: str, depth: int) -> str:
    # each line escaped as JSON would (quotes, tabs, other controls), joined by real line breaks
    lines = [json.dumps(line, ensure_ascii=False)[1:-1] for line in s.replace("\r\n", "\n").split("\n")]
    return '"' + ("\n" + " " * (depth + 1)).join(lines) + '"'

