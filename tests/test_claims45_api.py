"""README promises of the Python API checked through it (claims45): "Every bad argument ... raises
`InvalidParameterError` naming the parameter and the value", and `guard.step(None, ...)` inside
`with guard.run(run_id):` being that run."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench import Guard, InvalidParameterError, Policy
from workbench.guard_spans import GuardSpanProcessor
from workbench.policy import Breakers, Budgets


def test_before_and_after_step_without_a_run_id_are_the_current_runs() -> None:
    # the README's `with guard.run(run_id): with guard.step(None, ...)`: None is the current run. before_step /
    # after_step(None, ...) kept one run named None for every run, so run B was cut for run A's tool calls.
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=2)))
    for run in ("A", "B"):
        with guard.run(run):
            for i in range(2):
                assert guard.before_step(None, "buyer", "tool", tool="order", args={"i": i}).action == "allow"
                guard.after_step(None, "buyer", "tool", tool="order", args={"i": i})
            with pytest.raises(wb.PolicyViolation, match=f"run '{run}'"):  # its own third call, not B's first
                guard.before_step(None, "buyer", "tool", tool="order", args={"i": 2})
    with pytest.raises(InvalidParameterError, match="run_id: no run"):  # outside any run: said, not pooled
        guard.before_step(None, "buyer", "tool", tool="order")


def test_bad_arguments_of_guards_and_reports_are_invalid_parameter_errors() -> None:
    for make in (Guard, GuardSpanProcessor):
        for bad in (0, "5", True):
            with pytest.raises(
                InvalidParameterError, match=f"max_runs must be >= 1, an integer \\(got {bad!r}"
            ):
                make(Policy(), max_runs=bad)


def test_a_sweep_refuses_thresholds_that_are_no_number(tmp_path: Path) -> None:
    with wb.open() as ws:
        wb.sim.write_jsonl(wb.sim.procurement(seed=5, fault_rate=0.3).generate(12), tmp_path / "sim.jsonl")
        ws.ingest(tmp_path / "sim.jsonl", progress=False)
        sweep = wb.sweep_thresholds(ws, signal="entropy", per_agent=True)
        report = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=3)), ws, progress=False)
        load = wb.review_load(ws, signal="entropy")
        with pytest.raises(
            InvalidParameterError, match="^suggest_limits: 1 of the runs given are not in this store"
        ):
            wb.suggest_limits(ws, runs=["typo"])  # (it was named "run_peaks:", no function the user called)
        # an unknown signal was a provenance note "no step in this store carries it", as if the logs lacked it;
        # a review budget of 2 was refused as 'budget', a parameter policy_from_findings has not
        with pytest.raises(InvalidParameterError, match="signals must be a tuple of confidence.*'vibes'"):
            wb.policy_from_findings(ws, signals=("entropy", "vibes"))
        with pytest.raises(
            InvalidParameterError, match="'review_budget' must be a share of runs in \\(0, 1\\] \\(got 2"
        ):
            wb.policy_from_findings(ws, review_budget=2)
    agent = sweep.agents[0]
    assert (
        sweep.at(0.5).threshold == 0.5
        and sweep.at(None).escalated_runs == load.at(None)["escalated_runs"] == 0
    )
    # NaN escalated nothing unseen (every comparison false); True was read as 1; "high" was float()'s ValueError
    for bad, shown in ((float("nan"), "nan"), (float("inf"), "inf"), (True, "True"), ("high", "'high'")):
        for call in (sweep.at, sweep.escalated, sweep.to_policy, load.at):
            with pytest.raises(InvalidParameterError, match=f"threshold must be a .*{shown}"):
                call(bad)
        with pytest.raises(InvalidParameterError, match=f"threshold\\[{agent!r}\\] must be a .*{shown}"):
            sweep.at({agent: bad})
    with pytest.raises(InvalidParameterError, match="rule: 'max_retries' is not in this backtest"):
        report.rule_runs("max_retries")
    # a goal of NaN, True or "0.5" was taken as given (a gate never passing, or True read as 100 %)
    assert bool(report.meets(prevented=0.0, review_rate=1.5)) is (report.summary["failures"] > 0)
    for bad in (float("nan"), True, "0.5", -0.1, float("inf")):
        with pytest.raises(
            InvalidParameterError, match=f"prevented must be a share of failures, 0 or more \\(got {bad!r}"
        ):
            report.meets(prevented=bad)
    for bad in (float("nan"), True, "0.1", -1, float("inf")):
        with pytest.raises(
            InvalidParameterError, match=f"review_rate must be a share of runs, 0 or more \\(got {bad!r}"
        ):
            report.meets(review_rate=bad)


def test_the_guard_counts_a_step_with_unkept_arguments_once() -> None:
    # README "Arguments past the store's limits": "`guard.quarantined` counts it too" (the attribute: "steps the
    # store would quarantine"). before_step and after_step each counted the same step: 3 such calls read 5.
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=2)))
    huge = "y" * (4 * 1024 * 1024 + 1)  # past the store's 4 MiB field limit
    for i in range(2):
        guard.before_step("r", "buyer", "tool", tool="upload", args={"blob": huge, "i": i})
        guard.after_step(
            "r", "buyer", "tool", tool="upload", args={"blob": huge, "i": i}
        )  # a new dict, same value
    assert guard.quarantined == 2
    with pytest.raises(wb.PolicyViolation, match="max_tool_calls_run is 3"):  # still counted in the budgets
        guard.before_step("r", "buyer", "tool", tool="upload", args={"blob": huge, "i": 2})
    assert guard.quarantined == 3


def test_wrap_guards_an_async_tool_over_its_await() -> None:
    # README: the guard "as a context manager / decorator", `wrap` passing the call's result as the step's output.
    # An async tool was wrapped as a plain function: its step ended when the coroutine was made (latency 0, the
    # coroutine as output, a later exception no error step), so max_step_latency_ms never cut a slow async tool.
    import asyncio

    now = [1_767_225_600.0]
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])
    said: list[object] = []

    @guard.wrap("pricer")
    async def get_price(sku: str) -> dict[str, float]:
        now[0] += 2.0  # the call takes 2 s on the guard's clock
        said.append(sku)
        return {"price": 4.2}

    async def run() -> None:
        with guard.run("r"):
            await get_price(sku="A")

    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms is 2000"):
        asyncio.run(run())
    assert said == ["A"] and asyncio.iscoroutinefunction(get_price)
