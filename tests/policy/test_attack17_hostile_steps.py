"""Hostile step contents the live guards meet (attack17): a reply of JSON nested past Python's parser, and
a span naming its tool or agent with an attribute array or a number. Before: the hand Guard raised
RecursionError into the application; the span processor lost the span's end (logged an error), so a
failed call's retry went unseen."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.policy import Budgets, Loops, Policy

DEEP = "[" * 5000 + "]" * 5000   # valid JSON (the store's json_valid says so), deeper than json.loads goes


def test_deep_json_reply_does_not_crash_the_guard() -> None:
    g = wb.Guard(Policy(loops=Loops(max_repeated_replies=2)))
    for _ in range(2):
        g.before_step("r", "a", "llm")
        assert g.after_step("r", "a", "llm", output=DEEP).action == "allow"
    # a JSON reply holding no text says nothing a person reads: no chain of repeats, as in the store
    g.before_step("r", "a", "llm")
    assert g.after_step("r", "a", "llm", output=DEEP).action == "allow"


otel = pytest.importorskip("opentelemetry.sdk.trace")


@pytest.mark.parametrize("name", [("get_price", "backup"), 7])
def test_tool_named_by_an_array_or_number_is_read_to_its_end(name: object) -> None:
    from workbench.guard_spans import GuardSpanProcessor

    cuts: list = []
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_retries=0)), on_cut=cuts.append)
    provider = otel.TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    from opentelemetry.trace import Status, StatusCode

    with tracer.start_as_current_span("run"):
        for _ in range(2):   # the call fails, and is made again with the same arguments: a retry
            s = tracer.start_span("execute_tool", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name,
                "gen_ai.agent.name": ("buyer",), "gen_ai.tool.call.arguments": '{"sku": "A"}'})
            s.set_status(Status(StatusCode.ERROR, "timeout"))
            s.end()
    assert guard.errors == 0
    assert [(c.rule, c.agent, c.tool) for c in cuts] == [
        ("max_retries", '["buyer"]', '["get_price", "backup"]' if isinstance(name, tuple) else "7")]
