"""A span that ends before it starts (a clock stepped back between its start and its end, or two hosts' clocks):
the span guard judged it with a negative latency that nobody checked (ux39). A HITL rule on fast steps
(``latency_ms`` at or below 0) escalated it as the fastest step of all, every latency limit let it by, and its end,
taken as the run's latest time, shortened the run. The hand Guard refuses such a latency with an error; a span
processor must not raise into the application, so it judges the span as a step of unknown latency, counts it in
``clock_skewed`` and logs it. Its tool call still counts: a skewed clock is no way past a budget."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402

from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000


def _play(guard: GuardSpanProcessor, skew: bool = True) -> object:
    """A planner calling ``lookup`` twice; each call's span ends 5 ms before it starts (``skew``), else 2 ms
    after. Returns the provider's memory of the spans."""
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("app")
    root = tracer.start_span(
        "invoke_agent planner",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    )
    with trace_api.use_span(root, end_on_exit=False):
        for i in range(2):
            start = T0 + (10 + 10 * i) * MS
            s = tracer.start_span(
                "execute_tool lookup",
                start_time=start,
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "lookup",
                    "gen_ai.tool.call.arguments": json.dumps({"order": i}),
                },
            )
            s.end(end_time=start + (-5 if skew else 2) * MS)
    root.end(end_time=T0 + 40 * MS)
    return memory


def test_a_span_ending_before_it_starts_has_no_latency(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    told: list[SpanDecision] = []
    fast = Policy(breakers=Breakers(max_step_latency_ms=1000.0), hitl=(HitlRule("latency_ms", 0.0, "below"),))
    guard = GuardSpanProcessor(fast, on_escalate=told.append, on_cut=told.append)
    with caplog.at_level(logging.WARNING, logger="workbench.guard"):
        memory = _play(guard)
    # (before: two escalations "hitl:latency_ms<=0", value -5.0)
    assert told == [] and guard.clock_skewed == 2 and guard.errors == 0 and guard.quarantined == 0
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and all(
        "ends before it starts (end " in m and "judged with no latency" in m for m in said
    )
    lookups = [s for s in memory.get_finished_spans() if s.name == "execute_tool lookup"]
    assert f"{lookups[0].context.span_id:016x}" in said[0]
    # the store quarantines such spans, which is where the guard and the backtest can differ
    ws, report = store_of(memory, tmp_path)
    assert report.quarantined == 2 and ws.quarantine()["reason"].str.contains("ends before it starts").all()
    # the same trace with sane clocks: both calls escalated as before (a step of 2 ms is no fast one: a rule at 2)
    told.clear()
    sane = GuardSpanProcessor(Policy(hitl=(HitlRule("latency_ms", 2.0, "below"),)), on_escalate=told.append)
    _play(sane, skew=False)
    assert [d.value for d in told] == [2.0, 2.0] and sane.clock_skewed == 0


def test_a_skewed_tool_call_still_counts_in_the_budget() -> None:
    told: list[SpanDecision] = []
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=1)), on_cut=told.append)
    _play(guard)
    assert [(d.rule, d.value, d.phase) for d in told] == [("max_tool_calls_run", 2.0, "start")]
    assert guard.clock_skewed == 1  # (the run was cut at the second call's start: its end is judged no more)
