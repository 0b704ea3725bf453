"""A trace that continues a remote parent (a service called with a ``traceparent`` header: its top span's parent is
in another process) has no root ending here. The live guard judged a model call's span whose inner span never
ended, and an inner span whose parent never ended, when the trace's root ended (attack28): under a remote parent
never, so a latency cut the backtest on the stored spans makes was missed live. They are now judged when the
top span of the trace in this process ends."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context  # noqa: E402
from test_attack28_guard_inner_children import _backtest  # noqa: E402
from test_guard16_same_call import MS, T0, _llm  # noqa: E402

from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Policy  # noqa: E402


@pytest.mark.parametrize("never_ends", ["inner", "outer"])
def test_a_span_left_waiting_under_a_remote_parent_is_judged_when_the_top_span_ends(
    never_ends: str, tmp_path: Path
) -> None:
    policy = Policy(breakers=Breakers(max_step_latency_ms=9.0))
    heard: list[SpanDecision] = []
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test-system")
    remote = set_span_in_context(
        NonRecordingSpan(SpanContext(0xABC, 0x123, is_remote=True, trace_flags=TraceFlags(1)))
    )
    top = tracer.start_span(
        "invoke_agent pricer",
        context=remote,
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
    )
    outer = tracer.start_span(
        "call_llm",
        context=set_span_in_context(top),
        start_time=T0 + 2 * MS,
        attributes=_llm("openai/gpt-4o-mini", (100, 12), "e1"),
    )
    inner = tracer.start_span(
        "generate_content",
        context=set_span_in_context(outer),
        start_time=T0 + 4 * MS,
        attributes=_llm("gpt-4o-mini", (100, 12), "e1"),
    )
    (outer if never_ends == "inner" else inner).end(end_time=T0 + (20 if never_ends == "inner" else 15) * MS)
    top.end(end_time=T0 + 60 * MS)
    said, _ = _backtest(policy, memory, tmp_path)
    names = {f"{s.context.span_id:016x}": s.name for s in memory.get_finished_spans()}
    assert {(e.run_id, e.step_id, e.action, e.rule) for e in heard} == said
    assert [(names[e.step_id], e.action, e.phase) for e in heard] == [
        ("call_llm" if never_ends == "inner" else "generate_content", "cut", "end")
    ]
