"""A span's instrumentation scope changes what the store reads of it; the live guard reads it the same way.

openai-agents' JavaScript OpenInference processor opens every trace with a root span typed AGENT that also
carries ``llm.system`` and lifted text: the store reads it as the trace (a chain, no agent) by its scope
(``ingest/_framework_agents.agents_trace_root``). The same span from an application's own tracer stays an agent.
The span processor read both as an agent "quote-workflow": a turn more, so a hand-off breaker cut a run the
backtest does not cut. Two such roots alike in name and attributes, of different scopes, must not share the
processor's reused start mapping either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _deep import deep  # noqa: E402
from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000
OAI_JS = "@arizeai/openinference-instrumentation-openai-agents"
APP = "openinference.instrumentation"
QUOTE = "Quote for the customer: the widget costs 14.20 USD."


def _quote(tracer: Any, start: int) -> None:
    """researcher looks the price up, writer quotes it, inside the workflow's root span."""
    now = [start]

    def tick() -> int:
        now[0] += MS
        return now[0]

    root = tracer.start_span(
        "quote-workflow",
        start_time=tick(),
        attributes={
            "openinference.span.kind": "AGENT",
            "llm.system": "openai",
            "input.value": "What does the widget cost?",
        },
    )
    ctx = trace_api.set_span_in_context(root)
    for agent, tool in (("researcher", True), ("writer", False)):
        w = tracer.start_span(
            "Agent workflow",
            context=ctx,
            start_time=tick(),
            attributes={"openinference.span.kind": "CHAIN", "llm.system": "openai"},
        )
        a = tracer.start_span(
            agent,
            context=trace_api.set_span_in_context(w),
            start_time=tick(),
            attributes={"openinference.span.kind": "AGENT", "llm.system": "openai", "graph.node.id": agent},
        )
        actx = trace_api.set_span_in_context(a)
        if tool:
            t = tracer.start_span(
                "get_price",
                context=actx,
                start_time=tick(),
                attributes={
                    "openinference.span.kind": "TOOL",
                    "tool.name": "get_price",
                    "input.value": '{"item":"widget"}',
                },
            )
            t.set_attribute("output.value", "41.20")
            t.end(end_time=tick())
        m = tracer.start_span(
            "generation",
            context=actx,
            start_time=tick(),
            attributes={"openinference.span.kind": "LLM", "llm.system": "openai"},
        )
        m.set_attribute("output.value", "The widget costs 41.20 USD." if tool else QUOTE)
        m.end(end_time=tick())
        a.end(end_time=tick())
        w.end(end_time=tick())
    root.set_attribute("output.value", QUOTE)  # (the last answer, lifted onto the trace)
    root.end(end_time=tick())


# Each scope alone only in a deep run (tests/_deep.py): the two orders play a trace of each scope, the first on a
# processor that heard nothing before (as alone), the second after the other's, each trace's verdicts checked
SCOPES = {"app-then-js": (APP, OAI_JS), "js-then-app": (OAI_JS, APP)}
if deep():
    SCOPES |= {"openai-agents-js": (OAI_JS,), "app": (APP,)}


@pytest.mark.parametrize("scopes", list(SCOPES.values()), ids=list(SCOPES))
def test_the_guard_reads_a_root_by_its_scope_as_the_backtest(scopes: tuple[str, ...], tmp_path: Path) -> None:
    policy = Policy(breakers=Breakers(max_handoffs=0))
    told: list[SpanDecision] = []
    guard = GuardSpanProcessor(policy, on_cut=told.append, on_escalate=told.append)
    provider, memory = provider_with(guard)
    for i, scope in enumerate(scopes):  # the same spans, one trace per scope, through one processor
        _quote(provider.get_tracer(scope), T0 + i * 1000 * MS)

    ws, rep = store_of(memory, tmp_path)
    assert rep.quarantined == 0
    said = set(not_allowed(wb.backtest(policy, ws, steps=True)))
    # the store's reading: the app's root is an agent (a turn, then two hand-offs), openai-agents' is none
    cut_runs = {r for r, *_ in said}
    roots = dict(ws.sql("SELECT run_id, kind FROM steps WHERE parent_id IS NULL").fetchall())
    assert {r for r, kind in roots.items() if kind == "agent"} == cut_runs
    assert {(e.run_id, e.step_id, e.action, e.rule) for e in told} == said
    assert guard.errors == 0


@pytest.mark.parametrize("long", ["array attribute", "name"])
def test_starts_with_long_arrays_or_names_are_not_held_for_reuse(long: str) -> None:
    # the reused start mappings (1,024 kept) were chosen by their string attributes' length only: an array
    # attribute holding long text, or a long span name, was kept in the key and the mapping: 1,000 such
    # starts of 20 kB held 20-40 MB for as long as the processor lives
    import gc
    import tracemalloc

    from workbench.policy import Budgets

    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=100_000)))
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")

    def one_run(n: int) -> None:
        with tracer.start_as_current_span("run"):
            for j in range(n):
                text = f"{j:05d}" + "x" * 20_000
                attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"}
                if long == "name":
                    name = text
                else:
                    name, attrs["gen_ai.request.stop_sequences"] = "chat m", (text,)
                with tracer.start_as_current_span(name, attributes=attrs):
                    pass

    one_run(5)  # first use imports and compiles lazily loaded code: not memory the guard holds
    tracemalloc.start()
    try:
        # 400 starts, within the 1,024 kept: held, they would be 8 MB, twice the bound below (1,000 starts cost
        # 1.3 CPU s a case under tracemalloc for nothing more)
        one_run(400)
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert guard.errors == 0
    assert held < 4_000_000  # 400 x 20 kB = 8 MB passed through
