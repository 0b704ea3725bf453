"""Limits from what a system's normal runs reached: each rule at a quantile, per system, with the runs
it would have stopped.

:func:`policy_from_findings` prices a limit against failed and successful runs; real stores often
cannot: exported incidents are all failures (Who&When), traces of a framework carry no outcome at
all (Langfuse), and no log-probabilities (so no confidence or entropy to put a HITL threshold on).
What every store with steps can say is how far its runs went: tool calls, retries, repeats,
hand-offs, depth, latency, bounces. :func:`suggest_limits` sets each limit at the ``quantile`` of
the peaks (measured by the guard's own decision core) of the system's successful runs, or, with too
few of those, of all its runs, and says which basis it used, what it could not measure and why, and
which runs, of which outcome, each limit would have stopped.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from .._plain import counted
from ..exceptions import InvalidParameterError
from ..store._outcomes import run_ids, silent_flag
from ..thresholds._runs_given import refuse_empty, store_holds
from ._model import Breakers, Budgets, Loops, Policy, Provenance
from ._propose import _FLOOR, _RULES, run_peaks

# Counts a run without the step kind they count stays at 0 (no retry is 0 retries); the others are
# unmeasured when no step carries them.
_COUNTS = {
    "max_handoffs": "handoff",
    "max_tool_calls_run": "tool",
    "max_tool_calls_agent": "tool",
    "max_retries": "tool",
    "max_repeats": "tool",
    "max_pingpong": None,
    "max_repeated_replies": None,
}
_MISSING = {
    "max_depth": "no step carries a depth (no parent links)",
    "max_step_latency_ms": "no step carries a latency or start and end times",
    "max_run_latency_ms": "no step carries start and end times",
    "handoff": "no hand-off step in these runs",
    "tool": "no tool call in these runs",
}
_WORDS = {"failure": "failed", "success": "successful", "unknown": "unknown"}
_COLUMNS = [
    "system",
    "rule",
    "limit",
    "basis",
    "baseline_runs",
    "p50",
    "p90",
    "p_quantile",
    "max",
    "stops",
    "stops_failed",
    "stops_successful",
    "stops_unknown",
    "stopped_runs",
    "note",
]


@dataclass
class LimitSuggestions:
    """Suggested limits per system and rule (:func:`suggest_limits`).

    Attributes
    ----------
    table : DataFrame
        One row per system and rule: ``limit`` (``None`` with a ``note`` saying why when the store
        cannot say), ``basis`` (which runs it was learned from), ``baseline_runs``, the peaks' ``p50``,
        ``p90``, ``p_quantile`` and ``max`` over the basis (on a count rule whole numbers: each quantile is
        the peak of the basis run at that rank, numpy's ``method="higher"``, as the limit's is), and the runs of the system it stops
        (peak above the limit): ``stops`` by outcome, ``stopped_runs`` (run ids, highest peak first).
    runs : DataFrame
        Every run's ``system``, ``outcome`` and peak per rule.
    quantile : float
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    quantile: float
    store: str = "<memory>"
    notes: dict[str, list[str]] = field(default_factory=dict)
    window: int = 20
    min_runs: int = 5
    # step kinds ('tool', 'handoff') each system's runs hold: a count rule over a kind never seen is unmeasured
    kinds: dict[str, frozenset[str]] = field(default_factory=dict)
    # whether runs taken as failed (silent failures) count as failed (run_peaks' silent)
    silent: bool = True
    # False: one set of limits for every run, grouped under "" as the runs with no system name are; a policy of
    # it records no system (a backtest read "" as those runs only and replayed 2 of a store's 8)
    by_system: bool = True

    def at(self, quantile: float) -> LimitSuggestions:
        """The same runs' limits at another ``quantile`` (no store access: the peaks are kept)."""
        _check_quantile(quantile)
        return _from_peaks(
            self.runs,
            self.kinds,
            quantile,
            self.min_runs,
            self.store,
            self.window,
            self.silent,
            self.by_system,
        )

    def summary(self) -> pd.DataFrame:
        """Per system: its runs by outcome and how many of them the suggested limits together stop
        (any rule's peak past its limit): ``limits``, ``runs``, ``failed``, ``successful``, ``unknown``,
        ``stops_failed`` (caught), ``stops_successful`` (cut: what the limits cost), ``stops_unknown``."""
        # one pass per rule over every run (the limit of each run's system beside it), not per system and rule:
        # the LimitTuner's readout reads this on every redraw
        limited = self.table[self.table["limit"].notna()]
        hit = np.zeros(len(self.runs), dtype=bool)
        for rule, part in limited.groupby("rule", sort=False):
            bound = self.runs["system"].map(dict(zip(part["system"], part["limit"], strict=True)))
            hit |= self.runs[rule].fillna(0.0).to_numpy(dtype=float) > bound.to_numpy(
                dtype=float, na_value=np.nan
            )
        outcomes = self.runs["outcome"].to_numpy(dtype=object)
        limits = limited["system"].value_counts()
        rows = []
        for system, at in sorted(self.runs.groupby("system", sort=True).indices.items()):
            outcome, stopped = outcomes[at], outcomes[at][hit[at]]
            rows.append(
                {
                    "system": system,
                    "limits": int(limits.get(system, 0)),
                    "runs": len(at),
                    **{w: int((outcome == o).sum()) for o, w in _WORDS.items()},
                    **{f"stops_{w}": int((stopped == o).sum()) for o, w in _WORDS.items()},
                }
            )
        return pd.DataFrame(
            rows,
            columns=["system", "limits", "runs", *_WORDS.values(), *(f"stops_{w}" for w in _WORDS.values())],
        )

    def stopped(self, system: str, rule: str) -> pd.DataFrame:
        """The runs of ``system`` that ``rule``'s suggested limit stops: run id, outcome, peak."""
        row = self._row(system, rule)
        if row["limit"] is None:
            return pd.DataFrame(columns=["run_id", "outcome", "peak"])
        part = self.runs[(self.runs["system"] == system) & (self.runs[rule] > row["limit"])]
        return (
            part[["run_id", "outcome", rule]]
            .rename(columns={rule: "peak"})
            .sort_values(["peak", "run_id"], ascending=[False, True])
            .reset_index(drop=True)
        )

    def to_policy(self, system: str | None = None, version: str = "1") -> Policy:
        """The suggested limits of one system as a :class:`Policy` (``system`` may be left out when
        the store holds one system)."""
        systems = sorted(self.table["system"].unique())
        if system is None:
            if len(systems) != 1:
                raise InvalidParameterError(
                    f"system: this store holds {len(systems)} systems, name one of {listed_systems(systems)}"
                )
            system = systems[0]
        if system not in systems:
            raise InvalidParameterError(
                f"system: no runs of {system!r} here (systems: {listed_systems(systems)})"
            )
        part = self.table[self.table["system"] == system]
        limits: dict[str, dict[str, Any]] = {"breakers": {}, "budgets": {}, "loops": {"window": self.window}}
        notes = list(self.notes.get(system, []))
        for row in part.itertuples(index=False):
            if row.limit is None:
                notes.append(f"{row.rule}: no limit ({row.note})")
                continue
            limits[_RULES[row.rule][0]][row.rule] = row.limit
            # the basis in short: its caveat ("fewer than 5 successful: limits are where the runs went") is the first
            # note's, once (it was each limit's too, ten times in a row, in the CLI's words and the file's notes)
            basis = (
                f"the {row.baseline_runs} successful"
                if row.basis == "successful runs"
                else f"all {row.baseline_runs}"
            )
            notes.append(
                f"{row.rule} {row.limit:g}{_counts_what(row.rule, row.limit)}: p{self.quantile * 100:g} of {basis} runs' peaks; stops {row.stops_failed} failed, {row.stops_successful} successful, "
                f"{row.stops_unknown} unknown runs"
            )
        sys_runs = self.runs[self.runs["system"] == system]
        prov = Provenance(
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            created_by="workbench",
            source="suggest_limits",
            store=self.store,
            runs=len(sys_runs),
            failures=int((sys_runs["outcome"] == "failure").sum()),
            notes=tuple(notes),
            sweep={
                "quantile": self.quantile,
                "system": system if self.by_system else None,
                "silent": self.silent,
            },
        )
        return Policy(
            version=version,
            name=system or None,
            breakers=Breakers(**limits["breakers"]),
            budgets=Budgets(**limits["budgets"]),
            loops=Loops(**limits["loops"]),
            provenance=prov,
        )

    def _row(self, system: str, rule: str) -> dict[str, Any]:
        hit = self.table[(self.table["system"] == system) & (self.table["rule"] == rule)]
        if hit.empty:
            raise InvalidParameterError(f"no suggestion for system {system!r} and rule {rule!r}")
        return hit.iloc[0].to_dict()

    def __repr__(self) -> str:
        set_ = int(self.table["limit"].notna().sum())
        return (
            f"<LimitSuggestions p{self.quantile * 100:g}: {counted(set_, 'limit')} over "
            f"{counted(self.table['system'].nunique(), 'system')}, {counted(len(self.runs), 'run')}; "
            f"{'silent failures counted as failed' if self.silent else 'outcomes as reported'}>"
        )

    def _repr_html_(self) -> str:
        from .._termtext import html_table, html_text  # system names and run ids come from logs

        # One line a system, its rules one click away: a bullet per system twice, then a row per system and
        # rule in 15 columns, ran to 41,199 px (and sideways) on a store of 30 systems (lab56)
        summary = self.summary()
        parts = [f"<p>{html.escape(repr(self))}</p>", _LIMITS_STYLE]
        for r in summary.itertuples(index=False):
            stop = ", ".join(
                f"{getattr(r, 'stops_' + w)} of {getattr(r, w)} {w}" for w in _WORDS.values() if getattr(r, w)
            )
            rules = self.table[self.table["system"] == r.system]
            # the columns of the LimitTuner's table (the limit is the quantile's peak: no column of its own; why a
            # rule has no limit in the notes above, not a column): ten columns held 800 px in a 568 px output
            shown = pd.DataFrame(
                {
                    "rule": rules["rule"],
                    "limit": [_number(v) for v in rules["limit"]],
                    "basis runs": rules["baseline_runs"],
                    "p50": [_number(v) for v in rules["p50"]],
                    "p90": [_number(v) for v in rules["p90"]],
                    "max": [_number(v) for v in rules["max"]],
                    "stops failed / successful / unknown": [
                        f"{a} / {b} / {c}"
                        for a, b, c in zip(
                            rules["stops_failed"],
                            rules["stops_successful"],
                            rules["stops_unknown"],
                            strict=True,
                        )
                    ],
                }
            )
            # the runs stopped below the table, a line a rule: in a column an id was broken mid-way to fit
            # ("ww-" / "9a99bd895ad" / "efd88"), and a trace id whole (32 hex) took the table past the output
            stopped = [
                f"{x.rule}: "
                + ", ".join(x.stopped_runs[:5])
                + (f" … (+{len(x.stopped_runs) - 5})" if len(x.stopped_runs) > 5 else "")
                for x in rules.itertuples(index=False)
                if len(x.stopped_runs)
            ]
            runs = (
                "<p>First runs stopped, highest peak first:</p><ul>"
                + "".join(f"<li>{html_text(t)}</li>" for t in stopped)
                + "</ul>"
                if stopped
                else ""
            )
            notes = [*self.notes.get(r.system, [])] + [
                f"{x.rule}: no limit ({x.note})" for x in rules.itertuples(index=False) if x.limit is None
            ]
            listed = "<ul>" + "".join(f"<li>{html_text(n)}</li>" for n in notes) + "</ul>" if notes else ""
            parts.append(
                f"<details{' open' if len(summary) == 1 else ''}><summary>"
                f"{html_text(system_name(r.system))}: {counted(r.limits, 'limit')}; together they stop {stop} runs"
                f"</summary>{listed}{html_table(shown, na_rep='', classes='wb-limits')}{runs}</details>"
            )
        return "".join(parts)


# cells padded as the LimitTuner's (the notebook's 6.5 px a side took 130 px of ten columns), numbers on one line,
# headers wrapping over their columns
_LIMITS_STYLE = (
    "<style>.wb-limits :is(td,th){padding:1px 2px;white-space:nowrap}.wb-limits th{white-space:normal}"
    ".wb-limits :is(td,th):first-child{text-align:left}"
    "</style>"
)


def _number(v: Any) -> str:
    """A limit or peak to read: blank when unmeasured, whole from 100 up, three figures below."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 100 or v.is_integer() else f"{v:.3g}"


# "3 runs (3 failed)", not "(3 failure)"
_OUTCOME_WORD = {"success": "successful", "failure": "failed", "unknown": "unknown"}


def _counts_what(rule: str, limit: float) -> str:
    """What a limit counts, where its number misleads: max_repeats counts calls made *again*, so "max_repeats 2"
    lets a call through 3 times (the loop detector's "called 3 times in a row" is within it, not past it)."""
    if rule != "max_repeats":
        return ""
    made = int(limit) + 1
    nth = made + 1
    suffix = "th" if 10 <= nth % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(nth % 10, "th")
    return (
        f" (the same call, succeeding, passes {'once' if made == 1 else f'{made} times'}; "
        f"a {nth}{suffix} is stopped)"
    )


def suggest_limits(
    ws: Any,
    quantile: float = 0.99,
    min_runs: int = 5,
    by_system: bool = True,
    window: int = 20,
    silent: bool = True,
    runs: Any = None,
) -> LimitSuggestions:
    """Suggest breaker, budget and loop limits from how far a store's runs went, per system.

    Parameters
    ----------
    ws : Workspace
    quantile : float
        Each limit is this quantile of the basis runs' peaks (an observed value, rounded up to a whole
        count or millisecond): about ``1 - quantile`` of the basis runs go past it.
    min_runs : int
        Successful runs a system needs for them to be the basis; with fewer, all of its runs are
        (failed and unknown too), and the ``basis`` column says so.
    by_system : bool
        One set of limits per ``runs.system`` (systems differ in length and fan-out); else one for all.
    window : int
        The loop rule's window of tool calls.
    silent : bool
        Count the runs taken as failed (silent failures, as ``workbench investigate``) as failed, not
        as the successes they reported (default): they are no basis for a normal run, and a limit
        stopping one stops a failure. ``False``: the stored outcome only.
    runs : list of str or DataFrame, optional
        Measure these runs only (ids, or the frame ``ws.runs(...)`` returns), to backtest the limits on the
        others (``wb.backtest(policy, ws, runs=...)``). Every run by default.

    Examples
    --------
    >>> s = wb.suggest_limits(ws, quantile=0.99)          # doctest: +SKIP
    >>> s.table[["system", "rule", "limit", "basis", "stops_failed", "stops_successful"]]  # doctest: +SKIP
    >>> s.stopped("procurement", "max_tool_calls_run")    # doctest: +SKIP
    >>> s.to_policy("procurement").to_yaml("policy.yaml")  # doctest: +SKIP
    """
    silent = silent_flag(silent, "suggest_limits")
    _check_quantile(quantile)
    if min_runs < 1:
        raise InvalidParameterError(f"'min_runs' must be >= 1 (got {min_runs!r})")
    runs = run_ids(
        ws, runs, "suggest_limits"
    )  # (an unknown id was said by "run_peaks:", no function of the user's)
    refuse_empty(ws, runs, "suggest_limits", "measure limits on")
    peaks = run_peaks(ws, window, unknown=True, silent=silent, runs=runs)
    if peaks.empty:
        raise InvalidParameterError(_nothing_to_measure(ws, runs))
    con = ws.con.cursor()
    try:
        systems = dict(con.execute("SELECT run_id, coalesce(system, '') FROM runs").fetchall())
        kinds = con.execute(
            "SELECT coalesce(system, ''), kind FROM steps JOIN runs USING (run_id) "
            "WHERE kind IN ('tool', 'handoff') GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    peaks["system"] = peaks["run_id"].map(systems) if by_system else ""
    has: dict[str, set[str]] = {}
    for system, kind in kinds:
        has.setdefault(system if by_system else "", set()).add(kind)
    store = str(ws.path) if getattr(ws, "path", None) is not None else "<memory>"
    return _from_peaks(
        peaks, {s: frozenset(k) for s, k in has.items()}, quantile, min_runs, store, window, silent, by_system
    )


def _nothing_to_measure(ws: Any, runs: list[str] | None) -> str:
    """Why no run could be measured: what was given (``runs=[]`` was told "no run with steps in this store" of a
    store holding hundreds: refused before, by ``refuse_empty``) and what is needed."""
    held = store_holds(ws)
    if runs is None:
        return (
            f"suggest_limits: no run with steps in this store ({held}): nothing to measure limits on; ingest "
            "logs with steps first, e.g. ws.ingest('traces.jsonl')"
        )
    return (
        f"suggest_limits: none of the {counted(len(runs), 'run')} given has a step ({held}): nothing to "
        "measure limits on; give runs with steps, or leave runs=None for every run"
    )


# the runs whose log names no system are grouped under "" (``to_policy("")``); a reader sees them named
NO_SYSTEM = "(no system name)"


def system_name(system: object) -> str:
    return str(system) if isinstance(system, str) and system else NO_SYSTEM


def listed_systems(systems: list[str]) -> str:
    """Systems for a message: ``'support', '' (the runs with no system name)``, not a bare ``''``."""
    return ", ".join(repr(x) + ("" if x else " (the runs with no system name)") for x in systems)


def _check_quantile(quantile: float) -> None:
    if not 0 < quantile <= 1:
        raise InvalidParameterError(f"'quantile' must be in (0, 1] (got {quantile!r})")


def _from_peaks(
    peaks: pd.DataFrame,
    kinds: dict[str, frozenset[str]],
    quantile: float,
    min_runs: int,
    store: str,
    window: int,
    silent: bool = True,
    by_system: bool = True,
) -> LimitSuggestions:
    rows: list[dict[str, Any]] = []
    notes: dict[str, list[str]] = {}
    # numpy columns taken once: per system and rule pandas masks, sorts and assigns were 1.5-2 CPU s on a
    # real store of 32 systems (320 system x rule suggestions), the LimitTuner's cell blank all that time
    run_ids = peaks["run_id"].to_numpy(dtype=object)
    outcomes = peaks["outcome"].to_numpy(dtype=object)
    columns = {rule: peaks[rule].to_numpy(dtype=float, na_value=np.nan) for rule in _RULES}
    for system, at in sorted(peaks.groupby("system", sort=True).indices.items()):
        has = kinds.get(system, frozenset())
        outcome = outcomes[at]
        ok = outcome == "success"
        basis, base = "successful runs", ok
        if int(ok.sum()) < min_runs:
            base = np.ones(len(at), dtype=bool)
            counts = peaks["outcome"].iloc[at].value_counts()
            basis = (
                "all runs (no outcome labels)"
                if counts.get("unknown", 0) == len(at)
                else f"all runs ({int(ok.sum())} successful, fewer than {min_runs}: limits are where the runs "
                "went, not what normal runs need)"
            )
            notes[str(system)] = [
                f"{counted(len(at), 'run')} ({', '.join(f'{n} {_OUTCOME_WORD.get(o, o)}' for o, n in counts.items())}); "
                f"limits learned from {basis}: check the runs each one stops"
            ]
        for rule, (_group, _detector, integer) in _RULES.items():
            rows.append(
                _suggest(
                    system, rule, integer, columns[rule][at], base, run_ids[at], outcome, basis, quantile, has
                )
            )
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["limit"] = pd.Series([r["limit"] for r in rows], dtype=object)  # whole counts stay ints
    return LimitSuggestions(table, peaks, quantile, store, notes, window, min_runs, kinds, silent, by_system)


def _suggest(
    system: str,
    rule: str,
    integer: bool,
    peak: np.ndarray,
    base: np.ndarray,
    run_ids: np.ndarray,
    outcome: np.ndarray,
    basis: str,
    quantile: float,
    kinds: frozenset[str],
) -> dict[str, Any]:
    """One rule's limit for one system: ``peak`` (its runs' peaks, NaN unmeasured), ``base`` (which of them
    are the basis), ``run_ids`` and ``outcome`` of the same runs, in the same order."""
    row: dict[str, Any] = {
        "system": system,
        "rule": rule,
        "limit": None,
        "basis": basis,
        "baseline_runs": int(base.sum()),
        "stops": 0,
        "stops_failed": 0,
        "stops_successful": 0,
        "stops_unknown": 0,
        "stopped_runs": (),
        "note": "",
    }
    if rule in _COUNTS:
        kind = _COUNTS[rule]
        if kind is not None and kind not in kinds:
            return {**row, "note": _MISSING[kind]}
        peak = np.nan_to_num(peak, nan=0.0)
        arr = peak[base]
    else:
        arr = peak[base]
        arr = arr[~np.isnan(arr)]
        # every run of depth 0 is every step a root: no parent links (Who&When's turns, flat exports), and a
        # "max_depth 0" from them stopped any nested step of a live system
        if arr.size == 0 or (rule == "max_depth" and not np.nanmax(peak) > 0):
            return {**row, "note": _MISSING[rule]}
    top = float(np.quantile(arr, quantile, method="higher"))
    limit: float | int = max(int(math.ceil(top)), _FLOOR.get(rule, 0)) if integer else float(math.ceil(top))
    past = np.flatnonzero(peak > limit)  # NaN (unmeasured) is past no limit
    order = sorted(past, key=lambda i: (-peak[i], run_ids[i]))
    stopped = outcome[past]
    # a count's p50 / p90 taken as its limit's quantile is (method "higher": the peak of a real run, a whole
    # number): an interpolated "2.8 tool calls" is no run's peak, and the limit sits on a run's peak too
    method = "higher" if integer else "linear"
    return {
        **row,
        "limit": limit,
        "baseline_runs": len(arr),
        "p50": float(np.quantile(arr, 0.5, method=method)),
        "p90": float(np.quantile(arr, 0.9, method=method)),
        "p_quantile": top,
        "max": float(arr.max()),
        "stops": len(past),
        "stops_failed": int((stopped == "failure").sum()),
        "stops_successful": int((stopped == "success").sum()),
        "stops_unknown": int((stopped == "unknown").sum()),
        "stopped_runs": tuple(run_ids[order]),
    }
