"""An agent's creation, written as autogen-core writes it (``create_agent <name>``, the root of a trace of its own,
before the team runs, linked to nothing), is decided by the live span guard where the backtest decides it: in the run
where the agent is first invoked, under that turn (the store joins it there: ingest/_links.py), heard when that turn
begins (policy/sql/backtest_steps.sql). A creation whose agent is never invoked (Magentic-One's participant its
orchestrator never asks) is no run of its own either: it goes where its nearest invoked sibling's creation went,
decided when the processor is flushed; with no invoked sibling (another process's), a run of its own. The creations
come a second before the team runs: the run's clock is the team's."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, HitlRule, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_796_500_000_000_000_000

POLICIES = (
    Policy(hitl=(HitlRule("depth", 2.0), HitlRule("latency_ms", 4.0))),
    Policy(breakers=Breakers(max_depth=2)),
    Policy(breakers=Breakers(max_run_latency_ms=500.0)),
    # (the ghost's creation, judged at the flush, reads the run's tool calls as the backtest hears it: at the pricer's
    # turn, none yet)
    Policy(hitl=(HitlRule("tool_calls", 1.0),)),
)


def _team(tracer: object, elsewhere: object) -> None:
    """pricer and ghost made (ghost never asked), and loner in another process (``elsewhere``'s tracer), then a team
    run a second later: its pricer's turn calls a tool."""
    alone = trace_api.set_span_in_context(trace_api.INVALID_SPAN)
    for n, name in enumerate(("pricer", "ghost", "loner")):
        made = (elsewhere if name == "loner" else tracer).start_span(
            f"create_agent {name}",
            context=alone,
            attributes={"gen_ai.operation.name": "create_agent", "gen_ai.agent.name": name},
            start_time=T0 + n * 10 * MS,
        )
        made.end(end_time=T0 + n * 10 * MS + 5 * MS)  # (5 ms: past the latency rule's 4)
    at = T0 + 1000 * MS
    with trace_api.use_span(
        tracer.start_span("team run", context=alone, start_time=at), end_on_exit=False
    ) as team:
        turn = tracer.start_span(
            "invoke_agent pricer",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
            start_time=at + MS,
        )
        with trace_api.use_span(turn, end_on_exit=False):
            call = tracer.start_span(
                "execute_tool get_price",
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_price"},
                start_time=at + 2 * MS,
            )
            call.end(end_time=at + 3 * MS)
        turn.end(end_time=at + 4 * MS)
    team.end(end_time=at + 5 * MS)


def test_a_creation_is_decided_in_the_run_of_its_agents_first_turn(tmp_path: Path) -> None:
    heard: list[list[SpanDecision]] = [[] for _ in POLICIES]
    guards = [
        GuardSpanProcessor(p, on_cut=h.append, on_escalate=h.append)
        for p, h in zip(POLICIES, heard, strict=True)
    ]
    provider, memory = provider_with(*guards)
    other = TracerProvider(resource=Resource({"service.name": "elsewhere"}))
    for guard in guards:
        other.add_span_processor(guard)
    other.add_span_processor(SimpleSpanProcessor(memory))
    _team(provider.get_tracer("autogen-core"), other.get_tracer("autogen-core"))
    spans = {s.name: s for s in memory.get_finished_spans()}
    team, pricer, loner = (
        f"{spans[n].context.trace_id:032x}" for n in ("team run", "create_agent pricer", "create_agent loner")
    )
    made, ghost = (f"{spans[f'create_agent {n}'].context.span_id:016x}" for n in ("pricer", "ghost"))
    # (the ghost's and the loner's creations wait for a turn of their agents until the processor is flushed)
    assert {(e.run_id, e.step_id) for e in heard[0]} == {
        (team, made),
        (team, f"{spans['execute_tool get_price'].context.span_id:016x}"),
    }
    provider.force_flush()
    told = [{(e.run_id, e.step_id, e.action, e.rule) for e in h} for h in heard]
    ws, _ = store_of(memory, tmp_path)
    # (pricer's creation is the team's, and so is the ghost's, made beside it; the loner's, alone in its process, not)
    assert sorted(ws.runs()["run_id"]) == sorted([team, loner])
    said = [set(not_allowed(wb.backtest(p, ws, steps=True))) for p in POLICIES]
    assert told == said
    # the creations under the pricer's turn (depth 2, as its tool call), read as set-up; the loner's a run of its own
    assert {(r, s, rule) for r, s, _, rule in told[0]} == {
        (team, made, "hitl:depth>=2"),
        (team, ghost, "hitl:depth>=2"),
        (team, f"{spans['execute_tool get_price'].context.span_id:016x}", "hitl:depth>=2"),
        (loner, f"{spans['create_agent loner'].context.span_id:016x}", "hitl:latency_ms>=4"),
    }
    assert told[1] == set()  # (max_depth 2: depth 2 is within it)
    assert (
        told[2] == set()
    )  # (the team ran 5 ms: its clock starts with it, not with the creation a second before)
    assert {s for _, s, _, _ in told[3]} == {f"{spans['execute_tool get_price'].context.span_id:016x}"}
    assert guards[0].should_stop(pricer) is False and guards[0].cut(pricer) is None
    assert pricer != team and all(g.errors == 0 for g in guards)
