"""The guard takes arguments and outputs the store cannot keep as the store does: a step it quarantines, not an
exception raised into the agent's own call, and not a step decided on.

On e352347 a tool call's arguments given as a circular dict raised ValueError out of ``before_step`` / ``after_step``
(json's "Circular reference detected"), arguments nested a few thousand levels raised RecursionError, an output so
given raised ValueError out of ``after_step`` under a policy that reads outputs; arguments nested past the store's
limit (100 levels) or holding NaN were decided on (a loop of such calls was cut), though the store quarantines that
step and the backtest never sees it (the guard's own promise: a step the store would quarantine is not decided on,
and ``quarantined`` counts it)."""

from __future__ import annotations

import workbench as wb
from workbench.policy import Budgets, Loops, Policy


def _nested(levels: int) -> dict:
    value: dict = {"x": 1}
    for _ in range(levels):
        value = {"a": value}
    return value


def _stored(args: object) -> int:
    """How many steps the store keeps of one tool call with ``args`` (given in memory, as to the guard)."""
    ws = wb.open()
    report = ws.ingest([{"run_id": "r", "step_id": "s", "agent": "a", "kind": "tool", "tool": "t", "input": args}],
                       progress=False)
    ws.close()
    return report.stored


def test_arguments_the_store_cannot_keep_are_quarantined_not_raised() -> None:
    circular: dict = {}
    circular["self"] = circular
    for args in (circular, _nested(5000), _nested(150), {"price": float("nan")}):
        assert _stored(args) == 0
        guard = wb.Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))
        for _ in range(3):   # past the budget, were the calls counted
            assert guard.before_step("r", "a", "tool", tool="t", args=args).action == "allow"
            assert guard.after_step("r", "a", "tool", tool="t", args=args).action == "allow"
        assert guard.quarantined == 6
        guard.before_step("r", "a", "tool", tool="t", args={"x": 1})   # the first call the store keeps: allowed
    assert _stored(_nested(90)) == 1   # (within the limit: kept, and decided on)
    guard = wb.Guard(Policy(budgets=Budgets(max_tool_calls_run=1)))
    guard.before_step("r", "a", "tool", tool="t", args=_nested(90))
    assert guard.quarantined == 0


def test_an_output_that_cannot_be_written_is_quarantined_not_raised() -> None:
    circular: list = []
    circular.append(circular)
    guard = wb.Guard(Policy(loops=Loops(max_repeated_replies=2)))
    guard.before_step("r", "a", "llm")
    assert guard.after_step("r", "a", "llm", output=circular).action == "allow"
    assert guard.after_step("r", "a", "llm", output=_nested(5000)).action == "allow"
    assert guard.quarantined == 2
