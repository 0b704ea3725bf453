"""The decisive step: the earliest step whose repair turns the failure into a success.

Let h(t) be the outcome when every step up to position t is repaired (those after it kept as
recorded). Repairing more never hurts, so h is failure up to some t* and success from t* on; for
a run with one fault, t* is the step where the fault first showed: repairing it (and the harmless
steps before it) saves the run, repairing anything earlier does not. Binary search finds t* in
ceil(log2(T)) replays, plus one that confirms repairing everything saves the run at all (else no
step is decisive) and one that confirms the recorded run fails when replayed (else the replay does not
reproduce the failure and no step is decisive; :func:`attribute` has made it already), instead of up to T
for a linear scan.

When repairing t* alone is not enough (optional check, one more replay), the run failed for more
than one reason: a second search over "repair the steps from t to t*" finds the earliest step
that must be repaired too, and the result names both.

A probe whose replay failed ends the search without a decisive step (the note says which replay
failed and why): the bisection cannot step over an unknown outcome without guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._runner import ReplayRunner


@dataclass(frozen=True)
class DecisiveStep:
    """Result of the decisive-step search.

    ``step_id`` is the decisive step (for several faults, the earliest one that must be repaired);
    ``also_needed`` the last step that must be repaired with it when one repair is not enough.
    """

    step_id: str | None
    position: int | None
    replays: int
    also_needed: str | None = None
    probes: list[tuple[str, int, float]] = field(default_factory=list)
    note: str = ""


def decisive_step(runner: ReplayRunner, steps: Sequence[str], check_alone: bool = True) -> DecisiveStep:
    """Search the decisive step among ``steps`` (in run order) with replays from ``runner``.

    ``runner.unit`` must be ``"step"``. Uses ceil(log2(T)) + 2 replays (one the recorded run, usually in
    the runner's cache already), and with ``check_alone`` one more (and a second search only when one repair
    does not suffice).
    """
    n = len(steps)
    probes: list[tuple[str, int, float]] = []
    before = runner.log.replays

    def run(label: str, t: int, repaired: Sequence[str]) -> float:
        value = runner.value(frozenset(repaired))
        probes.append((label, t, value))
        if math.isnan(value):
            what = (
                f"repairing {len(repaired)} step(s) up to {steps[t]}"
                if repaired
                else "of the run as recorded"
            )
            raise _ProbeFailed(f"the replay {what} failed ({runner.log.failed[frozenset(repaired)]})")
        return value

    if n == 0:
        return DecisiveStep(None, None, 0, None, probes, "the run has no candidate steps")
    try:
        return _search(runner, steps, check_alone, run, probes, before)
    except _ProbeFailed as exc:
        return DecisiveStep(None, None, runner.log.replays - before, None, probes, f"{exc}: no decisive step")


class _ProbeFailed(Exception):
    pass


def _search(
    runner: ReplayRunner,
    steps: Sequence[str],
    check_alone: bool,
    run,
    probes: list,  # noqa: ANN001
    before: int,
) -> DecisiveStep:
    n = len(steps)
    if run("prefix", n - 1, steps) < 0.5:
        return DecisiveStep(
            None,
            None,
            runner.log.replays - before,
            None,
            probes,
            "repairing every step does not save the run: no step is decisive",
        )
    # The invariant below needs h(-1), the run replayed with nothing repaired, to fail: a replay that does
    # not reproduce the recorded failure would otherwise make the first step "decisive".
    if run("recorded", -1, []) >= 0.5:
        return DecisiveStep(
            None,
            None,
            runner.log.replays - before,
            None,
            probes,
            "the run replayed with nothing repaired succeeds: the replay does not reproduce "
            "the recorded failure, so no step is decisive",
        )
    # Invariant: h(hi) succeeds; h(lo) fails (lo = -1: nothing repaired, the recorded failure).
    lo, hi = -1, n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if run("prefix", mid, steps[: mid + 1]) >= 0.5:
            hi = mid
        else:
            lo = mid
    last = hi
    try:
        alone = not check_alone or run("alone", last, [steps[last]]) >= 0.5
    except _ProbeFailed as exc:  # the search itself ran: keep its answer, say what is unchecked
        return DecisiveStep(
            steps[last],
            last,
            runner.log.replays - before,
            None,
            probes,
            f"whether repairing {steps[last]} alone suffices is unknown: {exc}",
        )
    if alone:
        return DecisiveStep(steps[last], last, runner.log.replays - before, None, probes)
    # Several faults: g(t) = repair steps t..last; success for t up to the earliest needed fault.
    lo, hi = 0, last  # g(0) is h(last): success; g(last) failed just above
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if run("window", mid, steps[mid : last + 1]) >= 0.5:
            lo = mid
        else:
            hi = mid
    return DecisiveStep(
        steps[lo],
        lo,
        runner.log.replays - before,
        steps[last],
        probes,
        f"one repair is not enough: {steps[lo]} and {steps[last]} must both be repaired",
    )


def search_budget(n_steps: int) -> int:
    """Replays the main search needs at most for ``n_steps`` candidates (with the full-repair check)."""
    return math.ceil(math.log2(n_steps)) + 1 if n_steps > 1 else 1
