"""Hostile and unusual spans the live guard meets (attack18): each case is one the store reads one way and the
span processor read another, so the guard decided what the backtest of the same spans does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402


def _backtest_cuts(policy: Policy, memory: InMemorySpanExporter, tmp_path: Path) -> list[str]:
    return [rule for action, rule in _backtest_steps(policy, memory, tmp_path) if action == "cut"]


def _backtest_steps(policy: Policy, memory: InMemorySpanExporter, tmp_path: Path) -> list[tuple[str, str]]:
    """(action, rule) of every step the backtest of the spans does not allow, in order."""
    ws, _ = store_of(memory, tmp_path)
    return [(action, rule) for _, _, action, rule in not_allowed(wb.backtest(policy, ws, steps=True))]


def test_a_langchain_tool_message_error_is_a_failed_call_to_the_guard(tmp_path: Path) -> None:
    # LangChain hands a tool's failure back to the model as a ToolMessage with status "error"; the span ends
    # OK. The store reads the call as failed (its retry a retry); the processor read it as a success, so a
    # retry limit never fired live where the backtest of the same spans cuts.
    policy = Policy(budgets=Budgets(max_retries=0))
    cuts: list = []
    guard = GuardSpanProcessor(policy, on_cut=cuts.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("openinference.instrumentation.langchain")
    failed = json.dumps(
        {
            "lc": 1,
            "type": "tool",
            "data": {
                "content": "price service timed out",
                "type": "tool",
                "tool_call_id": "call_1",
                "status": "error",
            },
        }
    )
    with tracer.start_as_current_span("LangGraph", attributes={"openinference.span.kind": "CHAIN"}):
        for _ in range(2):
            with tracer.start_as_current_span(
                "get_price",
                attributes={
                    "openinference.span.kind": "TOOL",
                    "tool.name": "get_price",
                    "input.value": '{"sku": "A"}',
                    "output.value": failed,
                },
            ):
                pass
    assert guard.errors == 0
    assert [(c.rule, c.tool) for c in cuts] == [("max_retries", "get_price")]
    assert _backtest_cuts(policy, memory, tmp_path) == ["max_retries"]


def test_retry_counts_are_bounded_with_the_outcomes_they_count() -> None:
    # A run making many distinct calls that fail and are tried again once kept a retry count per call for
    # ever (outcomes are an LRU of 512, the counts were not): 100,000 such calls held 30 MB in one run, in
    # a live guard as long as the run. A retry still counts while its call's outcome is remembered.
    from workbench.policy._core import _MAX_KEYS, Core

    core = Core(Policy(budgets=Budgets(max_retries=1)))
    st = core.new_run()
    for i in range(4 * _MAX_KEYS):
        for _ in range(2):
            assert core.before(st, "a", "tool", "t", f'{{"q": {i}}}').action == "allow"
            core.after(st, "a", "tool", "t", f'{{"q": {i}}}', status="error")
    assert len(st.retries) <= _MAX_KEYS
    assert core.before(st, "a", "tool", "t", f'{{"q": {4 * _MAX_KEYS - 1}}}').action == "cut"  # the 2nd retry


def test_policy_given_as_a_bytes_path_or_no_path() -> None:
    # os.fspath keeps a bytes path bytes: ".json" was then looked for in it and raised "endswith first arg must
    # be bytes"; a number or None raised os.fspath's "expected str, bytes or os.PathLike object".
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        policy = Policy(budgets=Budgets(max_retries=0))
        for name in ("p.json", "p.yaml"):
            path = Path(tmp) / name
            policy.to_json(path) if name.endswith(".json") else policy.to_yaml(path)
            assert GuardSpanProcessor(os.fsencode(path)).policy == policy
            assert wb.Guard(os.fsencode(path)).policy == policy
    for wrong in (5, None):
        with pytest.raises(TypeError, match="policy must be a Policy, or the path of a .json or YAML file"):
            GuardSpanProcessor(wrong)  # type: ignore[arg-type]


def test_a_span_that_outlives_its_root_is_checked_at_its_end(tmp_path: Path) -> None:
    # A call left running when its run's root span ends (fire and forget, a stream drained later): the processor
    # forgot every open span when the root ended, so the call's end was never checked; the backtest of the same
    # spans cuts it for its latency.
    from opentelemetry import trace as trace_api

    from workbench.policy import Breakers

    policy = Policy(breakers=Breakers(max_step_latency_ms=50))
    cuts: list = []
    guard = GuardSpanProcessor(policy, on_cut=cuts.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("app")
    t0 = 1_772_000_000_000_000_000
    root = tracer.start_span("run", start_time=t0)
    call = tracer.start_span(
        "execute_tool get_price",
        context=trace_api.set_span_in_context(root),
        start_time=t0 + 1_000_000,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_price",
            "gen_ai.tool.call.arguments": '{"sku": "A"}',
        },
    )
    root.end(end_time=t0 + 2_000_000)
    call.end(end_time=t0 + 200_000_000)  # 199 ms, after the root ended
    assert guard.errors == 0
    assert [(c.rule, c.tool, c.phase) for c in cuts] == [("max_step_latency_ms", "get_price", "end")]
    assert _backtest_cuts(policy, memory, tmp_path) == ["max_step_latency_ms"]


def test_a_hitl_rule_on_retries_waits_for_arguments_given_at_the_end(tmp_path: Path) -> None:
    # OpenInference's openai-agents spans give a tool call's arguments only when the span ends. The processor
    # waited for them when a retry or loop limit reads them, not when only a HITL rule on "retries" does: a
    # call of the same tool with other arguments after a failed one was the failed call tried again, so it
    # escalated where the backtest of the same spans does not.
    from opentelemetry.trace import Status, StatusCode

    from workbench.policy import HitlRule

    policy = Policy(hitl=(HitlRule(signal="retries", threshold=1),))
    told: list = []
    guard = GuardSpanProcessor(policy, on_escalate=told.append, on_cut=told.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("openinference.instrumentation.openai_agents")
    with tracer.start_as_current_span(
        "buyer", attributes={"openinference.span.kind": "AGENT", "agent.name": "buyer"}
    ):
        for sku, failed in (("A", True), ("B", False), ("A", False)):  # the third call is a retry
            span = tracer.start_span("get_price", attributes={"openinference.span.kind": "TOOL"})
            span.set_attribute("tool.name", "get_price")
            span.set_attribute("input.value", json.dumps({"sku": sku}))
            if failed:
                span.set_status(Status(StatusCode.ERROR, "timeout"))
            span.end()
    assert guard.errors == 0
    said = _backtest_steps(policy, memory, tmp_path)
    assert said == [("escalate", "hitl:retries>=1")]
    assert [(e.action, e.rule) for e in told] == said
