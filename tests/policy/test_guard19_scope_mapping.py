"""The live guard maps a span by its instrumentation scope too, as the store's OTLP reader does.

openai-agents' JavaScript OpenInference processor opens a trace with a root span typed AGENT that carries
``llm.system`` and the run's first input and last output: the store reads it as the trace (a chain, no
agent: ``agents_trace_root``, a rule on the scope), the processor read it as an agent named after the
workflow, and gave that agent to the spans under it. The processor's cache of start mappings is keyed by the
scope too: the same root span from another instrumentation is an agent to the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import HitlRule, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000
JS_AGENTS = "@arizeai/openinference-instrumentation-openai-agents"


def _trace(tracer: Any, t0: int) -> str:
    """A workflow's root span typed AGENT with a model call straight under it; returns the call's span id."""
    root = tracer.start_span(
        "Agent workflow",
        start_time=t0,
        attributes={"openinference.span.kind": "AGENT", "llm.system": "openai"},
    )
    llm = tracer.start_span(
        "generation",
        context=trace_api.set_span_in_context(root),
        start_time=t0 + MS,
        attributes={"openinference.span.kind": "LLM", "llm.system": "openai"},
    )
    llm.set_attribute("output.value", "the price is 12.50")
    llm.end(end_time=t0 + 3 * MS)
    root.end(end_time=t0 + 4 * MS)
    return f"{llm.get_span_context().span_id:016x}"


@pytest.mark.parametrize("scopes", [(JS_AGENTS,), ("app", JS_AGENTS)], ids=["js", "app-then-js"])
def test_the_trace_span_of_openai_agents_js_is_no_agent_live_either(
    scopes: tuple[str, ...], tmp_path: Path
) -> None:
    # "app-then-js": the same root span's start seen first from another scope (an agent there) must not be
    # taken again from the cache for the JavaScript processor's span
    policy = Policy(hitl=(HitlRule(signal="latency_ms", threshold=1.0, agent="Agent workflow"),))
    told: list[SpanDecision] = []
    guard = GuardSpanProcessor(policy, on_escalate=told.append, on_cut=told.append)
    provider, memory = provider_with(guard)
    calls = [_trace(provider.get_tracer(scope), T0 + 10 * MS * i) for i, scope in enumerate(scopes)]
    assert guard.errors == 0

    ws, _ = store_of(memory, tmp_path)
    agents = dict(ws.con.execute("SELECT step_id, agent FROM steps WHERE name = 'generation'").fetchall())
    assert agents == {calls[-1]: None, **({calls[0]: "Agent workflow"} if len(calls) > 1 else {})}
    said = {(s, a, r) for _, s, a, r in not_allowed(wb.backtest(policy, ws, steps=True))}
    assert said == (
        {(calls[0], "escalate", "hitl:latency_ms>=1@Agent workflow")} if len(calls) > 1 else set()
    )
    assert {(e.step_id, e.action, e.rule) for e in told} == said
