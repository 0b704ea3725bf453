"""The incident explorer's attribution: the replay verdict, the log-only model's, the lineage note, the blame
chart, the verdict's step a click away, and computing a replay attribution."""

from __future__ import annotations

import math
import weakref
from typing import Any

import pandas as pd

from .. import plots
from .._lineage_note import first_stater, lineage_disagreements
from ..plots._render import redraw
from ..store._own_connection import fetch
from ._explorer_text import _model_alone, _or, _share, _true
from ._html import esc, label
from ._layout import fit_output
from ._runs import _sql

# Per store, the log-only verdicts the explorers of it computed: run id -> (model, the run's content, verdict row,
# the model's state) (see RunVerdict._show_attribution); gone with the store's Workspace.
_KEPT: weakref.WeakKeyDictionary[Any, dict[str, tuple[Any, Any, pd.DataFrame, tuple]]] = (
    weakref.WeakKeyDictionary()
)
_PRETRAINED: list[Any] = []


def kept_verdicts(ws: Any) -> dict[str, tuple[Any, Any, pd.DataFrame, tuple]]:
    """The log-only verdicts kept for ``ws``'s explorers (one dict, shared by all of them)."""
    return _KEPT.setdefault(ws, {})


def _pretrained() -> Any:
    """The shipped model, one object for every explorer that was given no model of its own (a kept verdict is the
    same model's only while it is the same object)."""
    if not _PRETRAINED:
        from ..attribution import BlameModel

        _PRETRAINED.append(BlameModel.pretrained())
    return _PRETRAINED[0]


class RunVerdict:
    """The attribution half of the explorer (a mixin of IncidentExplorer: its widgets and store are the explorer's)."""

    # -- attribution ----------------------------------------------------------------------------
    def _show_attribution(self, values: pd.DataFrame, facts: dict | None, outcome: str | None = None) -> None:
        lines = []
        named: Any = (
            facts["decisive_step"] if facts is not None else None
        )  # the verdict's step (the model's below)
        if facts is not None:
            share = "shared with another agent, " if facts["ambiguous"] else ""
            who = esc(facts["culprit"]) if facts["culprit"] else "no single agent"
            step = f" at step <b>{esc(facts['decisive_step'])}</b>" if facts["decisive_step"] else ""
            lines.append(
                f"Replay verdict ({esc(facts['method'])}): <b>{who}</b>{step} — {share}"
                f"confidence {facts['confidence']:.0%}."
            )
        elif self.run_id is not None and outcome == "success":
            # "pass replay=" beside a run that did not fail sent the reader after a replay with nothing to find
            lines.append(
                "<span class='wb-nothing-to-attribute'><b>Nothing to attribute</b>: this run succeeded "
                "and no detector found a silent failure in it, so no agent caused a failure.</span>"
            )
        elif self.run_id is not None and outcome not in ("failure", "silent_failure") and self.replay is None:
            lines.append(
                "<span class='wb-nothing-to-attribute'><b>Nothing to attribute</b>: the logs do not say "
                "this run failed (its outcome is unknown), so there is no failure to trace to an agent. If it did fail, "
                f"label it: <code>ws.label({esc(repr(self.run_id))}, outcome='failure')</code>.</span>"
            )
        elif self.run_id is not None:
            lines.append(
                "No replay attribution stored for this run. "
                + (
                    "Compute it below (replays the run with agents repaired"
                    + (
                        "; the replay as recorded tells whether it fails: its outcome is unknown"
                        if outcome not in ("failure", "silent_failure")
                        else ""
                    )
                    + ")."
                    if self.replay is not None
                    else "Replay needs a re-runnable system: pass <code>replay=</code>."
                )
            )
        live_culprit: str | None = None
        model, log_only = self.blame_model, ""
        if (
            model is None
            and self._default_model
            and facts is None
            and outcome in ("failure", "silent_failure")
        ):
            # nothing better given: the shipped log-only verdict, as `workbench investigate` stores it
            model = _pretrained()
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
                    # kept under the run as it is now: scoring a run without findings runs the detectors on it
                    # and writes theirs, and the key taken before named a run no longer stored (scored again on
                    # the first look back). A later re-detect, a label or a re-ingest changes it: scored again.
                    self._verdicts[self.run_id] = (model, self._run_content(self.run_id), p, state)
                if len(p):
                    q = p.iloc[0]
                    named = named if named is not None else q["step_id"]
                    head = {
                        "failure": "Log-only BlameModel",
                        "silent_failure": "Log-only BlameModel, for the silent failure the detectors found",
                    }.get(outcome, "Log-only BlameModel, should this run have failed (its logs do not say)")
                    head += log_only
                    self._hold(q["step_id"])  # (a long run's stretches shown move to hold it)
                    later = self._where_not_shown(q["step_id"])
                    if _or(q["agent"], ""):
                        live_culprit = str(q["agent"])
                        unsure = ", uncertain" if _true(q["uncertain"]) else ""
                        if _true(q.get("unfamiliar", False)):
                            # the model learned on runs unlike this one: its confidence says nothing here
                            unsure += (
                                f"{', ' if not unsure else ': '}a run unlike the model's training runs "
                                f"(familiarity {float(q['familiarity']):.2f})"
                            )
                        if bool(q.get("only_agent", False)):
                            # one agent: no choice between agents to be sure of; the step is the question. In
                            # a run of several agents the others only ran tools or held others' steps, and
                            # the model weighs only agents that talk (as investigate's table says)
                            several = fetch(
                                self.ws.con,
                                "SELECT count(DISTINCT agent) > 1 FROM steps "
                                "WHERE run_id = ? AND agent IS NOT NULL",
                                [self.run_id],
                            )[0][0]
                            only = "only agent that talks" if several else "only agent"
                            # a share of 100%: the one step the model scores, no choice of step either (as
                            # investigate's "one candidate step"), not a certainty
                            share = (
                                "its one candidate step: no choice of step either"
                                if float(q["step_confidence"]) >= 1.0
                                else f"the step's share {q['step_confidence']:.0%}"
                            )
                            lines.append(
                                f"{head}: <b>{esc(q['agent'])}</b>, the run's {only} (no choice "
                                f"between agents), at step <b>{esc(q['step_id'])}</b> ({share}"
                                f"{unsure}{later})."
                            )
                        else:
                            # a user's own model may give no confidence: then none is printed ("nan%")
                            share = _share(q["agent_confidence"])
                            said = ", ".join(
                                p
                                for p in (f"agent share {share}" if share else "", unsure[2:], later[2:])
                                if p
                            )
                            lines.append(
                                f"{head}: <b>{esc(q['agent'])}</b> at step <b>{esc(q['step_id'])}</b>"
                                + (f" ({said})." if said else ".")
                            )
                            if _or(q["why"], ""):
                                alone = _model_alone(q, getattr(model, "uncertain_below", 0.5))
                                lines.append(
                                    f"Evidence in the log ({esc(q['evidence'])}): {esc(q['why'])}{alone}."
                                )
                        if _true(q["uncertain"]):
                            # (a coin toss read like a verdict: "Stock Clerk at step …", the doubt one word in
                            # brackets after a share)
                            lines.append(
                                "<span class='wb-uncertain'><b>Uncertain</b>: not sure enough to act on "
                                "alone. Read the findings and the steps it names before blaming an "
                                "agent.</span>"
                            )
                    else:  # a trace with no agent span (a bare LLM call, a LlamaIndex query): the step only
                        lines.append(
                            f"{head}: step <b>{esc(q['step_id'])}</b> (the log names no agent{later})."
                        )
            except Exception as exc:  # a model that cannot score this run says so, the rest stays
                lines.append(
                    f"Log-only BlameModel: cannot score this run ({esc(type(exc).__name__)}: {esc(exc)})."
                )
        if facts is None and self.run_id is not None:
            lines += self._lineage_lines(live_culprit)
            lines += _label_differs(live_culprit, getattr(self, "_labelled", []))
        self.verdict.value = "<br>".join(lines)
        self._offer_step(named)
        if facts is not None and len(values):
            # as wide as its half, its "…" menu over the corner: 420 px with its names and the menu beside it held
            # 515 px in the 484 of a 1400 px window's half (notebook 01 showing its replayed incident)
            chart = plots.blame_bars(values, title="Blame per agent (Shapley, with intervals)")
            if self._chart_blame is None:
                self._chart_blame = fit_output(plots.widget(chart, validate=False))
            else:
                redraw(self._chart_blame, chart, validate=False)
            self.blame_box.children = (self._chart_blame,)
        else:
            self.blame_box.children = ()
        self.compute.disabled = self.replay is None or self.run_id is None
        # a run with nothing to attribute shows no button inviting a replay; nor does an explorer without
        # replay=: its button could never do anything (the verdict above says to pass replay=)
        nothing = facts is None and outcome == "success"
        self.compute.layout.display = (
            "none" if self.run_id is None or self.replay is None or nothing else None
        )

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
        return tuple(
            fetch(
                self.ws.con,
                "SELECT (SELECT hash(list_sort(list(r::VARCHAR))) FROM runs r WHERE r.run_id = $1), "
                "(SELECT hash(list_sort(list(s::VARCHAR))) FROM steps s WHERE s.run_id = $1), "
                "(SELECT hash(list_sort(list(e::VARCHAR))) FROM edges e WHERE e.run_id = $1), "
                "(SELECT hash(list_sort(list(f::VARCHAR))) FROM findings f WHERE f.run_id = $1)",
                [run_id],
            )[0]
        )

    def _lineage_lines(self, live_culprit: str | None) -> list[str]:
        """Where a log-only culprit (the stored verdict the run list shows, or the model's above) is not
        the agent the run's silent_failure finding traces the wrong answer to: both named, as
        ``workbench investigate`` does. A replay verdict is evidence itself: then nothing is said."""
        stored = lineage_disagreements(self.ws, self.run_id)
        seen: list[tuple[str, bool, str, str | None, str]] = [
            (culprit, uncertain, agent, step, "the stored log-only verdict")
            for _, culprit, uncertain, agent, step, _ in stored
        ]
        if live_culprit is not None:
            stater = first_stater(self.ws, self.run_id)
            if stater is not None and stater[0] != live_culprit and live_culprit not in [c for c, *_ in seen]:
                seen.append((live_culprit, False, stater[0], stater[1], "the log-only BlameModel"))
        out = []
        for culprit, uncertain, agent, step, source in seen:
            where = f" at step <b>{esc(step)}</b>" if step else ""
            out.append(
                f"<span class='wb-lineage-note'><b>Look at both agents:</b> {source} names "
                f"<b>{esc(culprit)}</b>{' (uncertain)' if uncertain else ''}, but the silent_failure "
                f"finding traces the wrong answer to <b>{esc(agent)}</b>, who first stated its value"
                f"{where}. The finding follows the value the answer rests on; the model weighs the "
                "whole log.</span>"
            )
        return out

    def compute_attribution(self) -> Any:
        """Attribute the shown run by replay (Shapley over agents + decisive step), store it, show it."""
        from ..attribution import attribute

        if self.replay is None or self.run_id is None:
            raise ValueError("compute_attribution needs a run and IncidentExplorer(ws, replay=...)")
        n_agents = int(self.steps["agent"].nunique()) if len(self.steps) else 1
        self.progress.max = 2**n_agents + max(1, math.ceil(math.log2(max(2, len(self.steps))))) + 2
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
            self.verdict.value = (
                f"<div class='wb-compute-failed'><b>The attribution could not be computed</b> "
                f"(nothing was stored): {esc(type(exc).__name__)}: {esc(exc)}</div>" + self.verdict.value
            )
            raise
        finally:
            self.progress.value = self.progress.max
            self.compute.disabled = False
        run_id = self.run_id
        self._refresh(count=True)  # the list shows the new culprit (and a culprit filter may now match)
        self.show_run(run_id)
        return res


def _label_differs(culprit: str | None, labelled: list[tuple]) -> list[str]:
    """A line where the log-only model's culprit is none of the agents the run's labels name (labelled rows: agent,
    step_id, …): the header's "labelled culprit" (Who&When's mistake agent) and the model's other agent stood a
    panel apart, nothing saying which to believe."""
    named = [(agent, step) for agent, step, *_ in labelled if isinstance(agent, str) and agent]
    if culprit is None or not named or culprit in {a for a, _ in named}:
        return []
    who = ", ".join(f"<b>{esc(a)}</b>" + (f" at step <b>{esc(st)}</b>" if st else "") for a, st in named)
    return [
        f"<span class='wb-label-differs'><b>The labels name another culprit</b>: {who} (see the header). A label "
        "is what someone found the run to show; the log-only model's pick is a guess from the log alone.</span>"
    ]


def _model_state(model: Any) -> tuple:
    """The model's attributes (parameters and fitted state), the objects themselves: ``set_params`` or a
    ``fit`` in place replaces one, and the kept verdict was the old model's. (Held, so no id is reused.)"""
    return tuple(getattr(model, "__dict__", {}).items())


def _same_state(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(ka == kb and va is vb for (ka, va), (kb, vb) in zip(a, b, strict=True))
