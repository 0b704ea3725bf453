"""The span guard joins a root span with one link to a span of a run it has seen to that run ("a call made in a new
trace", as the store joins it: ``ingest/_links.py``): a conversation's next turn, traced anew and linked to the
first. When that run was cut, the turn's spans are judged as the cut run's (``_start``: ``_key`` / ``_join``),
but ``should_stop()`` called inside the turn asks for the turn's own trace id (``_run_key``), never resolved
through the join: it answers False, and the application, which polls it, goes on. When the cut run was pushed
out of memory (route44 keeps its cut, ``_cuts``), ``_join`` does not look there: the turn starts a fresh run and
its tool calls are counted from zero. attack45's strict xfails (attack44's "guard forgets" fix, for linked traces),
fixed by params46: ``cut()`` reads the run through the join, and ``_join`` finds a cut run in ``_cuts``."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.trace import Link  # noqa: E402

from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402

_NEW_TRACE = trace_api.set_span_in_context(trace_api.INVALID_SPAN)
_AGENT = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}


def _calls(tracer: trace_api.Tracer, *arguments: int) -> None:
    """The planner's get_price tool calls, one span each."""
    for arg in arguments:
        tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_price"}
        with tracer.start_as_current_span(
            "execute_tool get_price", attributes={**tool, "gen_ai.tool.call.arguments": str(arg)}
        ):
            pass


@pytest.mark.parametrize(("max_runs", "others"), [(10_000, 0), (2, 3)], ids=["remembered", "pushed-out"])
def test_a_linked_turn_of_a_cut_run_reads_as_cut(max_runs: int, others: int) -> None:
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=1)), max_runs=max_runs)
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("invoke_agent planner", attributes=_AGENT) as first:
        _calls(tracer, 1, 2)
        assert guard.should_stop()  # cut: 2 tool calls against a limit of 1
    for _ in range(others):  # other users' short runs meanwhile
        with tracer.start_as_current_span("invoke_agent planner", context=_NEW_TRACE, attributes=_AGENT):
            _calls(tracer, 0)
    turn = [Link(first.get_span_context())]  # the conversation's next turn: a new trace linked to the first
    with tracer.start_as_current_span(
        "invoke_agent planner", context=_NEW_TRACE, links=turn, attributes=_AGENT
    ):
        _calls(tracer, 3)
        assert guard.should_stop(), "the turn of the run cut above reads as never cut"
