"""The spans begun under a model call's inner span (ADK's generate_content under call_llm, waiting for its parent's
end) wait with it: when the two are one call the store moves them under the parent's step, one level up, and the
live guard now judges them at that depth. It judged them at once two levels under the parent: a max_depth or
depth HITL rule the backtest on the stored run allows cut or escalated the run live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import set_span_in_context  # noqa: E402
from test_guard16_same_call import MS, T0, _decisions, _llm, _play_through  # noqa: E402
from test_guard16_same_call import POLICIES as PAIR_POLICIES  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Policy  # noqa: E402

TOOL = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", "gen_ai.agent.name": "pricer"}


def _shape(inner_tokens: tuple[int, int]) -> list[tuple]:
    # root (depth 0) > call_llm (1) > generate_content > execute_tool lookup > execute_tool nested
    return [
        (
            "call_llm",
            _llm("openai/gpt-4o-mini", (100, 12), "e1"),
            2,
            20,
            [
                (
                    "generate_content gpt-4o-mini",
                    _llm("gpt-4o-mini", inner_tokens, "e1"),
                    4,
                    15,
                    [("execute_tool lookup", TOOL, 5, 9, [("execute_tool nested", TOOL, 6, 8, None)])],
                )
            ],
        )
    ]


def _said(policy: Policy, ws: wb.Workspace) -> set:
    return set(not_allowed(wb.backtest(policy, ws, steps=True)))


def _backtest(policy: Policy, memory: InMemorySpanExporter, tmp_path: Path) -> tuple[set, wb.Workspace]:
    # (attack29 and attack30 play one policy at a time and import this: a store of the played spans, backtested)
    ws, _ = store_of(memory, tmp_path)
    return _said(policy, ws), ws


SHAPES = {"one call": _shape((100, 12)), "two calls": _shape((90, 12))}
POLICIES = {
    "depth 2": Policy(breakers=Breakers(max_depth=2)),
    "hitl depth 3": Policy(hitl=(HitlRule("depth", 3.0),)),
    "tool budget": Policy(budgets=Budgets(max_tool_calls_run=1)),
}


@pytest.fixture(scope="module")
def played(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[dict, InMemorySpanExporter, Any]]:
    """A case played once, live, through one processor per policy of its set on one provider (each hears every
    span as alone, tests/policy/_guard_play.py), and its spans ingested once: what each policy's processor
    decided (decisions, and each decided step's phase), the spans, and the store. A case's policies share the play
    and the store where each had its own (an ingest and a label's fixed cost, ~0.4 CPU s, a policy)."""
    done: dict[str, tuple[dict, InMemorySpanExporter, Any]] = {}

    def play(case: str) -> tuple[dict, InMemorySpanExporter, Any]:
        if case not in done:
            if case in SHAPES:
                heard: dict[str, list[SpanDecision]] = {name: [] for name in POLICIES}
                memory = _play_through(
                    SHAPES[case],
                    *(
                        GuardSpanProcessor(POLICIES[name], on_cut=told.append, on_escalate=told.append)
                        for name, told in heard.items()
                    ),
                )
                live = {name: (_decisions(told), None) for name, told in heard.items()}
            else:
                inner_ends, outer_ends = OUT_OF_ORDER[case]
                live, memory = _out_of_order(PAIR_POLICIES, inner_ends, outer_ends)
            ws, _ = store_of(memory, tmp_path_factory.mktemp("inner_children"))
            done[case] = (live, memory, ws)
        return done[case]

    return play


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_spans_under_the_inner_span_are_judged_at_the_stores_depth(
    shape: str, policy: str, played: Any
) -> None:
    live, memory, ws = played(shape)
    heard = live[policy][0]
    said = _said(POLICIES[policy], ws)
    assert heard == said
    names = {f"{s.context.span_id:016x}": s.name for s in memory.get_finished_spans()}
    judged = sorted(names[s] for _, s, _, _ in heard)
    want = {
        ("one call", "depth 2"): ["execute_tool nested"],
        ("one call", "hitl depth 3"): ["execute_tool nested"],
        ("two calls", "depth 2"): ["execute_tool lookup"],
        ("two calls", "hitl depth 3"): ["execute_tool nested"],
        ("one call", "tool budget"): ["execute_tool nested"],
        ("two calls", "tool budget"): ["execute_tool nested"],
    }
    assert judged == want[shape, policy]


def _out_of_order(
    policies: dict[str, Policy], inner_ends: bool, outer_ends: bool = True
) -> tuple[dict[str, tuple[set, dict]], InMemorySpanExporter]:
    """The pair with its inner span ending after its parent (async code closing the model client's span late), or
    never (the trace's root ends first), or its parent never ending, played once through one processor per policy:
    per policy, its processor's decisions and each decided step's phase; and the spans."""
    heard: dict[str, list[SpanDecision]] = {name: [] for name in policies}
    provider, memory = provider_with(
        *(
            GuardSpanProcessor(policies[name], on_cut=told.append, on_escalate=told.append)
            for name, told in heard.items()
        )
    )
    tracer = provider.get_tracer("test-system")
    root = tracer.start_span(
        "invoke_agent pricer",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
        start_time=T0,
    )
    outer = tracer.start_span(
        "call_llm",
        context=set_span_in_context(root),
        start_time=T0 + 2 * MS,
        attributes=_llm("openai/gpt-4o-mini", (100, 12), "e1"),
    )
    inner = tracer.start_span(
        "generate_content",
        context=set_span_in_context(outer),
        start_time=T0 + 4 * MS,
        attributes=_llm("gpt-4o-mini", (100, 12), "e1"),
    )
    if not outer_ends:
        inner.end(end_time=T0 + 15 * MS)
    else:
        outer.end(end_time=T0 + 20 * MS)
        if inner_ends:
            inner.end(end_time=T0 + 21 * MS)
    root.end(end_time=T0 + 60 * MS)
    return {
        name: (_decisions(told), {e.step_id: e.phase for e in told}) for name, told in heard.items()
    }, memory


# the cases of _out_of_order the tests below play (inner_ends, outer_ends)
OUT_OF_ORDER = {"inner ends late": (True, True), "parent never ends": (True, False)}


@pytest.mark.parametrize("policy", list(PAIR_POLICIES))
def test_an_inner_span_ending_after_its_parent_is_still_its_step(policy: str, played: Any) -> None:
    """It was judged as a step of its own (the parent found it still open): max_depth=1 cut live, at the inner
    span, a run the backtest allows; latency and token rules named the inner span, not the step the store shows."""
    live, _, ws = played("inner ends late")
    heard = live[policy][0]
    said = _said(PAIR_POLICIES[policy], ws)
    assert heard == said
    assert {s for _, s, _, _ in heard} <= {s for (s,) in ws.sql("SELECT step_id FROM steps").fetchall()}


def test_a_parent_whose_inner_span_never_ends_is_judged_when_the_root_ends() -> None:
    policy = Policy(breakers=Breakers(max_step_latency_ms=9.0))
    live, memory = _out_of_order({"step latency": policy}, inner_ends=False)
    heard, phase = live["step latency"]
    names = {f"{s.context.span_id:016x}": s.name for s in memory.get_finished_spans()}
    assert sorted((names[s], a, rule) for _, s, a, rule in heard) == [
        ("call_llm", "cut", "max_step_latency_ms")
    ]
    assert list(phase.values()) == ["end"]


@pytest.mark.parametrize("policy", [p for p in PAIR_POLICIES if p != "hitl latency"])
def test_an_inner_span_whose_parent_never_ends_is_judged_as_the_root_the_store_keeps(
    policy: str, played: Any
) -> None:
    """The store, without the parent, keeps the inner span as a root step of its own: the guard judges it so when
    the trace's root ends (it waited for the parent's end, never judged). ('hitl latency' left out: the root that
    began the never-ending parent encloses a span to the guard, none to the store, for any span never ending.)"""
    live, _, ws = played("parent never ends")
    heard = live[policy][0]
    said = _said(PAIR_POLICIES[policy], ws)
    assert heard == said
