"""A span that never ends holds no tool arguments in the span processor.

The processor remembers each open span of a run until it ends (its agent and depth, for the spans under
it). It used to keep a tool call's arguments too, for the retry and loop limits read when the call ends:
a tool span that never ended (a crashed worker, an instrumentation that drops ``end()``) held its
arguments until its run was forgotten. It now keeps the call's key (256 characters at most, else a digest).
"""

from __future__ import annotations

import gc
import json
import tracemalloc

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.trace import Status, StatusCode  # noqa: E402

from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Loops, Policy  # noqa: E402


def test_tool_spans_never_ended_hold_no_arguments() -> None:
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_retries=2), loops=Loops(max_repeats=5)))
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    root = tracer.start_span(
        "invoke_agent a", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "a"}
    )
    ctx = trace_api.set_span_in_context(root)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        # 20 calls with 250 kB of arguments each, none ever ended: 5 MB given, five times the bound below (40
        # calls cost twice the CPU under tracemalloc for nothing more)
        for i in range(20):
            args = json.dumps({"doc": f"{i:04d}" + "y" * 250_000})
            tracer.start_span(
                "execute_tool read",
                context=ctx,
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "read",
                    "gen_ai.tool.call.arguments": args,
                },
            )
            del args
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert guard.errors == 0
    assert held < 1_000_000, f"{held:,} bytes held for 20 open spans"


def test_a_retry_is_still_told_from_the_key_kept() -> None:
    cuts = []
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_retries=0)), on_cut=cuts.append)
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span(
        "invoke_agent a", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "a"}
    ):
        for _ in range(2):
            s = tracer.start_span(
                "execute_tool read",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "read",
                    "gen_ai.tool.call.arguments": json.dumps({"doc": "z" * 5000}),
                },
            )  # a key held as a digest
            s.set_status(Status(StatusCode.ERROR, "failed"))
            s.end()
        assert trace_api.get_current_span().is_recording()
    assert [c.rule for c in cuts] == ["max_retries"] and cuts[0].phase == "start"
