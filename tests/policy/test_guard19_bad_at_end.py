"""A span the store quarantines, found out only when it ends: where the live guard and the backtest differ.

A tool call returning an output past the store's field limit is quarantined by the store, so the backtest never
sees it. The live guard still counts it (checked by the output's digest, as the hand Guard checks such a step): a
tool looping with a huge result must not escape the budgets and retry rules. So here the guard is stricter than
the backtest, and the backtest's report says which runs hold steps it never saw (``quarantined_steps``). A span
whose only child is such a call encloses it live and nothing in the store. A span quarantined for another reason
(the last test) had its start decided with its depth: that known limit stays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.trace import Status, StatusCode  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.ingest._fields import MAX_FIELD_BYTES  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000
BIG = "x" * (MAX_FIELD_BYTES + 10)  # past the store's limit for one field


def _play(
    policy: Policy, script: Any, tmp_path: Path, quarantined_steps: int = 1
) -> tuple[list[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """Play ``script(tracer, ctx, clock)`` live under a planner's span; what the processor told (step, action,
    rule) in order, and what the backtest of the same spans says (its report counting the steps it never saw)."""
    return _play_each([policy], script, tmp_path, quarantined_steps)[0]


def _play_each(
    policies: list[Policy], script: Any, tmp_path: Path, quarantined_steps: int = 1
) -> list[tuple[list[tuple[str, str, str]], set[tuple[str, str, str]]]]:
    """``_play`` of each of ``policies``, the script played once with a processor per policy on its provider (a
    processor only reads spans: each hears them as if alone) and its spans stored once."""
    told: list[list[SpanDecision]] = [[] for _ in policies]
    guards = [
        GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append)
        for policy, heard in zip(policies, told, strict=True)
    ]
    provider, memory = provider_with(*guards)
    tracer = provider.get_tracer("app")
    root = tracer.start_span(
        "invoke_agent planner",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    )
    now = [T0]

    def clock() -> int:
        now[0] += MS
        return now[0]

    script(tracer, trace_api.set_span_in_context(root), clock)
    root.end(end_time=clock())
    for guard in guards:
        assert guard.errors == 0
        assert guard.quarantined == 1
    ws, report = store_of(memory, tmp_path)
    assert report.quarantined == 1
    played = []
    for policy, heard in zip(policies, told, strict=True):
        backtest = wb.backtest(policy, ws, steps=True)
        assert backtest.summary["quarantined_steps"] == quarantined_steps
        said = {(s, a, r) for _, s, a, r in not_allowed(backtest)}
        played.append(([(e.step_id, e.action, e.rule) for e in heard], said))
    return played


def _call(tracer: Any, ctx: Any, clock: Any, sku: str, output: str = "12.50", failed: bool = False) -> Any:
    span = tracer.start_span(
        "execute_tool get_price",
        context=ctx,
        start_time=clock(),
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_price",
            "gen_ai.tool.call.arguments": json.dumps({"sku": sku}),
        },
    )
    span.set_attribute("gen_ai.tool.call.result", output)
    if failed:
        span.set_status(Status(StatusCode.ERROR, "timeout"))
    span.end(end_time=clock())
    return span


def _id(span: Any) -> str:
    return f"{span.get_span_context().span_id:016x}"


def test_a_call_found_bad_at_its_end_still_counts_in_the_budget(tmp_path: Path) -> None:
    # the first call's 4 MB output: the store keeps two calls (the backtest passes the budget of two); live, the
    # three calls were made and the third is cut. Each budget by a processor of its own on one play of the calls
    # (they were two parametrised cases, each playing and storing the spans)
    budgets = ["max_tool_calls_run", "max_tool_calls_agent"]
    spans: dict[str, Any] = {}

    def script(tracer: Any, ctx: Any, clock: Any) -> None:
        _call(tracer, ctx, clock, "A", output=BIG)
        _call(tracer, ctx, clock, "B")
        spans["C"] = _call(tracer, ctx, clock, "C")

    played = _play_each([Policy(budgets=Budgets(**{budget: 2})) for budget in budgets], script, tmp_path)
    for budget, (told, said) in zip(budgets, played, strict=True):
        assert said == set(), budget
        assert told == [(_id(spans["C"]), "cut", budget)], budget


def test_a_retry_found_bad_at_its_end_is_still_a_retry(tmp_path: Path) -> None:
    # A failed; tried again, the retry returned 4 MB (quarantined); an LLM span ends after it. Live, the retry
    # was made: it and the LLM span after it are escalated; the backtest, which never saw it, has no retry
    policy = Policy(hitl=(HitlRule(signal="retries", threshold=1),))
    spans: dict[str, Any] = {}

    def script(tracer: Any, ctx: Any, clock: Any) -> None:
        _call(tracer, ctx, clock, "A", output="timeout", failed=True)
        spans["retry"] = _call(tracer, ctx, clock, "A", output=BIG)
        llm = tracer.start_span(
            "chat gpt",
            context=ctx,
            start_time=clock(),
            attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt"},
        )
        llm.end(end_time=clock())
        spans["llm"] = llm

    told, said = _play(policy, script, tmp_path)
    assert said == set()
    assert told == [
        (_id(spans["retry"]), "escalate", "hitl:retries>=1"),
        (_id(spans["llm"]), "escalate", "hitl:retries>=1"),
    ]


def test_a_span_whose_only_child_is_found_bad_encloses_it_live(tmp_path: Path) -> None:
    # a chain span around one call that returned 4 MB: in the store the chain encloses no step, so the backtest
    # reads its own latency (HITL on latency); live it encloses the call, whose latency was read instead
    policy = Policy(hitl=(HitlRule(signal="latency_ms", threshold=2.5),))
    spans: dict[str, Any] = {}

    def script(tracer: Any, ctx: Any, clock: Any) -> None:
        chain = tracer.start_span(
            "quote", context=ctx, start_time=clock(), attributes={"openinference.span.kind": "CHAIN"}
        )
        _call(tracer, trace_api.set_span_in_context(chain, ctx), clock, "A", output=BIG)
        chain.end(end_time=clock())
        spans["chain"] = chain

    told, said = _play(policy, script, tmp_path)
    assert said == {(_id(spans["chain"]), "escalate", "hitl:latency_ms>=2.5")}
    assert told == []


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known limit: the spans begun under a span found bad only at its end were decided with its depth and agent; "
        "the store makes them roots (undoing that would need a copy of the run's state per span). mend51: a design "
        "limit of judging live: at a child's start nothing says its parent will be quarantined at its end, and "
        "holding every child's decision to its parent's end would stop no call while it runs"
    ),
)
def test_spans_begun_under_a_span_found_bad_at_its_end_keep_its_depth(tmp_path: Path) -> None:
    policy = Policy(breakers=Breakers(max_depth=1))

    def script(tracer: Any, ctx: Any, clock: Any) -> None:
        chain = tracer.start_span(
            "quote", context=ctx, start_time=clock(), attributes={"openinference.span.kind": "CHAIN"}
        )
        _call(tracer, trace_api.set_span_in_context(chain, ctx), clock, "A")  # depth 2 live, 0 in the store
        chain.set_attribute("llm.token_count.prompt", -5)  # negative tokens, seen only at its end
        chain.end(end_time=clock())

    told, said = _play(policy, script, tmp_path)
    assert told == sorted(said)
