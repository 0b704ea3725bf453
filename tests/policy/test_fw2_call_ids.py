"""Tool-call ids (Bedrock's tooluse_…, Anthropic's toolu_…, OpenAI's call_…) are no part of a call's
identity, for the guard as for the loop and retry detectors: both count the same calls."""

from __future__ import annotations

import json

import pytest

import workbench as wb
from workbench.guard import Guard
from workbench.policy import Budgets, Policy, PolicyViolation

ARGS = {"origin": "BER", "destination": "LIS"}


def _strands(call_id: str, args: dict = ARGS) -> str:
    # what Strands logs as a tool span's input (its gen_ai.tool.message event)
    return json.dumps([{"role": "tool", "content": json.dumps(args), "id": call_id}])


# (first call's arguments, the call made again, the same call?)
PAIRS = [
    (_strands("tooluse_1"), _strands("tooluse_2"), True),
    (_strands("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"), _strands("tooluse_Q8bWd1vGk1m2nX3pR4sT5u"), True),
    (
        json.dumps({"id": "toolu_01A09q90qw90lq917835lq9", "input": ARGS}),
        json.dumps({"id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "input": ARGS}),
        True,
    ),
    (json.dumps({"tool_call_id": "call_1", **ARGS}), json.dumps({"tool_call_id": "call_2", **ARGS}), True),
    (json.dumps({"toolUseId": "call_a", **ARGS}), json.dumps({"toolUseId": "call_b", **ARGS}), True),
    ("run call_VEZJgIQLgzcb80IIyQJm7JCi now", "run call_1oGK863sxQHlPreFhDdEs3yl now", True),
    # not ids: other arguments stay other calls
    (_strands("tooluse_1"), _strands("tooluse_2", {"origin": "BER", "destination": "OPO"}), False),
    (json.dumps({"function": "call_center"}), json.dumps({"function": "call_centre"}), False),
    (json.dumps({"name": "call_1"}), json.dumps({"name": "call_2"}), False),
    (json.dumps({"id": "order_1"}), json.dumps({"id": "order_2"}), False),
    ("mytooluse_1", "mytooluse_2", False),
]


def _store(pairs: list[tuple[str, str, bool]]) -> wb.Workspace:
    """One run per pair: a failed call, then the call made again."""
    t0, s = 1_767_225_600_000_000_000, 1_000_000_000
    records: list[dict] = []
    for i, (first, again, _) in enumerate(pairs):
        run = f"r{i:02d}"
        records.append(
            {"record": "run", "run_id": run, "system": "unit", "task": "book", "outcome": "failure"}
        )
        for j, (args, status) in enumerate([(first, "error"), (again, "ok")]):
            records.append(
                {
                    "run_id": run,
                    "step_id": f"{run}s{j}",
                    "kind": "tool",
                    "agent": "researcher",
                    "tool": "search_flights",
                    "input": args,
                    "status": status,
                    "error": "flight API unreachable" if status == "error" else None,
                    "started_at": t0 + j * s,
                    "ended_at": t0 + j * s + s // 2,
                }
            )
    ws = wb.open()
    ws.ingest(records)
    return ws


def test_the_guard_the_backtest_and_the_retry_detector_count_the_same_calls() -> None:
    ws = _store(PAIRS)
    expected = {f"r{i:02d}" for i, (_, _, same) in enumerate(PAIRS) if same}
    found = wb.detect(ws, detectors=["retry"])
    assert set(found.loc[found["detector"] == "retry", "run_id"]) == expected
    report = wb.backtest(Policy(budgets=Budgets(max_retries=0)), ws)
    assert set(report.runs.loc[report.runs["cut_rule"] == "max_retries", "run_id"]) == expected
    # the live guard, given the arguments as the framework hands them over (parsed, not the stored text)
    for first, again, same in PAIRS:
        guard = Guard(Policy(budgets=Budgets(max_retries=0)))
        args = [json.loads(a) if a[0] in "[{" else a for a in (first, again)]
        guard.before_step("g", "researcher", "tool", tool="search_flights", args=args[0])
        guard.after_step("g", "researcher", "tool", tool="search_flights", args=args[0], status="error")
        if same:
            with pytest.raises(PolicyViolation, match="max_retries"):
                guard.before_step("g", "researcher", "tool", tool="search_flights", args=args[1])
        else:
            guard.before_step("g", "researcher", "tool", tool="search_flights", args=args[1])
