"""The threshold tuner's words: what the logs do not let it tune, the recommended threshold and why, and the
readout's notes (no rule for an agent, agents sharing a threshold, every run sent, over the review budget)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._plain import counted, plain
from ._html import bidi, esc
from ._signal_range import beyond, point_at

if TYPE_CHECKING:
    from ..thresholds import SweepPoint, ThresholdSweep
    from ..workspace import Workspace


def _capabilities_html(ws: Workspace, expanded: bool = True, runs: list[str] | None = None) -> str:
    """What this store (``runs``: these of its runs) cannot tune, and what to do instead (nothing when it can
    tune everything)."""
    from ..thresholds import what_can_be_tuned

    table = what_can_be_tuned(ws, runs=runs)
    missing = table[~table["tunable"] | table["instead"].str.startswith("wb.suggest_limits")]
    if missing.empty:
        return ""
    # the rows saying the same, one item: confidence's and entropy's 40-word reason twice, word for word, filled
    # the top of the tuner on real framework logs (none carries log-probabilities)
    same: dict[tuple[str, str], list[str]] = {}
    for r in missing.itertuples(index=False):
        same.setdefault((r.why, r.instead), []).append(r.what)
    items = "".join(
        f"<li><b>{esc(_either(whats))}</b>: {esc(why)}" + (f" — {esc(instead)}" if instead else "") + "</li>"
        for (why, instead), whats in same.items()
    )
    return (
        f"<details{' open' if expanded else ''}><summary>What these logs do not let you tune</summary>"
        f"<ul>{items}</ul></details>"
    )


def _either(whats: list[str]) -> str:
    """``["HITL on confidence", "HITL on entropy"]`` as "HITL on confidence or entropy" (three or more: "HITL on
    latency_ms, tokens_in or cost")."""
    if len(whats) > 1 and all(w.startswith("HITL on ") for w in whats):
        names = [w.removeprefix("HITL on ") for w in whats]
        return "HITL on " + ", ".join(names[:-1]) + " or " + names[-1]
    return " · ".join(whats)


def _no_rule_note(t: dict[str, float | None], past: float | None, fmt: str) -> str:
    """What the per-agent sliders on the no-review point mean, in words (none there: nothing)."""
    off = [a for a, v in t.items() if v is None]
    if not off or past is None:
        return ""
    names = ", ".join(f"<b>{bidi(a)}</b>" for a in off[:12]) + (
        f" and {len(off) - 12:,} more" if len(off) > 12 else ""
    )
    one = len(off) == 1
    return (
        f"<div style='font-size:13px'>No rule for {names}: {'its slider sits' if one else 'their sliders sit'} "
        f"at {format(past, fmt)}, past every value, where none of {'its' if one else 'their'} steps is sent to "
        f"a human, and the policy exported has no rule for {'it' if one else 'them'}. Move a slider off that "
        "end to try a threshold.</div>"
    )


# Fewer failed runs than this carrying a signal: too few to tell one agent's threshold from another's.
FEW_FAILED_RUNS = 5


def _per_agent_why(sw: ThresholdSweep, t: dict[str, float | None], fmt: str) -> str:
    """Why the per-agent thresholds the tuner opened on coincide (several agents on one value) or leave agents with
    no rule: on real traces three agents opened on one threshold with no word of why, read as a defect of the
    search. The search starts every agent on the best single threshold and moves one only where that lowers the
    expected cost; with one failed run every agent slower in it separates it as well, and nothing picks one."""
    if sw.best_per_agent is None:
        return ""
    rules = [v for v in t.values() if v is not None]
    shared = [a for a, v in t.items() if v is not None and rules.count(v) > 1]
    off = [a for a, v in t.items() if v is None]
    if not shared and not off:
        return ""
    runs = sw.agent_runs()
    failed = runs.attrs["failed_runs"]
    parts = []
    if sw.n_failures >= sw.n_runs:
        # every run failed: the note was left out, and three agents sat on "no rule" with no word of why (ux40,
        # the OpenAI Agents desk once its silent failure counts)
        parts.append(_unpriced_agents_why(sw, rules))
    if shared:
        names = ", ".join(f"<b>{bidi(a)}</b>" for a in shared[:12]) + (
            f" and {len(shared) - 12:,} more" if len(shared) > 12 else ""
        )
        parts.append(
            f"{names} share one threshold, {format(float(t[shared[0]]), fmt)}: the best single threshold, and "
            "no agent's own threshold lowers the expected cost from there."
        )
    if failed < FEW_FAILED_RUNS and rules:
        them = "it" if failed == 1 else "them"
        of = f" of the {sw.n_runs:,}" if failed < sw.n_runs else ""  # ("2 failed runs of the 2": every run)
        parts.append(
            f"Only {counted(failed, 'failed run')}{of} carr{'ies' if failed == 1 else 'y'} "
            f"{esc(sw.signal)} in time: too few to tell which agent's threshold matters "
            f"({counted(int((runs['failed_runs'] > 0).sum()), 'agent')} with steps in {them}; any of them "
            f"slower there separates {them} as well). Label more runs of this system for thresholds that "
            "differ by agent."
        )
    return "<div class='wb-tuner-agent-why' style='font-size:13px'>" + " ".join(parts) + "</div>"


def _unpriced_agents_why(sw: ThresholdSweep, rules: list[float]) -> str:
    """Why the agents opened where they did when every run failed: nothing is priced, the search keeps to the review
    budget catching the most failures in time, and a budget no threshold keeps leaves every agent without a rule."""
    why = (
        "<b>Every run here failed</b>: no escalation can be counted as false, so the agents' thresholds are the set "
        "catching the most failures in time"
    )
    if not sw.budget:
        return why + "."
    why += f" within the {_share(sw.budget)} review budget (max review)"
    fewest = sw.curve["escalated_runs"].min() if len(sw.curve) else 0
    if rules or fewest <= sw.budget * sw.n_runs:
        return why + "."
    share = fewest / sw.n_runs
    return (
        why + f", and no threshold keeps within it: the fewest runs any sends to a human is {share:.1%} "
        f"({int(fewest):,} of {sw.n_runs:,}), so no agent has a rule. Raise max review to at least {_share(share)} "
        "for thresholds per agent."
    )


def _advice(
    sw: ThresholdSweep, recommended: float | None, fmt: str, per_agent: bool = False, no_rule: bool = False
) -> str:
    """The threshold the tuner recommends, and why (``per_agent``: the agents' sliders' opening set; ``no_rule``:
    no threshold pays, and ``recommended`` is the no-review point the slider opened on)."""
    none = sw.at(None)
    budget = f" sending at most {_share(sw.budget)} of runs to a human (max review)" if sw.budget else ""
    if per_agent and sw.best_per_agent is not None and sw.n_failures < sw.n_runs:
        one = point_at(sw, recommended).cost if recommended is not None else none.cost
        return (
            f"<b>Recommended per agent: the thresholds the agents' sliders opened on</b> — the cheapest set"
            f"{budget}: expected cost {sw.best_per_agent.cost:,.0f} against {one:,.0f} with one threshold for "
            f"every agent and {none.cost:,.0f} with no review"
        )
    rule = (
        f"{esc(sw.signal)} {'≤' if sw.direction == 'below' else '≥'} {format(recommended, fmt)}"
        if recommended is not None
        else ""
    )
    if no_rule or recommended is None:
        why = (
            f" catches a failure in time{budget}"
            if sw.n_failures >= sw.n_runs
            else f"{budget} costs less than sending no run to a human (expected cost {none.cost:,.0f})"
        )
        at = "its end" if beyond(sw, recommended) else rule  # (not "confidence ≤ -0.001": no such rule)
        where = (
            f", so the slider opens past every value, at {at}, where <b>no run is sent to a human</b>; "
            "move it to see what a threshold would send and cost"
            if recommended is not None
            else ""
        )
        return f"<b>Recommended: no review rule</b> — no threshold on this signal{why}{where}"
    p = point_at(sw, recommended)
    if (
        sw.n_failures >= sw.n_runs
    ):  # nothing priced (every run failed): the most failures caught in the budget
        return (
            f"<b>Recommended: {rule}</b> — of the thresholds{budget}, the one catching the most failures in "
            f"time ({p.failures_caught:,} of {sw.n_failures:,})"
        )
    return (
        f"<b>Recommended: {rule}</b> — the cheapest threshold{budget}: expected cost {p.cost:,.0f} against "
        f"{none.cost:,.0f} with no review ({plain(sw.cost_review)} a review, {plain(sw.cost_failure)} a "
        "missed failure)"
    )


def _every_run(sw: ThresholdSweep, p: SweepPoint) -> str:
    """What the readout says when the threshold shown escalates every run with no review budget set: at the
    default costs (a review 1, a missed failure 20) on the simulator's seed 11 the cheapest threshold sent all 80
    runs to a human, and the tuner opened there as if that were a recommendation."""
    if sw.budget or sw.n_failures >= sw.n_runs or p.escalated_runs < sw.n_runs:
        return ""
    return (
        "<div class='wb-tuner-every-run' style='font-size:14px'>⚠ This threshold sends <b>every run</b> to a "
        f"human: at {plain(sw.cost_review)} a review and {plain(sw.cost_failure)} a missed failure that is "
        "cheapest here. Set <i>max review</i> (e.g. 0.1) for the threshold that catches most within that "
        "share of runs, or raise the review cost.</div>"
    )


def _over_budget(sw: ThresholdSweep, p: SweepPoint, fmt: str) -> str:
    """What the readout says when the threshold shown sends more runs to a human than the review budget: on a
    4-run store where every run failed no threshold kept within the 10 % default, and the tuner opened on the
    highest (25 % of runs) without a word of why."""
    if not sw.budget or p.escalation_rate <= sw.budget:
        return ""
    c = sw.curve
    fewest = c.loc[c["escalated_runs"].idxmin()]
    if fewest["escalation_rate"] <= sw.budget:
        why = (
            f"This threshold sends more runs to a human than the {_share(sw.budget)} review budget (max review) "
            "allows"
        )
    else:
        sign = "≤" if sw.direction == "below" else "≥"
        why = (
            f"<b>No threshold keeps within the {_share(sw.budget)} review budget</b> (max review): the fewest "
            f"runs any threshold on {esc(sw.signal)} sends to a human is {fewest['escalation_rate']:.1%} "
            f"({int(fewest['escalated_runs']):,} of {sw.n_runs:,}, at {esc(sw.signal)} {sign} "
            f"{format(float(fewest['threshold']), fmt)}), so the tuner opens there. Raise max review to at "
            f"least {_share(float(fewest['escalation_rate']))}, or set it to 0 for no limit"
        )
    return f"<div class='wb-tuner-over-budget' style='font-size:14px'>⚠ {why}.</div>"


def _budget_note(budget: float | None) -> str:
    """What the review budget box says, in words: a share of the runs, or no limit at 0."""
    return (
        f"= at most {_share(budget)} of runs sent to a human"
        if budget
        else "= no limit on the runs sent to a human"
    )


def _share(budget: float) -> str:
    """A budget as a percentage of 3 significant digits: '.0%' wrote a budget of 0.004 (a real limit) as '0%',
    which reads as no review at all, and 0.125 as '12%'."""
    return f"{budget * 100:.3g}%"
