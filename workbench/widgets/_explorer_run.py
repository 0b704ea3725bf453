"""The incident explorer's one run: its header, timeline, step list and the step panel."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pandas as pd

from .. import plots
from .._worst import WORST_FIRST
from ..plots._data import has_text as _has_text
from ..plots._render import redraw
from ..store._outcomes import TAKEN_OUTCOME, counted_as
from ..store._own_connection import fetch, fetch_df
from ..store._run_scope import one_run_id
from ._explorer_text import _findings_table, _json_or_text, _or, _step_marks, _time_per_agent, _totals
from ._html import esc, isolate, kv_table, label, pre, state_table
from ._messages import readable
from ._runs import _sql

# what str.strip() strips (every c with c.isspace()), for enclosing_text.sql to read a step's text as has_text does
_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class RunShown:
    """The run the explorer shows (a mixin of IncidentExplorer: its widgets and store are the explorer's)."""

    def show_run(self, run_id: str | None) -> None:
        """Show ``run_id``: header, timeline, first flagged step, findings, attribution."""
        self._show(None if run_id is None else one_run_id(run_id, "show_run"), auto=False)

    def _show(self, run_id: str | None, auto: bool, said: bool | None = None) -> None:
        """Show ``run_id``; ``auto``: the run the constructor's list opens on, whose attribution waits for the cell
        to end when the kernel runs an event loop (a notebook): ``ex = IncidentExplorer(ws); ex.show_run(x)`` in
        one cell scored the first run too, ~0.6 CPU s nobody looked at. (Only there: a page or filter change from
        a click is handled in a widget message, where a callback left on the loop was seen not to run.) ``said``
        (default ``auto``): the line saying why the explorer opened on it is shown."""
        t0 = time.perf_counter()
        self.run_id = run_id
        self._say_opened(self._opened_why if (auto if said is None else said) and run_id is not None else "")
        self._pending = None  # a deferred attribution of the run shown before is not wanted any more
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
            self.header.value = (
                "<i>This store holds no runs yet: ingest logs first "
                "(<code>ws.ingest('traces.jsonl')</code>).</i>"
                if empty
                else f"<i>No run matches these filters: {self._held()}</i>"
            )
            self.step.options, self.detail.value, self.findings.value, self.verdict.value = [], "", "", ""
            self.blame_box.children = self.signals_box.children = ()
            return
        run = fetch_df(self.ws.con, "SELECT * FROM runs WHERE run_id = ?", [run_id])
        # the earliest labelled step first, as the sweep takes it for the run's decisive step ("caught" is an
        # escalation at or before it): the simulator's labels came in by fault, and the header named the
        # retriever at s0007 first, the panel opening there, while the planner's misread at s0002 started it
        labelled = fetch(
            self.ws.con,
            "SELECT l.agent, l.step_id, l.kind, l.source, l.detail FROM labels l "
            "LEFT JOIN steps s ON s.run_id = l.run_id AND s.step_id = l.step_id WHERE l.run_id = ? "
            "AND (l.agent IS NOT NULL OR l.step_id IS NOT NULL) ORDER BY s.seq NULLS LAST, l.created_at",
            [run_id],
        )
        self._labelled = labelled  # (the verdict says where the model's pick is not the labels' culprit)
        r = run.iloc[0] if len(run) else None
        if r is not None:
            # the outcome the list's counting gives it (a silent failure is a failure, as investigate says)
            taken = (
                fetch(
                    self.ws.con,
                    f"SELECT taken_why FROM ({counted_as(self.filter.silent)}) WHERE run_id = ?",
                    [run_id],
                )
                or [(None,)]
            )[0][0]
            self.header.value = f"<h4 style='margin:4px 0'>{esc(run_id)}</h4>" + kv_table(
                [
                    ("task", r["task"]),
                    ("system", r["system"]),
                    ("outcome", TAKEN_OUTCOME if taken is not None else r["outcome"]),
                    ("taken as failed", taken),
                    ("reported by the system", r["reported_outcome"]),
                    ("outcome from", r["outcome_source"]),
                    ("detail", r["outcome_detail"]),
                    ("labelled culprit", self._labelled_culprit(labelled)),
                    ("steps", r["n_steps"]),
                ]
                + ([] if listed else [("in the list", "no: the filters above leave it out")])
            )
        self.steps = plots.timeline_data(self.ws, run_id, max_steps=self.max_moves)
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
        if total > len(self.steps):  # a long run: the chart takes the first moves only
            self.header.value += kv_table(
                [("moves shown", f"the first {len(self.steps):,} of {total:,} (timeline and step list)")]
            )
        values, facts = plots.stored_attribution(self.ws, run_id)
        decisive = facts["decisive_step"] if facts else None
        # a step with no name (native logs may leave it out) shows no empty "· ·" between kind and flag
        # the flag right after the number: at the end, after a long agent and span name, the closed box cut it
        # to "⚑ repeated_rep…"
        # a step that raised is marked as Phoenix and Langfuse mark an error span: a real LangChain trace's tool
        # that raised "503 from quotes.internal" read like any other step, the panel open on the run's first
        erred = plots.raised(self.steps)  # (the timeline's red ✕ reads the same)
        options = [
            (
                # (the agent's name isolated: a right-to-left one swapped the kind after it to its other side)
                label(_step_marks(s, bad))
                + " · ".join(
                    p for p in (isolate(label(_or(s.agent, "—"))), label(s.kind), label(_or(s.name, ""))) if p
                ),
                s.step_id,
            )
            for s, bad in zip(self.steps.itertuples(), erred, strict=True)
        ]
        first = self.steps.loc[self.steps["flagged"], "step_id"]
        raised = self.steps.loc[erred, "step_id"]
        # the decisive step, else the labelled culprit's step (the known answer the header names: a detector's
        # flag on the task's first turn opened t000 while the header said t001), else the first flagged
        known = set(self.steps["step_id"])
        at_label = next((st for _, st, *_ in labelled if st in known), None)
        pick = (
            decisive
            if decisive in known
            else at_label
            if at_label is not None
            else first.iat[0]
            if len(first)
            else raised.iat[0]
            if len(raised)
            else None
        )
        # the step list's options and value set without their change events (setting the options picked the first
        # step, then the pick, then the same id again below: the step panel made two or three times per run shown),
        # and the panel made once, for the step picked
        self._step_quiet = True
        try:
            self.step.options = options
            self.step.value = pick if pick is not None else (options[0][1] if options else None)
        finally:
            self._step_quiet = False
        # (also when the new run has the previous one's step id, s0 … of native logs, the demo's s0000: the panel
        # kept the previous run's step)
        self.select_step(self.step.value)
        # the finding that explains the failure best first (a silent failure before a recovered retry)
        hits = fetch_df(
            self.ws.con,
            "SELECT f.step_id, f.agent, f.detector, f.severity, f.detail FROM findings f "
            "LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id WHERE f.run_id = ? "
            f"ORDER BY {WORST_FIRST}",
            [run_id],
        )
        self.findings.value = _findings_table(hits, max_rows=30)
        outcome = r["outcome"] if r is not None else None
        if outcome == "success" and "silent_failure" in set(hits["detector"]):
            outcome = "silent_failure"  # reported success, but the detectors say it failed
        self.latency_ms["run_text"] = (time.perf_counter() - t0) * 1000
        # The timeline before the attribution: the log-only verdict of a failed run costs ~0.6 CPU s (more on a
        # loaded machine), and the run's moves waited behind it with the previous run's verdict beside them.
        # the run before's blame chart goes with its verdict: left up while this run scored, it stood under this
        # run's header (ux33 saw "pricer 100 %" beside a run whose replay and label name the retriever)
        self.blame_box.children = ()
        self._verdict_step, self.goto_step.layout.display = None, "none"
        self.verdict.value = "<i>Attribution of this run: scoring…</i>"
        lanes, signals = plots.timeline_parts(
            self.steps,
            plots.handoff_data(self.ws, run_id),
            decisive_step=decisive,
            title=run_id,
            width="container",
        )
        redraw(self.timeline, lanes, validate=False)
        if signals is not None:
            redraw(self.signals, signals, validate=False)
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

    def _say_opened(self, why: str) -> None:
        """The line above the header saying why the run shown was opened on (hidden when ``why`` is empty)."""
        self.opened.value = why
        self.opened.layout.display = None if why else "none"

    def _deferred(self, token: object, values: pd.DataFrame, facts: dict | None, outcome: str | None) -> None:
        """The attribution of a run the list picked, once the cell (or the event) that showed it is over, unless
        another run was shown since."""
        if self._pending is token:
            self._pending = None
            self._show_attribution(values, facts, outcome)

    @staticmethod
    def _labelled_culprit(rows: list[tuple]) -> str | None:
        """Who the labels (agent, step_id, kind, source, detail) say caused the failure (Who&When's mistake agent
        and step, a reviewer's ``ws.label``), beside the verdicts: the known answer an SRE compares them with."""
        said = []
        for agent, step, kind, source, detail in rows:
            why = ", ".join(str(v) for v in (kind, source) if v)
            said.append(
                " ".join(
                    p
                    for p in (
                        agent or "(no agent)",
                        f"at step {step}" if step else "",
                        f"({why})" if why else "",
                    )
                    if p
                )
                + (f": {detail}" if detail else "")
            )
        return "; ".join(said) or None

    def _on_pick(self, change: Any) -> None:
        sel = change["new"]
        value = getattr(sel, "value", None) or []
        if value and "step_id" in value[0]:
            self.select_step(value[0]["step_id"])

    def _on_step(self, change: Any) -> None:
        if not self._step_quiet:
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
            self.ws.con, "SELECT * FROM steps WHERE run_id = ? AND step_id = ?", [self.run_id, step_id]
        )
        if row.empty:
            self.detail.value = f"<i>no step {esc(step_id)}</i>"
            return
        s = row.iloc[0]
        facts = kv_table(
            [
                ("step", s["step_id"]),
                ("agent", s["agent"]),
                ("kind", s["kind"]),
                ("name", s["name"]),
                ("tool", s["tool"]),
                ("model", s["model"]),
                ("status", s["status"]),
                ("latency ms", None if pd.isna(s["latency_ms"]) else f"{s['latency_ms']:,.0f}"),
                (
                    "tokens in/out",
                    f"{s['tokens_in']}/{s['tokens_out']}" if pd.notna(s["tokens_in"]) else None,
                ),
                ("confidence", None if pd.isna(s["confidence"]) else f"{s['confidence']:.3f}"),
                ("entropy", None if pd.isna(s["entropy"]) else f"{s['entropy']:.3f}"),
            ]
        )
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
            return [
                "<div><b>input</b></div>",
                pre(readable(s["input"])),
                "<div><b>output</b></div>",
                pre(readable(s["output"])),
            ]
        parent = s["parent_id"]
        rows = (
            fetch(
                self.ws.con,
                _sql("enclosing_text"),
                {"run_id": self.run_id, "step_id": s["step_id"], "parent_id": parent, "space": _SPACE},
            )
            if isinstance(parent, str) and parent != s["step_id"]
            else []
        )
        if rows:
            step_id, name, agent, text_in, text_out = rows[0]
            whose = f"the enclosing step {esc(name or step_id)}" + (f" ({esc(agent)})" if agent else "")
            return [
                f"<div><i>This step carries no text; {whose} holds this turn's:</i></div>",
                "<div><b>input</b></div>",
                pre(readable(text_in)),
                "<div><b>output</b></div>",
                pre(readable(text_out)),
            ]
        return ["<div><b>input</b></div>", pre(None), "<div><b>output</b></div>", pre(None)]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this code (an IPython kernel's, during a cell or a widget event), or None (a script)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
