"""What a store lets an SRE tune, and what it does not, with the reason and what to do instead.

Real logs seldom carry everything a HITL sweep can use: most have no token log-probabilities (so no
confidence or entropy), few have labelled outcomes, fewer a labelled culprit step. Rather than fail
one signal at a time, this reads the store once and says it all.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from ..policy._model import SIGNALS
from ..store._outcomes import RUN_OUTCOMES_SQL, TAKEN_SQL, run_ids
from ..store._run_scope import fill_run_scope
from ._runs_given import refuse_empty

_COLUMNS = ["what", "tunable", "why", "instead"]


class TunableTable(pd.DataFrame):
    """The table :func:`what_can_be_tuned` returns: a DataFrame that shows its text whole. Displayed alone,
    pandas cut "why" and "instead" at 50 characters ("no step carries it: the logs have no token lo...")
    and the sentence that says what to do was the part lost."""

    @property
    def _constructor(self) -> type:
        return TunableTable

    def _repr_html_(self) -> str | None:
        if (
            list(self.columns) != _COLUMNS
        ):  # a frame made from it (columns picked, added): as pandas shows one
            with pd.option_context("display.max_colwidth", None):
                return super()._repr_html_()
        # sentences left-aligned, what to do instead after the reason: pandas' four right-aligned columns
        # squeezed each reason to three words a line in a 1000 px window (1,202 px tall, notebook 02)
        cell = "<td style='text-align:left;vertical-align:top'>"
        rows = "".join(
            f"<tr>{cell}{html.escape(str(what))}</td>{cell}{'✓ yes' if ok else '✗ no'}</td>{cell}{html.escape(str(why))}"
            + (f" — <i>instead:</i> {html.escape(str(instead))}" if instead else "")
            + "</td></tr>"
            for what, ok, why, instead in self[_COLUMNS].itertuples(index=False)
        )
        head = "".join(
            f"<th style='text-align:left'>{h}</th>"
            for h in ("what", "tunable", "why (and what to do instead)")
        )
        return f"<table class='wb-tunable'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def __repr__(self) -> str:
        # in a terminal too: every column, in blocks as wide as the terminal, each sentence whole
        with pd.option_context("display.max_colwidth", None, "display.max_columns", None):
            return super().__repr__()


_COLUMN_SIGNALS = ("confidence", "entropy", "latency_ms", "tokens_in", "tokens_out", "cost")
_NO_LOGPROBS = (
    "no step carries it: the logs have no token log-probabilities (nor workbench.confidence / "
    "workbench.entropy attributes)"
)
_NO_PROXY = (
    "workbench derives no stand-in from text; put a HITL rule on a signal the logs do carry, or "
    "have the system log its log-probabilities"
)


def what_can_be_tuned(ws: Any, runs: Any = None) -> TunableTable:
    """One row per thing to tune (a HITL signal, pricing thresholds, catching failures in time,
    breaker / budget / loop limits): ``tunable``, ``why`` (what the store has or lacks) and
    ``instead`` (what to do when it cannot be tuned here). A DataFrame that displays its sentences whole.
    ``runs``: only these runs (ids, or a frame of ``ws.runs(...)``: one system's, as the ThresholdTuner picks it)."""
    from ._sweep import available_signals

    runs = run_ids(ws, runs, "what_can_be_tuned")
    refuse_empty(ws, runs, "what_can_be_tuned")
    have = available_signals(ws, runs=runs).set_index("signal")["steps"]
    con = ws.con.cursor()
    try:
        scoped = fill_run_scope(con, "_tune_scope", runs)
        mine = "(NOT $scoped OR run_id IN (SELECT run_id FROM _tune_scope))"
        # outcomes as the tuners count them (store/sql/run_outcomes.sql): a silent failure is a failure
        counts = dict(
            con.execute(
                f"SELECT coalesce(outcome, 'unknown'), count(*) FROM ({RUN_OUTCOMES_SQL}) "
                f"WHERE {mine} GROUP BY 1",
                {"silent": True, "scoped": scoped},
            ).fetchall()
        )
        # every run's steps, outcome or not: a signal the logs carry, only not on labelled runs yet
        raw = dict(
            zip(
                _COLUMN_SIGNALS,
                con.execute(
                    "SELECT " + ", ".join(f"count({c})" for c in _COLUMN_SIGNALS) + " FROM steps "
                    f"WHERE (kind IS NULL OR kind NOT IN ('agent', 'system')) AND {mine}",
                    {"scoped": scoped},
                ).fetchall()[0],
                strict=True,
            )
        )
        # runs that reported success (or nothing) and are taken as failed: investigate lists them (SILENT*)
        silent_ok = con.execute(
            f"SELECT count(*) FROM ({TAKEN_SQL}) WHERE {mine}", {"scoped": scoped}
        ).fetchall()[0][0]
        culprits = con.execute(
            "SELECT count(DISTINCT l.run_id) FROM labels l JOIN runs r USING (run_id) "
            f"WHERE l.step_id IS NOT NULL AND r.outcome = 'failure' AND {mine}",
            {"scoped": scoped},
        ).fetchall()[0][0]
    finally:
        con.close()
    ok, bad, unknown = counts.get("success", 0), counts.get("failure", 0), counts.get("unknown", 0)
    rows: list[tuple[str, bool, str, str]] = []
    for signal in SIGNALS:
        n, anywhere = int(have.get(signal, 0)), raw.get(signal)
        if n:
            rows.append((f"HITL on {signal}", True, f"{n:,} steps of runs with a known outcome carry it", ""))
        elif anywhere == 0 and signal in ("confidence", "entropy"):
            rows.append((f"HITL on {signal}", False, _NO_LOGPROBS, _NO_PROXY))
        elif anywhere == 0:
            rows.append((f"HITL on {signal}", False, "no step carries it", ""))
        else:  # a running count, or a column only runs of unknown outcome carry
            rows.append(
                (
                    f"HITL on {signal}",
                    False,
                    "no step of a run with a known outcome carries it"
                    + (f" ({anywhere:,} steps of other runs do)" if anywhere else ""),
                    "label outcomes",
                )
            )
    known = f"{ok:,} successful, {bad:,} failed, {unknown:,} of unknown outcome (left out)"
    if silent_ok:
        # for an SRE: what happened to these runs, what the tuners do with them, and the two ways to change it
        # (it read "the tuners count them as failed (silent=False: as reported)")
        one = silent_ok == 1
        it, they = ("it", "it") if one else ("they", "them")
        known += (
            f"; {silent_ok:,} of these failed runs reported success (or no outcome), "
            f"but a critical silent_failure finding shows {it} failed: the tuners count {they} as failed, as "
            f"`workbench investigate` does (it marks {they} SILENT*). To count {they} as the system reported "
            "instead: wb.sweep_thresholds(ws, signal, silent=False) or wb.suggest_limits(ws, silent=False); "
            "to overrule one run, label it: ws.label(run_id, outcome='success')"
        )
    if ok and bad:
        rows.append(("pricing a threshold (review load against failures caught)", True, known, ""))
    elif not ok and not bad:
        rows.append(
            (
                "pricing a threshold (review load against failures caught)",
                False,
                f"no run has a known outcome ({unknown:,} unknown)",
                "label outcomes: ws.label(run_id, outcome='success' | 'failure'), ws.label_file(...)",
            )
        )
    else:
        missing = "successful" if not ok else "failed"
        rows.append(
            (
                "pricing a threshold (review load against failures caught)",
                False,
                f"{known}: with no {missing} run, "
                + (
                    "false escalations cannot be counted (every threshold looks free)"
                    if not ok
                    else "there is no failure to catch"
                ),
                f"label some {missing} runs of the same system",
            )
        )
    if bad:
        rows.append(
            (
                "catching failures in time (before the culprit step)",
                bool(culprits),
                f"{culprits:,} of {bad:,} failed runs have a labelled culprit step"
                + ("" if culprits == bad else "; the others count as caught when escalated anywhere"),
                "" if culprits else "label culprit steps: ws.label(run_id, step_id=..., agent=...)",
            )
        )
    limits = "breaker, budget and loop limits"
    if ok and bad:
        rows.append(
            (limits, True, known, "wb.policy_from_findings(ws) weighs failures cut against successes lost")
        )
    else:
        rows.append(
            (
                limits,
                True,
                f"{known}: no limit can be priced",
                "wb.suggest_limits(ws): each limit at a quantile of how far each system's runs went, "
                "with the runs it stops",
            )
        )
    return TunableTable(rows, columns=_COLUMNS)
