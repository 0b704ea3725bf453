"""One trace may have two top spans in one process: a remote caller sends this service two requests under one
trace (side by side, or one calling back into it through another service), each continuing a remote parent of
its own. The live guard judged every span of the trace left waiting (attack29) when *a* top span ended: the
first request's end judged a waiting span of the second, still running, before its time. An inner model span
ended, waiting for its parent's end to be folded into it (one model call written twice, as the store folds
it), was judged as a step of its own: a latency cut on the inner span live, on the parent's step in the backtest
on the stored spans. Each top span's end now judges the spans of its own subtree only."""

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


def _remote(span_id: int) -> object:
    return set_span_in_context(
        NonRecordingSpan(SpanContext(0xABC, span_id, is_remote=True, trace_flags=TraceFlags(1)))
    )


@pytest.mark.parametrize("waiting", ["inner ended", "outer ended"])
def test_one_top_spans_end_leaves_the_other_top_spans_waiting_spans_to_their_time(
    waiting: str, tmp_path: Path
) -> None:
    policy = Policy(breakers=Breakers(max_step_latency_ms=9.0))
    heard: list[SpanDecision] = []
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test-system")
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"}
    second = tracer.start_span("invoke_agent pricer", context=_remote(0x456), start_time=T0, attributes=agent)
    outer = tracer.start_span(
        "call_llm",
        context=set_span_in_context(second),
        start_time=T0 + 2 * MS,
        attributes=_llm("openai/gpt-4o-mini", (100, 12), "e1"),
    )
    inner = tracer.start_span(
        "generate_content",
        context=set_span_in_context(outer),
        start_time=T0 + 4 * MS,
        attributes=_llm("gpt-4o-mini", (100, 12), "e1"),
    )
    # (the first request, 6 ms long, comes and goes while the second one's model call runs)
    first = tracer.start_span(
        "invoke_agent pricer", context=_remote(0x123), start_time=T0 + 10 * MS, attributes=agent
    )
    if waiting == "inner ended":  # (the inner span 11 ms long, its parent, the call the store keeps, 18 ms)
        inner.end(end_time=T0 + 15 * MS)
        first.end(end_time=T0 + 16 * MS)
        outer.end(end_time=T0 + 20 * MS)
    else:  # (async code ends the model client's span after the framework's)
        outer.end(end_time=T0 + 15 * MS)
        first.end(end_time=T0 + 16 * MS)
        inner.end(end_time=T0 + 20 * MS)
    second.end(end_time=T0 + 60 * MS)
    said, _ = _backtest(policy, memory, tmp_path)
    names = {f"{s.context.span_id:016x}": s.name for s in memory.get_finished_spans()}
    assert {(e.run_id, e.step_id, e.action, e.rule) for e in heard} == said
    assert [(names[e.step_id], e.action) for e in heard] == [("call_llm", "cut")]
