"""route44: a run the guards forget past ``max_runs`` while cut keeps its cut (attack44's
``test_attack44_guard_forgets.py`` shows the run stays cut); here, that the memory of cuts stays bounded, that
``end_run`` frees it, and that the span processor tells ``on_cut`` once per run, also after the run came back."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402

_POLICY = Policy(budgets=Budgets(max_tool_calls_run=1))


def _cut(guard: wb.Guard, run: str) -> None:
    guard.before_step(run, "planner", "tool", tool="get_price")
    with pytest.raises(wb.PolicyViolation):
        guard.before_step(run, "planner", "tool", tool="get_price")


def test_the_hand_guard_remembers_at_most_max_runs_cuts_and_end_run_frees_one() -> None:
    guard = wb.Guard(_POLICY, max_runs=2)
    for run in "ABCDE":
        _cut(guard, run)
    assert guard.active_runs() == 2 and len(guard._cuts) == 2  # D, E held; B, C remembered as cut; A let go
    with pytest.raises(wb.PolicyViolation):
        guard.before_step("C", "planner", "tool", tool="get_price")
    guard.end_run("B")
    assert guard.before_step("B", "planner", "tool", tool="get_price").action == "allow"  # a new run "B"
    assert guard.before_step("A", "planner", "tool", tool="get_price").action == "allow"  # past the bound


def test_the_span_processor_tells_a_cut_once_though_the_run_was_forgotten_between() -> None:
    told = []
    guard = GuardSpanProcessor(_POLICY, on_cut=told.append, max_runs=1)
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_price"}
    with tracer.start_as_current_span(
        "invoke_agent planner", attributes={"gen_ai.operation.name": "invoke_agent"}
    ):
        for i in range(2):
            with tracer.start_as_current_span(
                "execute_tool", attributes={**tool, "gen_ai.tool.call.arguments": str(i)}
            ):
                pass
        other = trace_api.set_span_in_context(trace_api.INVALID_SPAN)
        with tracer.start_as_current_span("another run", context=other):
            pass
        assert guard.active_runs() == 1 and guard.should_stop()  # forgotten, and still cut
        with tracer.start_as_current_span(
            "execute_tool", attributes={**tool, "gen_ai.tool.call.arguments": "3"}
        ):
            pass
        assert guard.should_stop()
    assert len(told) == 1, told
