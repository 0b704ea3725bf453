"""A tool call whose arguments come only at its span's end is counted where it began, as the backtest counts it.

OpenInference's openai-agents spans give a tool call's arguments when the span ends. The processor used to
check such a call (count it, then read its arguments) at its end: a call begun while it ran was counted
first. The backtest counts every call where it began, so with a budget of one call the two cut different
calls: the backtest the second call begun, the processor the first (at its end, after it ran). Now the call
is counted at its start and its arguments are read at its end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000


def test_a_call_with_late_arguments_is_counted_where_it_began(tmp_path: Path) -> None:
    # each budget by a processor of its own on one play of the calls, the spans stored once (they were two
    # parametrised cases, each playing and storing them; a processor only reads spans)
    budgets = ["max_tool_calls_run", "max_tool_calls_agent"]
    policies = [
        Policy(budgets=Budgets(max_retries=3, **{b: 1})) for b in budgets
    ]  # (max_retries reads the args)
    told: list[list[SpanDecision]] = [[] for _ in budgets]
    provider, memory = provider_with(
        *(
            GuardSpanProcessor(policy, on_cut=heard.append)
            for policy, heard in zip(policies, told, strict=True)
        )
    )
    tracer = provider.get_tracer("app")
    root = tracer.start_span(
        "invoke_agent a",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "a"},
    )
    ctx = trace_api.set_span_in_context(root)
    # a call whose arguments come at its end, and a call begun (and ended) while it runs
    slow = tracer.start_span(
        "execute_tool search",
        context=ctx,
        start_time=T0 + 1 * MS,
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"},
    )
    quick = tracer.start_span(
        "execute_tool lookup",
        context=ctx,
        start_time=T0 + 2 * MS,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup",
            "gen_ai.tool.call.arguments": "{}",
        },
    )
    quick.end(end_time=T0 + 3 * MS)
    slow.set_attribute("gen_ai.tool.call.arguments", json.dumps({"q": "stock"}))
    slow.end(end_time=T0 + 10 * MS)
    root.end(end_time=T0 + 11 * MS)

    ws, _ = store_of(memory, tmp_path)
    quick_id = f"{quick.get_span_context().span_id:016x}"
    for budget, policy, heard in zip(budgets, policies, told, strict=True):
        report = wb.backtest(policy, ws)
        assert report.runs["cut_step"].tolist() == [quick_id], budget
        assert [(c.step_id, c.rule, c.phase) for c in heard] == [(quick_id, budget, "start")], budget
