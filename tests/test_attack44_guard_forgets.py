"""The span guard keeps at most ``max_runs`` runs (least recently used forgotten beyond, 10,000 by default). A run
still in flight that other runs push out is forgotten whole, its cut included: ``should_stop()`` inside it turns
back to False and its next tool call, over the budget that cut it, starts a fresh count. A service with more runs
in flight than ``max_runs`` (long agents beside many short ones) failed open without a word. attack44's strict
xfails; route44 fixed them (a forgotten cut run keeps its cut); ``max_runs=2`` stands for the 10,000."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402

_AGENT = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}


def _tool(tracer: trace_api.Tracer, i: int) -> None:
    attrs = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_price",
        "gen_ai.tool.call.arguments": str(i),
    }
    with tracer.start_as_current_span("execute_tool get_price", attributes=attrs):
        pass


def test_a_cut_run_stays_cut_when_other_runs_push_it_out_of_memory() -> None:
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=1)), max_runs=2)
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("invoke_agent planner", attributes=_AGENT):
        _tool(tracer, 1)
        _tool(tracer, 2)
        assert guard.should_stop()  # cut: 2 tool calls against a limit of 1
        for _ in range(2):  # two short runs of other users, each its own trace, while this one goes on
            with tracer.start_as_current_span(
                "invoke_agent planner",
                context=trace_api.set_span_in_context(trace_api.INVALID_SPAN),
                attributes=_AGENT,
            ):
                _tool(tracer, 0)
        _tool(tracer, 3)
        assert guard.should_stop(), "the run cut above reads as never cut"


def test_a_run_the_hand_guard_refused_stays_refused_when_pushed_out_of_memory() -> None:
    import workbench as wb

    guard = wb.Guard(Policy(budgets=Budgets(max_tool_calls_run=1)), max_runs=2)
    assert guard.before_step("A", "planner", "tool", tool="get_price").action == "allow"
    with pytest.raises(wb.PolicyViolation):
        guard.before_step("A", "planner", "tool", tool="get_price")
    for other in ("B", "C"):
        guard.before_step(other, "planner", "tool", tool="get_price")
    with pytest.raises(wb.PolicyViolation):
        guard.before_step("A", "planner", "tool", tool="get_price")
