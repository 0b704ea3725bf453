"""A span the store keeps only after converting a value (the stage's own check, not its quick route) is
decided on by the live guard as by the backtest.

``stored_reason`` asked the stage's check (``step_row``) about such a span without its status, which that
check requires: every span off the quick route (a confidence or a cost given as an integer, an
argument of more than a million characters) was "one the store quarantines (status must be ok, error or
unset (got None))" to the span processor, so no limit or HITL rule was ever checked on it; the store keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.ingest._step_sink import stored_reason  # noqa: E402
from workbench.policy import Budgets, HitlRule, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000
ODD = {  # a tool call's attributes that take the stage's way into the store (converted there, then kept)
    "integer confidence": {"workbench.confidence": 1},
    "integer cost": {"workbench.cost": 1},
    "long arguments": {"gen_ai.tool.call.arguments": json.dumps({"doc": "x" * 1_100_000})},
}


def test_a_span_kept_after_conversion_is_checked_live(tmp_path: Path) -> None:
    # each of ODD in a trace (a run) of its own, through one processor, stored once (they were three parametrised
    # cases, each playing and storing its trace)
    policy = Policy(budgets=Budgets(max_tool_calls_run=0))
    told: list[SpanDecision] = []
    guard = GuardSpanProcessor(policy, on_cut=told.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("app")
    calls: dict[str, tuple[str, str]] = {}  # odd -> (its run, its call's step)
    for i, odd in enumerate(ODD):
        t0 = T0 + i * 10 * MS
        root = tracer.start_span(
            "invoke_agent a",
            start_time=t0,
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "a"},
        )
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup",
            "gen_ai.tool.call.arguments": "{}",
            **ODD[odd],
        }
        call = tracer.start_span(
            "execute_tool lookup",
            context=trace_api.set_span_in_context(root),
            start_time=t0 + MS,
            attributes=attrs,
        )
        call.end(end_time=t0 + 2 * MS)
        root.end(end_time=t0 + 3 * MS)
        context = call.get_span_context()
        calls[odd] = (f"{context.trace_id:032x}", f"{context.span_id:016x}")

    ws, rep = store_of(memory, tmp_path)
    assert (rep.stored, rep.quarantined) == (2 * len(ODD), 0)  # (each trace's two spans)
    cut = dict(wb.backtest(policy, ws).runs[["run_id", "cut_step"]].itertuples(index=False, name=None))
    assert set(cut) == {run for run, _ in calls.values()}  # (a run a trace)
    assert guard.quarantined == 0 and guard.errors == 0
    live = {c.run_id: (c.step_id, c.rule) for c in told}
    assert len(told) == len(live)  # (one cut a run)
    for odd, (run, call_id) in calls.items():
        assert cut[run] == call_id, odd
        assert live[run] == (call_id, "max_tool_calls_run"), odd


def test_the_stage_check_still_names_what_it_refuses() -> None:
    m = {
        "agent": None,
        "is_agent": False,
        "kind": "tool",
        "tool": "t",
        "model": None,
        "input": None,
        "output": None,
        "error": None,
        "tokens_in": -1,
        "tokens_out": None,
        "cost": None,
        "confidence": None,
        "entropy": None,
        "attributes": {},
    }
    assert stored_reason(m, "t", 0, None, "r", "s") == "tokens_in must be 0 or more (got -1)"
    assert stored_reason({**m, "tokens_in": 1.0}, "t", 0, None, "r", "s") is None


@pytest.mark.parametrize("signal,value", [("confidence", 1), ("cost", 2), ("tokens_out", 5.0)])
def test_the_hand_guard_reads_a_signal_the_store_converts(signal: str, value: Any) -> None:
    # Guard.after_step asked the same check without a status: a confidence of 1 (an int) was "a step the
    # store quarantines" and no HITL rule was read; the store converts it and keeps the step
    g = wb.Guard(Policy(hitl=(HitlRule(signal, 1.0, direction="above"),)))
    g.before_step("r", "a", "llm")
    d = g.after_step("r", "a", "llm", **{signal: value})
    assert (d.action, d.rule) == ("escalate", f"hitl:{signal}>=1")
