"""IncidentExplorer: find a run, see its timeline, inspect a step, read or compute its attribution."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import plots
from ..plots._data import MAX_STEPS
from ..plots._render import unchecked
from ._explorer_args import check_arguments
from ._explorer_list import ANY, RunListing, _options
from ._explorer_run import RunShown
from ._explorer_text import _model_alone, _opened_words  # noqa: F401  (tests read them here)
from ._explorer_verdict import RunVerdict, kept_verdicts
from ._html import STYLE
from ._layout import control_row, fit_output
from ._runs import RunFilter, RunPager, choices
from ._status import building

if TYPE_CHECKING:
    from ..workspace import Workspace

__all__ = ["ANY", "FILTER_MIN_WIDTH", "HALVES_MIN_PX", "IncidentExplorer"]

# A filter dropdown's narrowest: its label ("detector") and a box still showing "(any)" or "failure".
FILTER_MIN_WIDTH = "140px"
# The narrowest output that shows the step and the attribution side by side (each half 450 px or more: a state
# table's value column, a finding's agent and detector on one line).
HALVES_MIN_PX = 900


_NO_RUN: list[Any] = []


def _no_run_chart() -> Any:
    """The empty "(no run)" timeline both charts of an explorer are made with (the run it opens on is drawn over
    it at once; a store with no run, or filters matching none, keep it). Built and turned into its spec once per
    process: building it and its spec twice was ~0.1 CPU s of every explorer's ~0.4 (without a verdict), for a
    chart no one sees when a run is shown. Each widget is given a copy of the spec (a widget's spec is its own)."""
    if not _NO_RUN:
        lanes, _ = plots.timeline_parts(
            pd.DataFrame(
                columns=["step_id", "agent", "kind", "started_at", "ended_at", "flagged", "built_on_fault"]
            ),
            title="(no run)",
            width="container",
        )
        _NO_RUN.append(unchecked(lanes, frozen=True))
    return _NO_RUN[0]


class IncidentExplorer(RunListing, RunShown, RunVerdict, w.VBox):
    """Browse a workspace's runs and investigate one: filterable run list paged in DuckDB, the
    run's timeline (click a move to inspect it), the selected step's input, output, error and
    state, the run's findings, and its attribution (computed on demand when ``replay`` is given).

    Constructing it seeks the first page (a top-N in DuckDB), counts the matching runs after the
    page is listed, and draws the most recent failed run (else the one with the most serious finding, else the
    newest), saying why, so it is cheap to display on a store of any size. A filter change opens by the same rule.

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
    max_moves : int
        The moves a run's timeline and step list show: 2,000 by default, a few px each across an output, drawn in
        ~0.15 CPU s. More are drawn (zoom into the timeline with shift + scroll), at a cost in the kernel and the
        browser that grows with them. A run of more moves is shown in stretches: around the decisive step (a
        replay's, else the log-only verdict's), a labelled step, the step picked, the first error, the flagged
        moves and the run's end, then its first moves; the header says which, the timeline shades the stretches
        left out and the step list has a "⋯ N moves not shown" line for each: picking it (or ``select_step`` of a
        move left out) moves the stretches shown to it.
    filters : dict, optional
        Initial filters (outcome, system, detector, culprit, since, until, silent). ``silent`` (default
        True): silent failures are listed as failures marked "(silent)" and the outcome filter counts them as
        failed, as ``workbench investigate`` does; False (or the "silent failures count as failed" box
        unticked): the labelled/declared outcome only.

    Raises
    ------
    InvalidParameterError
        An argument it cannot use (an unknown ``blame_model`` name, an unknown filter, a bad filter value, a
        ``page_size`` or ``max_moves`` below 1), named with its value, before any work.
    """

    def __init__(
        self,
        ws: Workspace,
        replay: Callable | None = None,
        blame_model: Any = "pretrained",
        snapshot: Callable[[str, str], Any] | None = None,
        page_size: int = 12,
        filters: dict[str, Any] | None = None,
        max_moves: int = MAX_STEPS,
    ) -> None:
        # checked before any work (a bad argument raised from half-way through left a half-made widget)
        self._pager: RunPager | None = None
        run_filter = check_arguments(ws, replay, blame_model, snapshot, page_size, filters, max_moves)
        self.max_moves = int(max_moves)
        # (3 s wall on a real store of 73 runs at a busy machine's load, the cell blank all that time)
        with building("Incident explorer: listing the runs and drawing the one to open on…"):
            self._build(ws, replay, blame_model, snapshot, int(page_size), run_filter)

    def _build(
        self,
        ws: Workspace,
        replay: Callable | None,
        blame_model: Any,
        snapshot: Callable[[str, str], Any] | None,
        page_size: int,
        run_filter: RunFilter,
    ) -> None:
        # "pretrained": the shipped model, loaded on the first run it is needed for (no replay verdict stored)
        self._default_model = isinstance(blame_model, str) and blame_model == "pretrained"
        self.ws, self.replay, self.snapshot = ws, replay, snapshot
        self.blame_model: Any = None if self._default_model else blame_model
        # the log-only verdict per run (~0.3-0.6 CPU s a failed run with the pretrained model), kept for the store's life
        # under the run's content and the model (a run re-ingested, given new findings, or scored by a changed
        # model is scored again), shared by every explorer of the store: a cell run again, or the next view,
        # scored the same run again
        self._verdicts = kept_verdicts(ws)
        self._pending: object | None = None  # the deferred attribution of the run the list picked (see _show)
        self.page_size = page_size
        self.filter = run_filter
        self.page = 0
        self.total = 0
        self.page_rows = pd.DataFrame()
        self.run_id: str | None = None
        self.step_id: str | None = None
        self._step_quiet = False  # (the run shown sets the step list: _show makes the step panel once)
        self.steps = pd.DataFrame()
        self._no_moves()
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

        self.outcome = w.Dropdown(
            description="outcome",
            options=_options(["failure", "success", "unknown"]),
            value=self.filter.outcome or "",
            layout=lay(),
            style=short,
        )
        self.system = w.Dropdown(
            description="system", options=_options(opts["system"]), layout=lay(), style=short
        )
        self.detector = w.Dropdown(
            description="detector", options=_options(opts["detector"]), layout=lay(), style=short
        )
        self.culprit = w.Dropdown(
            description="culprit", options=_options(opts["culprit"]), layout=lay(), style=short
        )
        self.since = w.DatePicker(
            description="from", layout=w.Layout(width="170px", flex="0 0 auto"), style=short
        )
        self.until = w.DatePicker(
            description="to", layout=w.Layout(width="160px", flex="0 0 auto"), style=short
        )
        self.silent = w.Checkbox(
            value=self.filter.silent,
            description="silent failures count as failed",
            indent=False,
            layout=w.Layout(width="auto"),
            tooltip="ticked: as workbench investigate counts; unticked: labelled/declared outcomes",
        )
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
        lanes = _no_run_chart()
        self.timeline = fit_output(plots.widget(lanes, validate=False))
        # confidence and entropy along the run, under the lanes (a chart of its own: Vega sizes only a single or
        # layered chart to its container); in the page only when a move carries either (a chart's layout.display
        # "none" is outranked by the views' "display:flex!important" on a chart with a menu: an empty frame showed)
        self.signals = fit_output(plots.widget(lanes, validate=False))
        # shift + scroll over the lanes zooms this chart too, a double-click resets both (two charts: one zoomed
        # alone, a confidence dip under the lanes' 00:02 sat under 00:04 of the run)
        self._zoom_link = plots.link_zoom(self.timeline, self.signals)
        self.signals_box = w.VBox()
        self.step = w.Dropdown(
            description="step",
            options=[],
            layout=w.Layout(width="calc(100% - 4px)"),
            style={"description_width": "initial"},
        )
        self.detail = w.HTML()
        self.findings = w.HTML()
        self.verdict = w.HTML()
        self.blame_box = w.VBox()
        # the step a verdict names, one click away: its id ("44540dd6f7f2d0f9") is not what the step list shows
        # ("11 · writer · tool · …"), and the panel opened on another step (ux35, real LangChain trace)
        self.goto_step = w.Button(
            description="Show the verdict's step",
            icon="crosshairs",
            layout=w.Layout(width="auto", max_width="100%", display="none"),
        )
        self.goto_step.add_class("wb-goto-step")
        self._verdict_step: str | None = None
        self.compute = w.Button(
            description="Compute attribution",
            icon="play",
            button_style="warning",
            disabled=replay is None,
            layout=w.Layout(width="190px", display="none" if replay is None else None),
            tooltip="replay the run with agents repaired (needs a re-runnable system)",
        )
        self.progress = w.IntProgress(
            value=0, min=0, max=1, description="replays", layout=w.Layout(visibility="hidden")
        )
        self._chart_blame: Any = None
        for d in (
            self.outcome,
            self.system,
            self.detector,
            self.culprit,
            self.since,
            self.until,
            self.silent,
        ):
            d.observe(self._on_filter, names="value")
        self.prev.on_click(lambda _: self.goto_page(self.page - 1))
        self.next.on_click(lambda _: self.goto_page(self.page + 1))
        self.runs.observe(self._on_run, names="value")
        self.step.observe(self._on_step, names="value")
        self.compute.on_click(lambda _: self.compute_attribution())
        self.goto_step.on_click(
            lambda _: self._verdict_step is not None and self.select_step(self._verdict_step)
        )
        filters_row = w.HBox(
            [self.outcome, self.system, self.detector, self.culprit, self.since, self.until],
            layout=w.Layout(flex_flow="row wrap", width="calc(100% - 4px)"),
        )
        filters_row.add_class("wb-filters")
        # (wraps on a narrow output: squeezed, "page 1 of 25 · 300 runs" read "page 1 of")
        pager = control_row([self.prev, self.next, self.page_label, self.silent])
        attribution = w.VBox(
            [
                w.HTML("<b>Attribution</b>"),
                self.verdict,
                self.goto_step,
                self.blame_box,
                w.HBox([self.compute, self.progress]),
            ]
        )
        # the step and the attribution side by side, half the output each, when the output is wider than
        # HALVES_MIN_PX; one under the other when not (chart_row's flex-basis switch): at a 1000 px window the
        # halves were 280 px, the input read a few words a line, "retrieve|r" broke in the findings, the state
        # table's value column one word wide
        half = f"1 1 calc(({HALVES_MIN_PX}px - 100%) * 999)"
        detail = w.VBox(
            [w.HTML("<b>Step</b>"), self.step, self.detail], layout=w.Layout(flex=half, min_width="0")
        )
        side = w.VBox(
            [attribution, w.HTML("<b>Findings of this run</b>"), self.findings],
            layout=w.Layout(flex=half, min_width="0"),
        )
        detail.add_class("wb-step-half")
        side.add_class("wb-attribution-half")
        super().__init__(
            [
                w.HTML(STYLE + "<b>Runs</b>"),
                filters_row,
                self.runs,
                pager,
                self.opened,
                self.header,
                self.timeline,
                self.signals_box,
                w.HBox([detail, side], layout=w.Layout(flex_flow="row wrap")),
            ]
        )
        self.add_class("wb-incident-explorer")
        for widget, name in (
            (self.runs, "wb-run-list"),
            (self.header, "wb-run-header"),
            (self.detail, "wb-step-detail"),
            (self.timeline, "wb-timeline"),
            (self.signals, "wb-signals"),
            (self.page_label, "wb-page-label"),
            (self.next, "wb-next-page"),
            (self.prev, "wb-prev-page"),
            (self.verdict, "wb-verdict"),
            (self.findings, "wb-findings"),
            (self.opened, "wb-opened-why"),
        ):
            widget.add_class(name)
        self._refresh(count=True, auto=True)

    def close(self) -> None:
        """Close the widget, and let go of its run list's runs taken as failed (the pager's cursor)."""
        if self._pager is not None:
            self._pager.close()
        super().close()
