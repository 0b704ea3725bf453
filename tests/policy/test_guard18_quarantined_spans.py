"""Spans the store quarantines are no steps of the backtest's: the live guards decide nothing on them either,
except a tool call past the field limit for its arguments alone, which they count by its arguments' digest (guard36).

A tool call whose arguments are past the store's field limit, an LLM call reporting negative tokens, a
confidence of 1.5, a span that began before 1970: the store quarantines each (``ingest/_fields.step_row``),
so ``wb.backtest`` never sees them. The span processor and the hand Guard used to count them (a tool call
more, an escalation on a bogus signal, a run begun in 1969); they now ask the store's own check.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard import Guard  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.ingest._fields import MAX_FIELD_BYTES  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Policy, PolicyViolation  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000
BIG = "x" * (MAX_FIELD_BYTES + 10)  # past the store's limit for one field

POLICIES = {
    "tool calls": Policy(budgets=Budgets(max_tool_calls_run=3)),
    "tokens": Policy(hitl=(HitlRule("tokens_out", 0.0, direction="below"),)),
    "confidence": Policy(hitl=(HitlRule("confidence", 0.9, direction="above"),)),
    "run latency": Policy(breakers=Breakers(max_run_latency_ms=1000.0)),
}


def _trace(tracer: Any) -> None:
    """A planner making four good lookups, with four spans the store quarantines among them."""
    now = [T0]

    def span(
        name: str, attrs: dict[str, Any], at_end: dict[str, Any] | None = None, start: int | None = None
    ) -> None:
        now[0] += MS
        s = tracer.start_span(name, attributes=attrs, start_time=now[0] if start is None else start)
        now[0] += MS
        if at_end:
            s.set_attributes(at_end)
        s.end(end_time=now[0])

    def lookup(order: str) -> None:
        span(
            "execute_tool lookup",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup",
                "gen_ai.tool.call.arguments": json.dumps({"order": order}),
            },
            {"gen_ai.tool.call.result": "open"},
        )

    root = tracer.start_span(
        "invoke_agent planner",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    )
    with trace_api.use_span(root, end_on_exit=False):
        lookup("PO-1")
        lookup("PO-2")
        # arguments past the field limit, given at the span's start
        span(
            "execute_tool lookup",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup",
                "gen_ai.tool.call.arguments": BIG,
            },
        )
        lookup("PO-3")
        # negative tokens, known only when the call ends
        span("chat m", {"gen_ai.operation.name": "chat"}, {"gen_ai.usage.output_tokens": -5})
        # a confidence outside [0, 1]
        span("chat m", {"gen_ai.operation.name": "chat", "workbench.confidence": 1.5})
        # a span that says it began in 1969
        span("chat m", {"gen_ai.operation.name": "chat"}, start=-5 * MS)
        lookup("PO-4")
    root.end(end_time=now[0] + MS)


@pytest.fixture(scope="module")
def played(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, tuple[set, Any]], Any, wb.Workspace, Any]:
    """The trace played once, live, through one processor per policy on one provider (each hears every span as
    alone, tests/policy/_guard_play.py), and its spans ingested once: per policy, what its processor decided and
    the processor; the spans, the store and the ingest's report (one ingest and label, ~0.4 CPU s, where each
    policy's test made its own)."""
    told: dict[str, set[tuple[str, str, str, str]]] = {name: set() for name in POLICIES}
    guards = {
        name: GuardSpanProcessor(
            POLICIES[name],
            on_cut=lambda e, t=told[name]: t.add((e.run_id, e.step_id, e.action, e.rule)),
            on_escalate=lambda e, t=told[name]: t.add((e.run_id, e.step_id, e.action, e.rule)),
        )
        for name in POLICIES
    }
    provider, memory = provider_with(*guards.values())
    _trace(provider.get_tracer("app"))
    ws, report = store_of(memory, tmp_path_factory.mktemp("quarantined_spans"))
    return {name: (told[name], guards[name]) for name in POLICIES}, memory, ws, report


@pytest.mark.parametrize("name", list(POLICIES))
def test_spans_the_store_quarantines_are_decided_on_by_neither(name: str, played: Any) -> None:
    policy = POLICIES[name]
    live, memory, ws, report = played
    told, guard = live[name]
    assert report.quarantined == 4 and report.stored == 5
    backtest = wb.backtest(policy, ws, steps=True)
    said = set(not_allowed(backtest))
    # (a run cut is judged no further: in "tool calls", cut before the three other spans the store quarantines)
    assert guard.quarantined == (1 if name == "tool calls" else 4) and guard.errors == 0
    assert backtest.summary["quarantined_steps"] == 4  # (the report says where it and the guard can differ)
    if name == "tool calls":  # the fourth good lookup is the fourth call the store holds: cut there
        lookups = [s for s in memory.get_finished_spans() if s.name == "execute_tool lookup"]
        assert said == {
            (
                f"{lookups[-1].context.trace_id:032x}",
                f"{lookups[-1].context.span_id:016x}",
                "cut",
                "max_tool_calls_run",
            )
        }
        # the guard counts the call past the field limit (guard36: a loop of them escaped every limit), by its
        # arguments' digest: its fourth call is the third good lookup, cut there
        assert told == {
            (
                f"{lookups[3].context.trace_id:032x}",
                f"{lookups[3].context.span_id:016x}",
                "cut",
                "max_tool_calls_run",
            )
        }
    else:
        assert told == said == set()


def test_the_hand_guard_leaves_out_the_steps_the_store_quarantines() -> None:
    escalations: list[Any] = []
    guard = Guard(
        Policy(budgets=Budgets(max_tool_calls_run=2), hitl=(HitlRule("confidence", 0.9, direction="above"),)),
        on_escalate=escalations.append,
    )
    # past the field limit: a call all the same (guard36: a loop of them escaped every limit), by its digest
    guard.before_step("r", "a", "tool", "t", args=BIG, started_at=1.0)
    guard.after_step("r", "a", "tool", "t", args=BIG, ended_at=2.0)
    guard.before_step("r", "a", "llm", started_at=3.0)
    guard.after_step("r", "a", "llm", confidence=1.5, ended_at=4.0)  # no confidence the store keeps
    assert (
        escalations == [] and guard.quarantined == 2
    )  # two steps (claims45: the big call was counted twice)
    guard.before_step("r", "a", "tool", "t", args={"q": 1}, started_at=5.0)  # the run's second call
    guard.after_step("r", "a", "llm", confidence=0.95, ended_at=6.0)
    assert [e.rule for e in escalations] == ["hitl:confidence>=0.9"]
    with pytest.raises(PolicyViolation, match="max_tool_calls_run is 3"):
        guard.before_step("r", "a", "tool", "t", args={"q": 2}, started_at=7.0)


def test_a_tool_span_with_a_result_past_the_field_limit_still_counts() -> None:
    """guard36: a tool answering with a result past the store's field limit, called again and again, escaped the
    span processor's budgets (the span was dropped at its end and its call taken back); the hand Guard counts it
    by the result's digest, and so does the processor now."""
    told: list[str] = []
    guard = GuardSpanProcessor(
        Policy(budgets=Budgets(max_tool_calls_run=2)), on_cut=lambda e: told.append(e.rule)
    )
    provider, _ = provider_with(guard)
    tracer = provider.get_tracer("app")
    at = T0 + MS
    root = tracer.start_span(
        "invoke_agent planner",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    )
    with trace_api.use_span(root, end_on_exit=False):
        for i in range(4):
            s = tracer.start_span(
                "execute_tool lookup",
                start_time=at,
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "lookup",
                    "gen_ai.tool.call.arguments": json.dumps({"order": i}),
                },
            )
            s.set_attributes({"gen_ai.tool.call.result": BIG})
            s.end(end_time=at + MS)
            at += 2 * MS
    root.end(end_time=at)
    assert told == ["max_tool_calls_run"] and guard.errors == 0
