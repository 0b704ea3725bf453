"""The guard takes arguments and outputs the store cannot keep as the store does: a step it quarantines, not an
exception raised into the agent's own call, and not a step decided on.

On e352347 a tool call's arguments given as a circular dict raised ValueError out of ``before_step`` / ``after_step``
(json's "Circular reference detected"), arguments nested a few thousand levels raised RecursionError, an output so
given raised ValueError out of ``after_step`` under a policy that reads outputs; arguments nested past the store's
limit (100 levels) or holding NaN were decided on (a loop of such calls was cut), though the store quarantines that
step and the backtest never sees it (the guard's own promise: a step the store would quarantine is not decided on,
and ``quarantined`` counts it)."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.exceptions import PolicyViolation
from workbench.policy import Budgets, Loops, Policy


def _nested(levels: int) -> dict:
    value: dict = {"x": 1}
    for _ in range(levels):
        value = {"a": value}
    return value


def _stored(args: object) -> int:
    """How many steps the store keeps of one tool call with ``args`` (given in memory, as to the guard)."""
    ws = wb.open()
    report = ws.ingest(
        [{"run_id": "r", "step_id": "s", "agent": "a", "kind": "tool", "tool": "t", "input": args}],
        progress=False,
    )
    ws.close()
    return report.stored


def test_arguments_the_store_cannot_keep_are_quarantined_not_raised() -> None:
    circular: dict = {}
    circular["self"] = circular
    # (guard36: a key json cannot write, a tuple, raised TypeError into the agent's call)
    for args in (circular, _nested(5000), _nested(150), {"price": float("nan")}, {(1, 2): 3}):
        assert _stored(args) == 0
        guard = wb.Guard(Policy(budgets=Budgets(max_tool_calls_run=3)))
        for _ in range(3):  # neither raises: the store quarantines the step, the guard counts it so
            assert guard.before_step("r", "a", "tool", tool="t", args=args).action == "allow"
            assert guard.after_step("r", "a", "tool", tool="t", args=args).action == "allow"
        assert (
            guard.quarantined == 3
        )  # (claims45: one per step, as the span guard and the store count; it read 6)
    assert _stored(_nested(90)) == 1  # (within the limit: kept, and decided on)
    guard = wb.Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))
    guard.before_step("r", "a", "tool", tool="t", args=_nested(90))
    assert guard.quarantined == 0


def test_a_call_past_the_stores_limits_counts_in_budgets_and_loops() -> None:
    """guard36: on e0db886 a tool call whose arguments the store cannot keep (past 4 MiB, nested past 100 levels,
    NaN, circular) was decided on by no rule: a hostile or broken agent looping with a huge argument passed the
    tool-call budgets, max_repeats and max_retries alike. It counts now, the arguments compared by a digest of
    the whole of them (the same arguments, the same call; a byte changed, another call)."""
    big = "x" * (4 * 1024 * 1024 + 1)
    circular: dict = {}
    circular["self"] = circular
    for args in ({"blob": big}, big, circular, _nested(5000), {"price": float("nan")}):
        guard = wb.Guard(Policy(budgets=Budgets(max_tool_calls_run=2)))
        for _ in range(2):
            guard.before_step("r", "a", "tool", tool="t", args=args)
        with pytest.raises(PolicyViolation, match="max_tool_calls_run is 3"):
            guard.before_step("r", "a", "tool", tool="t", args=args)
    guard = wb.Guard(Policy(loops=Loops(max_repeats=1)))
    other = {"blob": big[:-1] + "y"}
    for args in ({"blob": big}, other, {"blob": big}):  # another call between: a repeat all the same
        guard.before_step("r", "a", "tool", tool="t", args=args)
        guard.after_step("r", "a", "tool", tool="t", args=args)
    with pytest.raises(PolicyViolation, match="max_repeats is 2"):
        guard.before_step("r", "a", "tool", tool="t", args={"blob": big})
    guard = wb.Guard(Policy(loops=Loops(max_repeats=1)))
    for _ in range(2):  # a small call answered past the field limit: still a repeat of itself
        guard.before_step("p", "a", "tool", tool="t", args={"q": 1})
        guard.after_step("p", "a", "tool", tool="t", args={"q": 1}, output=big)
    with pytest.raises(PolicyViolation, match="max_repeats is 2"):
        guard.before_step("p", "a", "tool", tool="t", args={"q": 1})
    guard = wb.Guard(Policy(budgets=Budgets(max_retries=1)))
    for _ in range(2):  # the same failing call made again: retries, counted
        guard.before_step("q", "a", "tool", tool="t", args=circular)
        guard.after_step("q", "a", "tool", tool="t", args=circular, status="error")
    with pytest.raises(PolicyViolation, match="max_retries is 2"):
        guard.before_step("q", "a", "tool", tool="t", args=circular)


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")

    __repr__ = __str__


def test_arguments_whose_str_raises_are_judged_by_a_placeholder_not_raised() -> None:
    # guard56 (attack55's leftover): an argument object whose __str__ raises made before_step / after_step raise
    # that RuntimeError into the agent's call (every other odd value was judged). It stands now as its type's
    # placeholder: the step is counted as one the store does not keep, and the same call made again repeats itself.
    for make in (_Unprintable, lambda: {"order": _Unprintable()}, lambda: [1, _Unprintable()]):
        guard = wb.Guard(Policy(loops=Loops(max_repeats=1), budgets=Budgets(max_tool_calls_run=5)))
        for _ in range(2):
            args = make()  # (a new object each call, as an agent builds its arguments)
            assert guard.before_step("r", "a", "tool", tool="t", args=args).action == "allow"
            assert guard.after_step("r", "a", "tool", tool="t", args=args).action == "allow"
        assert guard.quarantined == 2
        with pytest.raises(PolicyViolation, match="max_repeats is 2"):
            guard.before_step(
                "r",
                "a",
                "tool",
                tool="t",
                args=make(),
            )
    guard = wb.Guard(Policy(loops=Loops(max_repeated_replies=2)))
    guard.before_step("r", "a", "llm")
    assert guard.after_step("r", "a", "llm", output={"reply": _Unprintable()}).action == "allow"
    assert guard.quarantined == 1


def test_an_output_that_cannot_be_written_is_quarantined_not_raised() -> None:
    circular: list = []
    circular.append(circular)
    guard = wb.Guard(Policy(loops=Loops(max_repeated_replies=2)))
    guard.before_step("r", "a", "llm")
    assert guard.after_step("r", "a", "llm", output=circular).action == "allow"
    assert guard.after_step("r", "a", "llm", output=_nested(5000)).action == "allow"
    assert guard.after_step("r", "a", "llm", output={(1, 2): "x"}).action == "allow"
    assert guard.quarantined == 3


def test_the_backtest_says_which_runs_hold_steps_it_never_saw() -> None:
    """guard36: the store quarantines a tool call whose arguments are past its limits, which the backtest so never
    replays while a live guard counts it: the report counts such steps per run and in its summary and repr, where
    the two can differ (on e0db886 it said nothing of them)."""
    ws = wb.open()
    calls = [
        {
            "run_id": "r",
            "step_id": f"s{i}",
            "agent": "a",
            "kind": "tool",
            "tool": "t",
            "seq": i,
            "input": {"blob": "x" * (4 * 1024 * 1024 + 1)} if i else {"q": 1},
        }
        for i in range(3)
    ]
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "failure"},
            *calls,
            {"record": "run", "run_id": "ok", "outcome": "success"},
            {"run_id": "ok", "step_id": "s", "agent": "a", "kind": "tool", "tool": "t", "input": {"q": 1}},
        ],
        progress=False,
    )
    report = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=2)), ws)
    ws.close()
    assert dict(zip(report.runs["run_id"], report.runs["quarantined"], strict=True)) == {"r": 2, "ok": 0}
    assert report.summary["quarantined_steps"] == 2 and report.summary["runs_with_quarantined"] == 1
    assert report.summary["cut"] == 0  # (the guard, fed the three calls, cuts the third)
    assert "2 quarantined steps in 1 of the runs not replayed" in repr(report)


def test_the_backtest_says_which_runs_it_left_out_for_holding_no_step() -> None:
    """guard36: a failed run whose every step the store quarantined (a loop of huge calls: the guard cuts it), or
    that has no step at all, vanished from the backtest: "1 runs (0 failed …)" over a store of two failed runs."""
    ws = wb.open()
    big = {"blob": "x" * (4 * 1024 * 1024 + 1)}
    ws.ingest(
        [
            {"record": "run", "run_id": "bad", "outcome": "failure"},
            *(
                {
                    "run_id": "bad",
                    "step_id": f"s{i}",
                    "agent": "a",
                    "kind": "tool",
                    "tool": "t",
                    "seq": i,
                    "input": big,
                }
                for i in range(2)
            ),
            {"record": "run", "run_id": "empty", "outcome": "failure"},
            {"record": "run", "run_id": "ok", "outcome": "success"},
            {"run_id": "ok", "step_id": "s", "agent": "a", "kind": "tool", "tool": "t", "input": {"q": 1}},
        ],
        progress=False,
    )
    report = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=2)), ws)
    ws.close()
    s = report.summary
    assert (
        s["runs"],
        s["excluded_no_steps"],
        s["excluded_no_steps_failed"],
        s["excluded_no_steps_quarantined"],
    ) == (1, 2, 2, 2)
    assert "2 with no step stored left out (2 failed; 2 of their steps quarantined)" in repr(report)
