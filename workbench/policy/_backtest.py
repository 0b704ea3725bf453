"""Backtest: what a policy would have done to the runs in a store, had it been in force.

The store's steps go through the same decision core as the runtime Guard, run by run in ``seq``
order (``before`` then ``after`` for each step), so the backtest and the guard decide alike.
A failed run counts as *prevented* when the policy cut or escalated it at or before its decisive
step (the earliest labelled culprit step) — anywhere in the run when no step is labelled. Runs
whose outcome is unknown are left out, and the report says how many.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pandas as pd

from .._params import is_number
from ..exceptions import InvalidParameterError
from ..store._outcomes import COUNTING, run_ids, silent_flag, with_run_outcomes
from ..store._run_scope import fill_run_scope
from ._core import Core
from ._meets import Meets
from ._model import Policy

# Both read {run_outcomes} (store/sql/run_outcomes.sql): $silent chooses what counts as failed.
_STEPS_SQL = with_run_outcomes(
    resources.files(__package__).joinpath("sql/backtest_steps.sql").read_text("utf-8")
)
_RUNS_SQL = with_run_outcomes(
    resources.files(__package__).joinpath("sql/backtest_runs.sql").read_text("utf-8")
)
_BATCH = 50_000
_INF = float("inf")


@dataclass
class BacktestReport:
    """What a policy would have done: per run, per rule and in total.

    Attributes
    ----------
    runs : DataFrame
        One row per evaluated run: outcome, ``decision`` (``cut`` / ``escalated`` / ``allowed``), the
        step and rule of the cut and of the first escalation, the decisive step, whether a failure
        was prevented (``prevented``) or a success lost (``lost``), and what the cut saved.
    table : DataFrame
        Per rule (the rule that intervened first in a run) and a ``total`` row: runs cut and
        escalated, the ``review_rate`` (runs escalated over all runs evaluated), failures prevented
        and caught late, successes lost (false stops) and false escalations, what the cuts saved, and
        the run ids: ``run_ids`` (every run the rule intervened in first), ``false_stop_ids``
        (successful runs it cut). :meth:`rule_runs` gives those runs in full.
    summary : dict
        Runs, failures, failures prevented and their share, review rate, successes lost, excluded;
        ``counting`` (what counted as failed, see ``silent``) and ``taken_as_failed`` (silent failures
        among the failures); ``excluded_no_steps`` (runs of known outcome with no step stored, left out; of them
        ``excluded_no_steps_failed`` failed, ``excluded_no_steps_quarantined`` steps quarantined);
        ``quarantined_steps`` and ``runs_with_quarantined``: records of the runs the store
        quarantined, which no backtest replays (the runs' ``quarantined`` column), where a live guard can
        decide otherwise: it counts a tool call whose arguments were past the store's limits.
    steps : DataFrame or None
        With ``steps=True``: every step's decision (``run_id, step_id, seq, phase, action, rule``).
    system : str or None
        The system whose runs were replayed when the policy's limits were learned for one and no ``runs=``
        were given (None: the runs given, or every run).
    """

    policy: Policy
    runs: pd.DataFrame
    table: pd.DataFrame
    summary: dict[str, Any]
    steps: pd.DataFrame | None = field(default=None, repr=False)
    system: str | None = None

    def rule_runs(self, rule: str) -> pd.DataFrame:
        """The runs ``rule`` intervened in first (``"total"``: every run it touched): outcome,
        decision, where it cut or escalated, whether that prevented a failure or lost a success."""
        known = set(self.table["rule"])
        if rule not in known:
            raise InvalidParameterError(
                f"rule: {rule!r} is not in this backtest (rules: {', '.join(sorted(known))})"
            )
        runs = self.runs
        part = runs[runs["rule"].notna()] if rule == "total" else runs[runs["rule"] == rule]
        return (
            part[
                [
                    "run_id",
                    "outcome",
                    "decision",
                    "rule",
                    "intervened_at",
                    "decisive_step",
                    "prevented",
                    "lost",
                    "escalations",
                ]
            ]
            .sort_values("run_id")
            .reset_index(drop=True)
        )

    def meets(self, prevented: float = 0.5, review_rate: float = 0.1) -> Meets:
        """Whether at least ``prevented`` of the failures are prevented at a review rate under
        ``review_rate``: true or false as a bool, and it says what it compared (``print(report.meets())``)."""
        # (a goal of NaN, True or "0.5" was taken as given: a gate that could never pass, or True read as 100 %)
        _check_goal("prevented", prevented, "failures")
        _check_goal("review_rate", review_rate, "runs")
        s = self.summary
        return Meets(
            prevented_share=float(s["prevented_share"]),
            prevented=int(s["prevented"]),
            failures=int(s["failures"]),
            review_rate=float(s["review_rate"]),
            prevented_goal=float(prevented),
            review_goal=float(review_rate),
        )

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<BacktestReport {s['runs']} runs ({s['failures']} failed{_counted(s)}, {s['excluded_unknown']} unknown "
            f"left out{_bare(s)}): prevented {s['prevented']} ({s['prevented_share']:.0%}), review rate "
            f"{s['review_rate']:.1%}, cut {s['cut_rate']:.1%}, successes lost {s['successes_lost']}{_unseen(s)}"
            f"{_idle(self.policy, s)}>"
        )

    def _repr_html_(self) -> str:
        from .._termtext import html_table  # rule names carry agent names from logs

        shown = self.table.copy()
        for col in ("run_ids", "false_stop_ids"):  # a handful shown; rule_runs(rule) has them all
            shown[col] = [
                ", ".join(ids[:5]) + (f" … (+{len(ids) - 5})" if len(ids) > 5 else "") for ids in shown[col]
            ]
        # the total row has no limit: blank, not "None" / "NaN"; a count's limit "3", not "3.0"
        shown["limit"] = [_limit_text(v) for v in shown["limit"]]
        # What each rule did, in few columns of short headers that wrap, the rest (savings, run ids) one click away:
        # all 14 columns held 1,529 px in a 1400 px window's 968 px output, read sideways
        brief = shown[list(_BRIEF)].rename(columns=_BRIEF)
        brief["review rate"] = [f"{v:.1%}" for v in brief["review rate"]]
        return (
            f"<p>{html.escape(repr(self))}</p>"
            + _BRIEF_STYLE
            + html_table(brief, na_rep="", classes="wb-backtest-brief")
            + "<details><summary>every column (savings, the runs of each rule): <code>report.table</code>"
            "</summary>" + html_table(shown, na_rep="") + "</details>"
        )


_BRIEF = {
    "rule": "rule",
    "limit": "limit",
    "runs_cut": "runs cut",
    "runs_escalated": "runs escalated",
    "review_rate": "review rate",
    "failures_prevented": "failures prevented",
    "successes_lost": "successes lost",
}
# (a rule's name, e.g. a HITL rule naming an agent, breaks anywhere rather than widen the table)
_BRIEF_STYLE = (
    "<style>.wb-backtest-brief th{white-space:normal;text-align:right}"
    ".wb-backtest-brief td:first-child{overflow-wrap:anywhere;min-width:6em;text-align:left}"
    ".wb-backtest-brief th:first-child{text-align:left}</style>"  # "rule" over its names, not right of them
)


def _limit_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return f"{int(v):,}" if isinstance(v, (int, float)) and float(v).is_integer() else str(v)


def _bare(summary: dict[str, Any]) -> str:
    """The runs of known outcome left out for holding no stored step, for the one-line repr."""
    n = summary.get("excluded_no_steps", 0)
    if not n:
        return ""
    held = summary.get("excluded_no_steps_quarantined", 0)
    return (
        f", {n} with no step stored left out ({summary['excluded_no_steps_failed']} failed"
        + (f"; {held} of their steps quarantined" if held else "")
        + ")"
    )


def _unseen(summary: dict[str, Any]) -> str:
    """The steps the report never saw, for its one-line repr: where a live guard can decide otherwise."""
    n = summary.get("quarantined_steps", 0)
    if not n:
        return ""
    return (
        f"; {n} quarantined step{'s' if n != 1 else ''} in {summary['runs_with_quarantined']} of the runs not "
        f"replayed (a live guard counts a tool call among them whose arguments were past the store's limits)"
    )


def _idle(policy: Policy, summary: dict[str, Any]) -> str:
    """Why nothing was stopped or sent to review, for the one-line repr: "prevented 0, review rate 0.0%, cut 0.0%"
    read as a policy that failed on these runs, when it had no rule (the proposal found none to weigh) or no run came
    near a limit (limits at these very runs' peaks stop none of them)."""
    if not summary["runs"] or summary["cut"] or summary["reviews"]:
        return ""
    rules = policy.rules()
    if not rules:
        why = next(iter(policy.provenance.notes or ()), "")
        return "; the policy has no rule: it stops nothing" + (f" (its first note: {why})" if why else "")
    return (
        f"; none of its {len(rules)} rule{'s' if len(rules) != 1 else ''} stepped in: no run went past a limit or "
        "crossed a threshold (limits learned at these runs' own peaks stop none of them: backtest on runs it did not "
        "learn from)"
    )


def _counted(summary: dict[str, Any]) -> str:
    """How the report counted failures, for its one-line repr."""
    if summary.get("silent", True):
        n = summary.get("taken_as_failed", 0)
        return f", {n} of them silent failures" if n else ""
    return " as reported, silent failures not counted"


def backtest(
    policy: Policy,
    ws: Any,
    runs: Any = None,
    steps: bool = False,
    progress: bool | None = None,
    silent: bool = True,
) -> BacktestReport:
    """Replay a store's history through ``policy``: which runs it would have cut (where),
    escalated (where) or let through, and what that prevents, loses and saves.

    Parameters
    ----------
    policy : Policy
    ws : Workspace
    runs : list of str or DataFrame, optional
        Only these runs (ids, or the frame ``ws.runs(...)`` returns): the runs a policy learned with
        ``policy_from_findings(ws, runs=...)`` did not see, for an honest estimate. By default every run,
        except that a policy whose limits were learned for one system (``suggest_limits(ws).to_policy(name)``)
        is replayed on that system's runs when the store holds several, as ``workbench policy backtest`` does
        (its other systems' runs were never meant for those limits); ``runs=ws.runs()`` replays them all. The
        report's ``system`` says which.
    steps : bool
        Also keep every step's decision (``report.steps``), for comparison with a Guard.
    progress : bool, optional
        Show a progress bar (default: above 200,000 steps).
    silent : bool
        Count the runs taken as failed (a silent failure: reported success, answer detached from the
        data; see :meth:`Workspace.runs`) as failed, as ``workbench investigate`` does (default).
        ``False``: the stored outcome only (labels, then what the log reported); the summary's
        ``counting`` says which was used.
    """
    silent = silent_flag(silent, "backtest")
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a workbench Policy (got {type(policy).__name__})")
    system = None
    if runs is None:
        runs, system = _learned_system_runs(ws, policy)
    runs = run_ids(ws, runs, "backtest")
    from ..thresholds._runs_given import refuse_empty  # (here: the thresholds package imports this module)

    refuse_empty(ws, runs, "backtest", "replay")  # (it returned an empty report: "0 runs", as if tried)
    con = ws.con.cursor()
    try:
        scoped = fill_run_scope(con, "_bt_scope", runs)
        info = {r[0]: r[1:] for r in con.execute(_RUNS_SQL, {"scoped": scoped, "silent": silent}).fetchall()}
        n_steps = sum(int(v[3] or 0) for v in info.values() if v[0] in ("success", "failure"))
        # here, not at import: tqdm.auto loads asyncio and tqdm's notebook check, which every import of the
        # thresholds, the policy's limits and the widgets paid through this module for a bar seldom shown
        from tqdm.auto import tqdm

        bar = tqdm(
            total=n_steps,
            unit="step",
            desc="backtest",
            disable=not (progress if progress is not None else n_steps > 200_000),
        )
        cur = con.execute(_STEPS_SQL, {"scoped": scoped, "every_run": False, "silent": silent})
        rows, step_rows = _replay(Core(policy), cur, info, bar, steps)
        bar.close()
    finally:
        con.close()
    frame = pd.DataFrame(rows, columns=_RUN_COLUMNS)
    excluded = sum(1 for v in info.values() if v[0] not in ("success", "failure"))
    summary = _summary(frame, excluded)
    # a run of known outcome with no step stored (each quarantined, or none logged) has nothing to replay: it is
    # left out, and said so (it vanished from the counts: two failed runs read "0 failed")
    bare = [v for v in info.values() if v[0] in ("success", "failure") and not v[3]]
    summary.update(
        excluded_no_steps=len(bare),
        excluded_no_steps_failed=sum(1 for v in bare if v[0] == "failure"),
        excluded_no_steps_quarantined=sum(int(v[7]) for v in bare),
    )
    summary.update(
        silent=silent,
        counting=COUNTING[silent],
        taken_as_failed=sum(1 for v in info.values() if v[0] == "failure" and v[6]),
    )
    report = BacktestReport(
        policy,
        frame,
        _table(frame, policy),
        summary,
        pd.DataFrame(step_rows, columns=_STEP_COLUMNS) if steps else None,
        system,
    )
    return report


def _learned_system_runs(ws: Any, policy: Policy) -> tuple[list[str] | None, str | None]:
    """The runs of the system the policy's limits were learned for, when the store holds that system among
    others (None, None: every run)."""
    learned_for = (policy.provenance.sweep or {}).get("system")
    if learned_for is None:
        return None, None  # (a policy of every system's runs: no store read)
    from ..store._outcomes import runs_by_system

    ids = runs_by_system(ws)
    if len(ids) < 2 or learned_for not in ids:
        return None, None
    return list(ids[learned_for]), learned_for


_RUN_COLUMNS = [
    "run_id",
    "outcome",
    "decision",
    "rule",
    "cut_step",
    "cut_rule",
    "escalate_step",
    "escalate_rule",
    "escalations",
    "decisive_step",
    "intervened_at",
    "prevented",
    "lost",
    "saved_tool_calls",
    "saved_tokens",
    "saved_cost",
    "saved_latency_ms",
    "quarantined",
]
_STEP_COLUMNS = ["run_id", "step_id", "seq", "phase", "action", "rule"]


def _replay(
    core: Core, cur: Any, info: dict[str, tuple], bar: Any, keep_steps: bool
) -> tuple[list[tuple], list[tuple]]:
    out: list[tuple] = []
    step_rows: list[tuple] = []
    current: str | None = None
    acc: dict[str, Any] = {}

    def finish() -> None:
        if current is None:
            return
        outcome, decisive_seq, decisive_step, _, run_end, _task, _taken, held = info[current]
        first = min((x for x in (acc["cut_seq"], acc["esc_seq"]) if x is not None), default=None)
        if acc["cut_seq"] is not None and (acc["esc_seq"] is None or acc["cut_seq"] <= acc["esc_seq"]):
            rule = acc["cut_rule"]
        else:
            rule = acc["esc_rule"]
        in_time = first is not None and (decisive_seq is None or first <= decisive_seq)
        decision = "cut" if acc["cut_step"] else "escalated" if acc["esc_step"] else "allowed"
        saved_latency = (
            max(0.0, (run_end - acc["cut_at"]) * 1000.0)
            if acc["cut_at"] is not None and run_end is not None
            else 0.0
        )
        out.append(
            (
                current,
                outcome,
                decision,
                rule,
                acc["cut_step"],
                acc["cut_rule"],
                acc["esc_step"],
                acc["esc_rule"],
                acc["escalations"],
                decisive_step,
                acc["cut_step"] if rule == acc["cut_rule"] and acc["cut_step"] else acc["esc_step"],
                bool(outcome == "failure" and in_time),
                bool(outcome == "success" and acc["cut_step"]),
                acc["saved_calls"],
                acc["saved_tokens"],
                acc["saved_cost"],
                saved_latency,
                int(held),
            )
        )

    def play(rows: list[tuple]) -> None:
        nonlocal current, acc
        run_id = rows[0][0]
        current = run_id
        state = core.new_run()
        core.given(state, info[run_id][5])
        acc = {
            "cut_seq": None,
            "cut_step": None,
            "cut_rule": None,
            "cut_at": None,
            "esc_seq": None,
            "esc_step": None,
            "esc_rule": None,
            "escalations": 0,
            "saved_calls": 0,
            "saved_tokens": 0,
            "saved_cost": 0.0,
        }
        for i, start in live_order(rows):
            (
                _,
                step_id,
                seq,
                agent,
                kind,
                tool,
                args,
                depth,
                t0,
                t1,
                latency,
                status,
                conf,
                ent,
                tin,
                tout,
                cost,
                output,
                encloses,
            ) = rows[i]
            if state.cut is not None:
                if start:  # after a cut: what the run would not have spent
                    acc["saved_calls"] += kind == "tool"
                    acc["saved_tokens"] += (tin or 0) + (tout or 0)
                    acc["saved_cost"] += cost or 0.0
                continue
            if start:
                d = core.before(state, agent, kind, tool, args, depth, t0)
                if keep_steps:
                    step_rows.append((run_id, step_id, seq, "before", d.action, d.rule))
                if d.action == "cut":
                    acc.update(cut_seq=seq, cut_step=step_id, cut_rule=d.rule, cut_at=t0)
                    acc["saved_calls"] += kind == "tool"
                    acc["saved_tokens"] += (tin or 0) + (tout or 0)
                    acc["saved_cost"] += cost or 0.0
                continue
            d = core.after(
                state,
                agent,
                kind,
                tool,
                args,
                status,
                latency,
                t1,
                {"confidence": conf, "entropy": ent, "tokens_in": tin, "tokens_out": tout, "cost": cost},
                output,
                encloses,
            )
            if keep_steps:
                step_rows.append((run_id, step_id, seq, "after", d.action, d.rule))
            if d.action == "cut":
                acc.update(cut_seq=seq, cut_step=step_id, cut_rule=d.rule, cut_at=t1)
            elif d.action == "escalate":
                acc["escalations"] += 1
                if acc["esc_step"] is None:
                    acc.update(esc_seq=seq, esc_step=step_id, esc_rule=d.rule)

    for rows in runs_of(cur, on_batch=bar.update):
        play(rows)
        finish()
    return out, step_rows


def runs_of(
    cur: Any, batch: int = _BATCH, on_batch: Callable[[int], Any] | None = None
) -> Iterator[list[tuple]]:
    """The rows of ``cur`` (ordered by run id, its first column) one run at a time, fetched ``batch`` rows at a
    time, so a store of millions of steps is never held whole; ``on_batch(n)`` after each batch (a progress bar)."""
    rows: list[tuple] = []
    while fetched := cur.fetchmany(batch):
        for row in fetched:
            if rows and row[0] != rows[0][0]:
                yield rows
                rows = []
            rows.append(row)
        if on_batch is not None:
            on_batch(len(fetched))
    if rows:
        yield rows


def live_order(rows: list[tuple]) -> list[tuple[int, bool]]:
    """A run's steps as a live system reports them: each step's start and end (row index, True for the start)
    in time order — an enclosing span ends after the steps under it, and what it said (an agent span's
    answer, restating its last call's) is heard then, not before its children ran, as a live guard hears
    it. At one instant a step ends before the next starts, a parent starts before its children and ends
    after them. A run with a step of unknown time keeps the store's order, each step's end after its start.
    ``rows``: one run's rows of ``sql/backtest_steps.sql``, in its order (run_peaks and the hand-off signal
    read them so too)."""
    if any(r[8] is None or r[9] is None for r in rows):
        return [e for i in range(len(rows)) for e in ((i, True), (i, False))]
    keyed = []
    for i, r in enumerate(rows):
        t0, t1, depth = r[8], r[9], r[7] or 0
        keyed.append(((t0, 1, depth, i), i, True))
        keyed.append(((t1, 2 if t1 <= t0 else 0, -depth, i), i, False))
    keyed.sort(key=lambda e: e[0])
    return [(i, start) for _, i, start in keyed]


def _table(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    names = [n for n, _ in policy.rules()]
    rows = []
    n_runs = len(frame)
    for name in [*names, "total"]:
        part = frame if name == "total" else frame[frame["rule"] == name]
        fail = part["outcome"] == "failure"
        escalated = int((part["escalate_step"].notna()).sum())
        rows.append(
            {
                "rule": name,
                "limit": dict(policy.rules()).get(name) if name != "total" else None,
                "runs_cut": int((part["decision"] == "cut").sum()),
                "runs_escalated": escalated,
                "review_rate": escalated / n_runs if n_runs else 0.0,
                "failures_prevented": int(part["prevented"].sum()),
                "failures_caught_late": int(
                    (fail & part["intervened_at"].notna() & ~part["prevented"]).sum()
                ),
                "successes_lost": int(part["lost"].sum()),
                "false_escalations": int(
                    ((part["outcome"] == "success") & part["escalate_step"].notna()).sum()
                ),
                "tool_calls_saved": int(part["saved_tool_calls"].sum()),
                "tokens_saved": int(part["saved_tokens"].sum()),
                "latency_saved_s": round(float(part["saved_latency_ms"].sum()) / 1000.0, 1),
                "run_ids": tuple(sorted(part.loc[part["rule"].notna(), "run_id"])),
                "false_stop_ids": tuple(sorted(part.loc[part["lost"], "run_id"])),
            }
        )
    return pd.DataFrame(rows)


def _summary(frame: pd.DataFrame, excluded: int) -> dict[str, Any]:
    n = len(frame)
    failures = int((frame["outcome"] == "failure").sum())
    prevented = int(frame["prevented"].sum())
    escalated = int(frame["escalate_step"].notna().sum())
    cut = int((frame["decision"] == "cut").sum())
    return {
        "runs": n,
        "failures": failures,
        "excluded_unknown": excluded,
        "prevented": prevented,
        "prevented_share": prevented / failures if failures else 0.0,
        "reviews": escalated,
        "review_rate": escalated / n if n else 0.0,
        "cut": cut,
        "cut_rate": cut / n if n else 0.0,
        "successes_lost": int(frame["lost"].sum()),
        "tool_calls_saved": int(frame["saved_tool_calls"].sum()),
        "tokens_saved": int(frame["saved_tokens"].sum()),
        "latency_saved_s": float(frame["saved_latency_ms"].sum()) / 1000.0,
        # records of these runs the store quarantined: never seen here, where a live guard and this report can
        # differ (the guard counts a tool call among them whose arguments were past the store's limits)
        "quarantined_steps": int(frame["quarantined"].sum()),
        "runs_with_quarantined": int((frame["quarantined"] > 0).sum()),
    }


def _check_goal(name: str, value: object, of: str) -> None:
    """A goal of :meth:`BacktestReport.meets`: a real number, 0 or more and finite (not a bool)."""
    if not is_number(value) or not 0 <= value < _INF:
        raise InvalidParameterError(f"{name} must be a share of {of}, 0 or more (got {value!r})")
