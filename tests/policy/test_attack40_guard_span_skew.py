"""A span whose *start* is the skewed clock (its host's clock ahead: it starts an hour after it ends), read by the
span guard (attack40, on ux39's clock-skew handling in ``guard_spans``).

ux39 judged a span ending before it starts with no latency, "ended at its start". When the start is the wrong
clock, that end is an hour ahead of the run: the run's elapsed time reads an hour and a ``max_run_latency_ms``
breaker cuts the run (stops the application) on a span whose times say nothing sure. Before ux39 the end was taken
and the run ran on. A span's contradictory times now move neither its latency nor the run's clock.
"""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import provider_with  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402

from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000
HOUR = 3_600_000 * MS


def _play(guard: GuardSpanProcessor, start_ahead: int) -> None:
    provider, _ = provider_with(guard)
    tracer = provider.get_tracer("app")
    root = tracer.start_span(
        "invoke_agent planner",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    )
    with trace_api.use_span(root, end_on_exit=False):
        start = T0 + 10 * MS
        s = tracer.start_span(
            "execute_tool lookup",
            start_time=start + start_ahead,
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"},
        )
        s.end(end_time=start + 2 * MS)
    root.end(end_time=T0 + 40 * MS)


def test_a_span_starting_an_hour_after_it_ends_does_not_cut_the_run() -> None:
    told: list[SpanDecision] = []
    guard = GuardSpanProcessor(
        Policy(breakers=Breakers(max_run_latency_ms=60_000.0)), on_cut=told.append, on_escalate=told.append
    )
    _play(guard, HOUR)
    assert guard.clock_skewed == 1
    assert told == []


def test_the_same_run_with_sound_clocks_is_not_cut() -> None:
    told: list[SpanDecision] = []
    guard = GuardSpanProcessor(
        Policy(breakers=Breakers(max_run_latency_ms=60_000.0)), on_cut=told.append, on_escalate=told.append
    )
    _play(guard, 0)
    assert guard.clock_skewed == 0 and told == []
