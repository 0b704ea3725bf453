"""LimitTuner: suggested breaker, budget and loop limits per system, a quantile slider, what each
limit catches and costs, and the policy exported, validated on reading it back."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import plots
from .._plain import counted
from .._termtext import html_text
from ..exceptions import WorkbenchError
from ..plots import _limits as limit_plots
from ..plots._render import redraw
from ..store._own_connection import fetch
from ._html import STYLE, esc, frame, label, pre, short_id
from ._layout import control_row, fit_output, scroll_wide
from ._status import building
from ._systems import NO_SYSTEM, ranked_picker

if TYPE_CHECKING:
    from ..policy import Policy
    from ..policy._limits import LimitSuggestions
    from ..workspace import Workspace

# the table as a reader scans it: numbers short, the run ids allowed to wrap, nothing else (at 10em each
# they held the demo's table 69 px wider than a notebook's output: it scrolled sideways)
_WRAPPED = ("stopped_runs",)


def _table_style(columns: list[str]) -> str:
    wrapped = ",".join(
        f".wb-limits-table td:nth-child({columns.index(c) + 1})" for c in _WRAPPED if c in columns
    )
    # (cells padded 3 px a side, not the tables' 6: 54 px of the 9 columns, the last the sim's table at a 1000 px
    # window stood past its 564 px output after the columns above were cut)
    return (
        "<style>.wb-limits-table td{white-space:nowrap;vertical-align:top;line-height:1.3}"
        ".wb-limits-table .wb-table :is(td,th){padding:1px 2px}"
        + (wrapped + "{white-space:normal;min-width:6em;max-width:24em}" if wrapped else "")
        # each run id on one line, the cell wrapping between them (after the ", "): at a 1000 px window
        # "proc-s7-000117" broke at its hyphens, "proc-s7-" on one line and "000117" on the next
        + ".wb-limits-table .wb-id{white-space:nowrap}</style>"
    )


_HEADERS = {"baseline_runs": "basis runs", "stopped_runs": "first runs stopped"}
# A rule's note says why it has no limit, and the notes above the table say so already (_notes): as a column
# it and the three "stops" columns held sim11's table 730 px wide in a 564 px output at a 1000 px window (ux30).
# The runs stopped by outcome share one column, "1 / 0" under "stops failed / successful".
_SHOWN = ["rule", "limit", "basis", "baseline_runs", "p50", "p90", "max", "stops", "stopped_runs"]


class LimitTuner(w.VBox):
    """Where to put each limit of a system, and what it would do: a slider on the quantile of the
    runs' peaks the limits are set at and a system picker; per rule a histogram of how far the runs
    went (stacked by outcome) with the limit drawn on it; the runs each limit stops, failed (caught)
    against successful (cut); the table with the first runs stopped; "Export policy" writes the
    limits as YAML or JSON, reads the file back (validating it) and shows it.

    The runs' peaks are measured once (:func:`~workbench.suggest_limits`); moving the slider
    recomputes the limits from them (:meth:`LimitSuggestions.at`, milliseconds) and redraws. It opens
    on ``system``, else on one whose limits can be priced: with ``min_runs`` successful runs or more (the basis
    of a normal run), else with any; then the system most runs belong to (the first by name among equals).
    """

    def __init__(
        self,
        source: Workspace | LimitSuggestions,
        quantile: float = 0.99,
        system: str | None = None,
        min_runs: int = 5,
        policy_path: str = "limits_policy.yaml",
        ws: Workspace | None = None,
    ) -> None:
        # (measuring the peaks took 2 CPU s on a real store of 70 runs: the cell stood blank all that time)
        with building("Limit suggestions: measuring how far each run went…") as say:
            self._build(source, quantile, system, min_runs, policy_path, ws, say)

    def _build(
        self,
        source: Workspace | LimitSuggestions,
        quantile: float,
        system: str | None,
        min_runs: int,
        policy_path: str,
        ws: Workspace | None,
        say: Callable[[str], None],
    ) -> None:
        from ..policy._limits import LimitSuggestions, suggest_limits

        self.ws = ws if isinstance(source, LimitSuggestions) else source
        self.latency_ms: dict[str, float] = {}
        if not isinstance(source, LimitSuggestions) and not _has_steps(source):
            # an empty store (or runs without steps): say so, no exception and no empty chart frames
            self.limits = None  # type: ignore[assignment]
            self.notes = w.HTML(
                "<div class='wb-limits-empty'><b>No run with steps in this store</b>: there is "
                "nothing to measure limits on. Ingest logs first, e.g. "
                "<code>ws.ingest('traces.jsonl')</code>, then open this view again.</div>"
            )
            self.notes.add_class("wb-limits-notes")
            super().__init__(
                [
                    w.HTML(
                        STYLE + "<b>Limit suggestions</b> — breakers, budgets and loop limits "
                        "from how far this system's runs went"
                    ),
                    self.notes,
                ]
            )
            self.add_class("wb-limit-tuner")
            return
        self.limits: LimitSuggestions = (
            source.at(quantile)
            if isinstance(source, LimitSuggestions)
            else suggest_limits(source, quantile=quantile, min_runs=min_runs)
        )
        # the one picker of every view (widgets/_systems.py), opening on a system whose limits can be priced
        self.system = ranked_picker(_ranks(self.limits), system, "runs", whole_store=False)
        self.quantile = w.FloatSlider(
            description="quantile",
            min=0.5,
            max=1.0,
            step=0.005,
            value=quantile,
            readout_format=".3f",
            continuous_update=False,
            layout=w.Layout(width="460px"),
            tooltip="each limit at this quantile of the basis runs' peaks",
        )
        self.scale = w.ToggleButtons(
            description="runs axis",
            options=["auto", "linear", "log"],
            value="auto",
            tooltips=[
                "log when the runs a limit stops would be too thin to see",
                "linear",
                "logarithmic (0 stays 0)",
            ],
            style={"button_width": "58px"},
        )
        self.scale.add_class("wb-limits-scale")
        self.readout = w.HTML()
        self.readout.add_class("wb-limits-readout")
        self.notes = w.HTML()
        self.notes.add_class("wb-limits-notes")
        self.peaks_chart: Any = None
        self.stops_chart: Any = None
        self.charts = w.VBox()
        self.none_stopped = w.HTML()
        self.none_stopped.add_class("wb-limits-none-stopped")
        self.table = w.HTML()
        self.table.add_class("wb-limits-table")
        scroll_wide(self.table)
        self.format = w.Dropdown(
            description="as", options=["yaml", "json"], value="yaml", layout=w.Layout(width="170px")
        )
        self.path = w.Text(description="to file", value=policy_path, layout=w.Layout(width="320px"))
        self.export = w.Button(description="Export policy", icon="download", button_style="primary")
        self.export.add_class("wb-limits-export")
        self.policy_view = w.HTML()
        self.policy_view.add_class("wb-limits-policy")
        self.backtest_button = w.Button(
            description="Backtest",
            icon="history",
            disabled=self.ws is None,
            tooltip="replay this system's runs through a guard with these limits"
            if self.ws is not None
            else "give the workspace (ws=) to backtest here",
        )
        self.backtest_button.add_class("wb-limits-backtest-button")
        self.backtest_view = w.HTML()
        self.backtest_view.add_class("wb-limits-backtest")
        self.backtest_button.on_click(lambda _: self.backtest())
        self.policy: Policy | None = None
        # the system and quantile the backtest and policy shown were of: either changed, they are said to be stale
        self._results_of: tuple[str, float] | None = None
        self.format.observe(self._suffix, names="value")
        self.quantile.observe(lambda _: self.recompute(), names="value")
        self.system.observe(lambda _: self.redraw(), names="value")
        self.scale.observe(lambda _: self.redraw(), names="value")
        self.export.on_click(lambda _: self.export_policy())
        super().__init__(
            [
                w.HTML(
                    STYLE + "<b>Limit suggestions</b> — breakers, budgets and loop limits from how far "
                    "this system's runs went: what each limit catches, and what it costs"
                ),
                w.HBox([self.system, self.quantile]),
                self.scale,
                self.readout,
                self.notes,
                self.charts,
                self.table,
                control_row([self.format, self.path, self.export, self.backtest_button]),
                self.backtest_view,
                self.policy_view,
            ]
        )
        self.add_class("wb-limit-tuner")
        say(f"Limit suggestions: drawing the limits of {label(self.system.value) or NO_SYSTEM}…")
        self.redraw()

    # -- the slider: limits from the kept peaks --------------------------------------------------
    def recompute(self) -> None:
        t0 = time.perf_counter()
        self.limits = self.limits.at(float(self.quantile.value))
        self.redraw()
        self.latency_ms["quantile"] = (time.perf_counter() - t0) * 1000

    def redraw(self) -> None:
        """Readout, charts and table for the chosen system at the current limits."""
        system = self.system.value
        table = self.limits.table[self.limits.table["system"] == system]
        self._say_stale()
        self.readout.value = _readout(self.limits, system)
        self.notes.value = _notes(self.limits, system, table)
        bins, rules = limit_plots.limit_bins(self.limits, system)
        thin = limit_plots.thin_tail(bins, rules)
        self.log_scale = self.scale.value == "log" or (self.scale.value == "auto" and thin)
        if self.log_scale:
            self.readout.value += (
                "<div class='wb-limits-logscale'><i>Runs axis logarithmic"
                + (": on a linear one the runs a limit stops would be too thin to see" if thin else "")
                + ".</i></div>"
            )
        # (the bars as wide as the output: 420 px and the rule names took 660 px of a 1000 px window's 568)
        peaks, stops = (
            limit_plots.limit_peaks(bins, rules, log=self.log_scale),
            limit_plots.limit_stops(
                table,
                width="container",
                outcomes=set(self.limits.runs.loc[self.limits.runs["system"] == system, "outcome"]),
            ),
        )
        # no limit stops a run (few runs, or the p100): a chart of runs stopped would be an empty frame
        # with one tick at 0 (seen on real traces); the words say it
        stopped = bool(pd.to_numeric(table["stops"], errors="coerce").fillna(0).sum() > 0)
        if rules.empty:  # nothing to draw: the notes say why, no empty chart frames
            self.charts.children = ()
            self._table(table)
            return
        if self.peaks_chart is None:
            self.stops_chart = fit_output(plots.widget(stops, validate=False))
            self.peaks_chart = scroll_wide(plots.widget(peaks, validate=False))
        else:
            redraw(self.stops_chart, stops, validate=False)
            redraw(self.peaks_chart, peaks, validate=False)
        self.none_stopped.value = (
            ""
            if stopped
            else "<div><i>No limit here stops any run: each sits at or above the highest peak "
            "of its rule. The chart below shows how far the runs went.</i></div>"
        )
        self.charts.children = (self.stops_chart if stopped else self.none_stopped, self.peaks_chart)
        self._table(table)

    def _table(self, table: pd.DataFrame) -> None:
        # one system's limits share one basis: said once above the table (or in the notes, with why) instead of
        # in a column repeating "all runs (0 successful, fewer than 5: limits are where the runs went, not what
        # normal runs need)" on every row, each wrapped to five lines (Who&When: the rows five times as tall,
        # the notes column off a 1000 px window)
        bases = table["basis"].dropna().unique()
        caption = ""
        if len(bases) == 1:
            basis = str(bases[0])
            said = any(basis in n for n in self.limits.notes.get(self.system.value, []))
            caption = (
                ""
                if said
                else (
                    f"<div class='wb-limits-basis'>Every limit here is learned from the "
                    f"{esc(basis)} of {esc(self.system.value) or NO_SYSTEM}.</div>"
                )
            )
        # (a system without runs of unknown outcome: a column of zeros that widened the table past a narrow output)
        unknown = (
            self.limits.runs.loc[self.limits.runs["system"] == self.system.value, "outcome"] == "unknown"
        ).any()
        dropped = {"basis"} if len(bases) == 1 else set()
        # no rule stops a run (said above the charts): no column of blanks. At a 1000 px window its 76 px took a
        # real system's table (latencies of 2,999,500 ms) 604 px wide in a 564 px output, scrolled in its box (lab56)
        if not any(len(ids) for ids in table["stopped_runs"]):
            dropped.add("stopped_runs")
        outcomes = ["stops_failed", "stops_successful", *(["stops_unknown"] if unknown else [])]
        shown = table.assign(
            stops=[" / ".join(str(int(n)) for n in row) for row in table[outcomes].itertuples(index=False)]
        )
        shown = shown[[c for c in _SHOWN if c not in dropped]].rename(
            columns={"stops": "stops " + " / ".join(c.removeprefix("stops_") for c in outcomes)}
        )
        for col in ("limit", "p50", "p90", "max"):
            shown[col] = shown[col].map(_number)
        if "stopped_runs" not in shown:
            self.table.value = (
                caption + _table_style(list(shown.columns)) + frame(shown.rename(columns=_HEADERS))
            )
            return
        # (an OTel trace id cut to 12 hex, as the run list cuts it: whole and kept on one line it widened the column)
        cells = [([str(short_id(i)) for i in ids[:2]], len(ids) - 2) for ids in shown["stopped_runs"]]
        # the cell's text in the table is a stand-in, its ids put in after escaping (_ids_whole)
        shown["stopped_runs"] = ["…" if ids else "" for ids, _ in cells]
        table_html = frame(shown.rename(columns=_HEADERS))
        self.table.value = caption + _table_style(list(shown.columns)) + _ids_whole(table_html, cells)

    # -- export ----------------------------------------------------------------------------------
    def export_policy(self, path: str | Path | None = None) -> Policy | None:
        """Write the chosen system's limits as a policy (YAML or JSON by the format picker) to ``path``
        (the text box's by default), read it back through the schema check, and show it."""
        from ..policy import Policy

        target = Path(path if path is not None else self.path.value)
        try:
            policy = self.limits.to_policy(self.system.value)
            text = policy.to_json(target) if self.format.value == "json" else policy.to_yaml(target)
            back = Policy.from_json(target) if self.format.value == "json" else Policy.from_yaml(target)
        except (WorkbenchError, OSError) as exc:
            self.policy_view.value = f"<b style='color:#d62728'>Not exported</b>: {esc(exc)}"
            return None
        same = "" if back == policy else " <b style='color:#d62728'>(reads back different)</b>"
        self.policy = back
        self._shown_now()
        self.policy_view.value = (
            f"<b>Wrote {esc(target)}</b>: valid against the policy schema, "
            f"{_limit_count(back)} limits{same}" + pre(text)
        )
        return back

    def backtest(self) -> Any:
        """Replay the store's runs through a guard with the chosen system's current limits: of the
        failed runs stopped, how many before the step that caused the failure (prevented), and the
        successful runs lost. Returns the :class:`~workbench.BacktestReport`."""
        from ..policy._backtest import backtest

        if self.ws is None:
            raise WorkbenchError(
                "backtest: this view was given suggestions only; pass ws= to backtest on a store"
            )
        t0 = time.perf_counter()
        # (2 s on the demo store with nothing said: the button looked dead, the last backtest's words stood)
        self.backtest_button.disabled = True
        system = self.system.value
        self.backtest_view.value = (
            f"<i class='wb-building'>Backtest: replaying {esc(system) or NO_SYSTEM}'s "
            "runs through a guard with these limits…</i>"
        )
        # this system's runs only: its limits over every system's runs (the desks of six frameworks) counted runs
        # of systems they were never learned from, "stops 8 failed runs" beside a table stopping none of its own
        mine = self.limits.runs.loc[self.limits.runs["system"] == system, "run_id"].tolist()
        try:
            report = backtest(self.limits.to_policy(system), self.ws, runs=mine)
        except BaseException:
            self.backtest_view.value = ""
            raise
        finally:
            self.backtest_button.disabled = False
        self.latency_ms["backtest"] = (time.perf_counter() - t0) * 1000
        s, cut = report.summary, report.runs[report.runs["decision"] == "cut"]
        failed_cut = int((cut["outcome"] == "failure").sum())
        self._shown_now()
        whose = f"{esc(system) or NO_SYSTEM}'s limits at p{self.limits.quantile * 100:g}"
        if not s["runs"]:
            self.backtest_view.value = (
                f"<div style='font-size:14px'>Backtest of {whose}: <b>nothing to backtest</b>, no run of it has a "
                f"known outcome ({counted(s['excluded_unknown'], 'run')} of unknown outcome). Label the runs that "
                "failed or succeeded, e.g. <code>ws.label(run_id, outcome='failure')</code>.</div>"
            )
            return report
        unknown = (
            f", {counted(s['excluded_unknown'], 'run')} of unknown outcome left out"
            if s["excluded_unknown"]
            else ""
        )
        self.backtest_view.value = (
            f"<div style='font-size:14px'>Backtest of {whose} on its {counted(s['runs'], 'run')}{unknown} "
            "(in-sample: they include the runs its limits were learned from; <code>wb.backtest(policy, ws, "
            "runs=…)</code> on runs held out for an honest estimate): "
            + (
                f"stops {counted(failed_cut, 'failed run')}, <b class='wb-limits-prevented'>{s['prevented']:,}</b> of "
                f"{'it' if failed_cut == 1 else 'them'} before the step that caused the failure (prevented: "
                f"{s['prevented_share']:.0%} of {counted(s['failures'], 'failure')}"
                + (
                    "; the others are cut after the damage, saving only what they would still have spent)"
                    if failed_cut > s["prevented"]
                    else ")"
                )
                if failed_cut
                # ("stops 0 failed runs, 0 of them before …; the others are cut after the damage" of limits
                # stopping no run: there were no others, and nothing was cut)
                else f"stops <b>none</b> of its {counted(s['failures'], 'failed run')}"
                if s["failures"]
                # ("stops 0 failed runs, 0 of them before …: 0% of 0 failures" on a system none of whose runs failed)
                else "<b>no run of them failed</b>, so there is no failure to prevent"
            )
            + f" · loses <b>{s['successes_lost']:,}</b> "
            f"successful {'run' if s['successes_lost'] == 1 else 'runs'} · saves "
            f"{counted(s['tool_calls_saved'], 'tool call')}</div>"
        )
        return report

    def _shown_now(self) -> None:
        self._results_of = (self.system.value, float(self.limits.quantile))

    def _say_stale(self) -> None:
        """Another system or quantile than the backtest and policy shown were of: they are said to be of those (a
        backtest of pai-quote-desk's limits stood under quote-desk's table, its policy file's name beside it)."""
        was = self._results_of
        if was is None or was == (self.system.value, float(self.limits.quantile)):
            return
        self._results_of = None
        of = f"{esc(was[0]) or NO_SYSTEM}'s limits at p{was[1] * 100:g}"
        if self.backtest_view.value:
            self.backtest_view.value = (
                f"<div class='wb-stale'><i>The last backtest was of {of}: Backtest "
                "again for these limits.</i></div>"
            )
        if self.policy_view.value:
            self.policy_view.value = (
                f"<div class='wb-stale'><i>The policy file written holds {of}, not these: "
                "Export policy again to write these limits.</i></div>"
            )

    def _suffix(self, change: dict[str, Any]) -> None:
        path = Path(self.path.value)
        if path.suffix.lower() in (".yaml", ".yml", ".json"):
            self.path.value = str(path.with_suffix(".json" if change["new"] == "json" else ".yaml"))


_LAST_CELL = re.compile(r"<td>([^<]*)</td>(\s*</tr>)")


def _ids_whole(table: str, cells: list[tuple[list[str], int]]) -> str:
    """The escaped table with row i's last cell (the first runs stopped) holding ``cells[i]``'s ids, each escaped
    in a span kept on one line, the ids apart at ", ", and how many more. Each id is escaped on its own: joined
    into one text at a separator and split again after escaping, an id holding the separator (U+2063 once: log
    content, which escaping leaves as it is) was shown as two runs stopped."""
    rows = iter(cells)

    def cell(m: re.Match[str]) -> str:
        ids, more = next(rows)
        if not ids:  # (no run stopped)
            return m.group(0)
        spans = ", ".join(f"<span class='wb-id'>{html_text(i, newlines=False)}</span>" for i in ids)
        return f"<td>{spans}{f' … (+{more})' if more > 0 else ''}</td>{m.group(2)}"

    return _LAST_CELL.sub(cell, table)


def _ranks(limits: LimitSuggestions) -> dict[str, tuple[int, int]]:
    """Each system's rank to open on (the lowest): one with ``min_runs`` successful runs first (its limits are
    what a normal run needs), then one with any, then the most runs. By runs alone, a real store of mixed traces
    opened on Who&When's 7 runs, none successful: "limits are where the runs went", nothing to weigh them on."""
    runs = limits.runs.groupby("system")["outcome"]
    ok, count = runs.apply(lambda o: int((o == "success").sum())), runs.size()
    return {
        s: (0 if ok.get(s, 0) >= limits.min_runs else 1 if ok.get(s, 0) else 2, -int(count.get(s, 0)))
        for s in limits.table["system"].unique()
    }


def _has_steps(ws: Workspace) -> bool:
    return bool(fetch(ws.con, "SELECT EXISTS (SELECT 1 FROM steps)")[0][0])


def _readout(limits: LimitSuggestions, system: str) -> str:
    """What all the limits together would stop (any rule's peak past its limit)."""
    row = limits.summary().set_index("system").loc[system]

    def part(word: str, shown: str, cls: str) -> str:
        n, of = int(row[f"stops_{word}"]), int(row[word])
        return f"<b class='{cls}'>{n:,}</b> of {counted(of, shown + ' run')} ({n / of:.0%})" if of else ""

    parts = [
        p
        for p in (
            part("failed", "failed", "wb-limits-caught"),
            part("successful", "successful", "wb-limits-cut"),
            part("unknown", "unknown-outcome", "wb-limits-unknown"),
        )
        if p
    ]
    return (
        f"<div style='font-size:14px'>At the p{limits.quantile * 100:g} of the runs' peaks: "
        f"<b>{int(row['limits'])}</b> {'limit' if int(row['limits']) == 1 else 'limits'} for "
        f"{esc(system) or NO_SYSTEM}; {'it' if int(row['limits']) == 1 else 'together they'} would stop "
        + " · ".join(parts)
        + "</div>"
    )


def _notes(limits: LimitSuggestions, system: str, table: pd.DataFrame) -> str:
    items = [esc(n) for n in limits.notes.get(system, [])]
    items += [
        f"<b>{esc(r.rule)}</b>: no limit — {esc(r.note)}"
        for r in table.itertuples(index=False)
        if r.limit is None
    ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


def _number(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3g}"


def _limit_count(policy: Policy) -> int:
    from dataclasses import fields

    return sum(
        f.name.startswith("max_") and getattr(group, f.name) is not None
        for group in (policy.breakers, policy.budgets, policy.loops)
        for f in fields(group)
    )
