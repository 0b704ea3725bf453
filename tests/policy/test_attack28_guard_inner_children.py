"""The spans begun under a model call's inner span (ADK's generate_content under call_llm, waiting for its parent's
end) wait with it: when the two are one call the store moves them under the parent's step, one level up, and the
live guard now judges them at that depth. It judged them at once two levels under the parent: a max_depth or
depth HITL rule the backtest on the stored run allows cut or escalated the run live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import set_span_in_context  # noqa: E402
from test_guard16_same_call import MS, T0, _decisions, _llm, _write  # noqa: E402
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


class Played(NamedTuple):
    live: dict[
        str, dict[str, tuple[set, dict]]
    ]  # case -> policy -> its processor's decisions of the case's run
    runs: dict[str, str]  # case -> its run (trace) id
    names: dict[str, str]  # span id -> the span's name
    ws: wb.Workspace
    said: Callable[[str], set]  # policy -> what its backtest says of the store (every case's run)


def _root(tracer: Any) -> Any:
    return tracer.start_span(
        "invoke_agent pricer",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
        start_time=T0,
    )


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Played]:
    """A group of cases (the SHAPES under POLICIES; the OUT_OF_ORDER cases under PAIR_POLICIES) played once, live,
    each case in a trace (a run) of its own, through one processor per policy on one provider (each hears every
    span as alone, tests/policy/_guard_play.py), and its spans ingested once: what each policy's processor
    decided of each case's run (decisions, and each decided step's phase), the store, and each policy's backtest of
    it, run once. A group's cases and policies share the play, the store and the backtests where each case had a
    store of its own and each of its policies a backtest (an ingest and a label's fixed cost, ~0.4 CPU s)."""
    done: dict[str, Played] = {}

    def play(group: str) -> Played:
        if group not in done:
            policies = POLICIES if group == "shapes" else PAIR_POLICIES
            heard: dict[str, list[SpanDecision]] = {name: [] for name in policies}
            provider, memory = provider_with(
                *(
                    GuardSpanProcessor(policies[name], on_cut=told.append, on_escalate=told.append)
                    for name, told in heard.items()
                )
            )
            tracer = provider.get_tracer("test-system")
            runs: dict[str, str] = {}
            for case in SHAPES if group == "shapes" else OUT_OF_ORDER:
                if group == "shapes":
                    root = _root(tracer)
                    _write(tracer, SHAPES[case], root)
                    root.end(end_time=T0 + 60 * MS)
                else:
                    root = _write_out_of_order(tracer, *OUT_OF_ORDER[case])
                runs[case] = f"{root.get_span_context().trace_id:032x}"
            ws, _ = store_of(memory, tmp_path_factory.mktemp("inner_children"))
            assert sorted(ws.runs()["run_id"]) == sorted(runs.values())
            live = {
                case: {
                    name: (
                        {d for d in _decisions(told) if d[0] == run},
                        {e.step_id: e.phase for e in told if e.run_id == run},
                    )
                    for name, told in heard.items()
                }
                for case, run in runs.items()
            }
            names = {f"{s.context.span_id:016x}": s.name for s in memory.get_finished_spans()}
            backtests: dict[str, set] = {}

            def said(name: str, ws: wb.Workspace = ws, policies: dict = policies) -> set:
                if name not in backtests:
                    backtests[name] = _said(policies[name], ws)
                return backtests[name]

            done[group] = Played(live, runs, names, ws, said)
        return done[group]

    return play


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_spans_under_the_inner_span_are_judged_at_the_stores_depth(
    shape: str, policy: str, played: Any
) -> None:
    group = played("shapes")
    heard, run = group.live[shape][policy][0], group.runs[shape]
    said = {d for d in group.said(policy) if d[0] == run}
    assert heard == said
    judged = sorted(group.names[s] for _, s, _, _ in heard)
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
    _write_out_of_order(provider.get_tracer("test-system"), inner_ends, outer_ends)
    return {
        name: (_decisions(told), {e.step_id: e.phase for e in told}) for name, told in heard.items()
    }, memory


def _write_out_of_order(tracer: Any, inner_ends: bool, outer_ends: bool = True) -> Any:
    """``_out_of_order``'s spans, under a root of their own (returned, ended)."""
    root = _root(tracer)
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
    return root


# the cases of _out_of_order the tests below play (inner_ends, outer_ends)
OUT_OF_ORDER = {"inner ends late": (True, True), "parent never ends": (True, False)}


@pytest.mark.parametrize("policy", list(PAIR_POLICIES))
def test_an_inner_span_ending_after_its_parent_is_still_its_step(policy: str, played: Any) -> None:
    """It was judged as a step of its own (the parent found it still open): max_depth=1 cut live, at the inner
    span, a run the backtest allows; latency and token rules named the inner span, not the step the store shows."""
    group = played("out of order")
    heard, run = group.live["inner ends late"][policy][0], group.runs["inner ends late"]
    said = {d for d in group.said(policy) if d[0] == run}
    assert heard == said
    stored = {s for (s,) in group.ws.sql("SELECT step_id FROM steps WHERE run_id = ?", [run]).fetchall()}
    assert {s for _, s, _, _ in heard} <= stored


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
    group = played("out of order")
    heard, run = group.live["parent never ends"][policy][0], group.runs["parent never ends"]
    said = {d for d in group.said(policy) if d[0] == run}
    assert heard == said
