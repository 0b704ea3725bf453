"""A model call written as two LLM spans (a framework's span around its model client's, Google ADK's call_llm around
generate_content) is one step in the store, the parent's (store/sql/same_call_llm.sql). The live guard judges it so
too: the inner span waits for its parent's end and, when the store's rule takes the two as one call, the decision
names the parent's span, the one the store shows; otherwise it is judged as a step of its own. Spans written here
through the SDK with fixed times, then ingested and backtested: both must name the same steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import set_span_in_context  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Policy  # noqa: E402

MS = 1_000_000
T0 = 1_760_000_000_000 * MS


def _llm(model: str | None, tokens: tuple[int, int] | None, event: str | None = None) -> dict[str, Any]:
    attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.agent.name": "pricer"}
    if model is not None:
        attrs["gen_ai.request.model"] = model
    if tokens is not None:
        attrs["gen_ai.usage.input_tokens"], attrs["gen_ai.usage.output_tokens"] = tokens
    if event is not None:
        attrs["gcp.vertex.agent.event_id"] = event
    return attrs


# Each shape: (name, parent's attributes or None for a parent-less child, [(child attributes, start, end,
# grandchild attributes or None)], parent's start, end). Times in ms after the run's start.
SHAPES: dict[str, list[tuple]] = {
    # ADK's legacy pair: call_llm (model with a provider prefix) around generate_content, the same tokens
    "pair": [
        (
            "call_llm",
            _llm("openai/gpt-4o-mini", (100, 12), "e1"),
            2,
            20,
            [("generate_content gpt-4o-mini", _llm("gpt-4o-mini", (100, 12), "e1"), 4, 15, None)],
        )
    ],
    # two model calls under one LLM span: not one call
    "two children": [
        (
            "chain",
            _llm("gpt-4o-mini", (100, 12)),
            2,
            30,
            [
                ("a", _llm("gpt-4o-mini", (100, 12)), 4, 12, None),
                ("b", _llm("gpt-4o-mini", (100, 12)), 14, 25, None),
            ],
        )
    ],
    # other tokens, or another event: two calls
    "other tokens": [
        (
            "call_llm",
            _llm("gpt-4o-mini", (100, 12)),
            2,
            20,
            [("generate_content", _llm("gpt-4o-mini", (90, 12)), 4, 15, None)],
        )
    ],
    "other event": [
        (
            "call_llm",
            _llm("gpt-4o-mini", (100, 12), "e1"),
            2,
            20,
            [("generate_content", _llm("gpt-4o-mini", (100, 12), "e2"), 4, 15, None)],
        )
    ],
    # a chain of three LLM spans: the middle one is no child of a pair; it and the last are one call
    "chain of three": [
        (
            "outer",
            _llm("gpt-4o-mini", (100, 12)),
            2,
            30,
            [
                (
                    "call_llm",
                    _llm("gpt-4o-mini", (100, 12)),
                    4,
                    25,
                    [("generate_content", _llm("gpt-4o-mini", (100, 12)), 6, 20, None)],
                )
            ],
        )
    ],
    # the pair twice in a row, and then a model call of its own
    "pairs and a call": [
        (
            "call_llm",
            _llm("gpt-4o-mini", (100, 12)),
            2,
            12,
            [("generate_content", _llm("gpt-4o-mini", (100, 12)), 3, 10, None)],
        ),
        (
            "call_llm",
            _llm("gpt-4o-mini", (80, 9)),
            14,
            40,
            [("generate_content", _llm("gpt-4o-mini", (80, 9)), 15, 38, None)],
        ),
        ("chat", _llm("gpt-4o-mini", (70, 5)), 42, 50, None),
    ],
}

POLICIES = {
    "hitl latency": Policy(hitl=(HitlRule("latency_ms", 6.0),)),
    "hitl tokens": Policy(hitl=(HitlRule("tokens_out", 10.0),)),
    "depth": Policy(breakers=Breakers(max_depth=1)),
    "step latency": Policy(breakers=Breakers(max_step_latency_ms=9.0)),
    "run latency": Policy(breakers=Breakers(max_run_latency_ms=13.0)),
    "hitl depth": Policy(hitl=(HitlRule("depth", 2.0),)),
    "tool budget": Policy(budgets=Budgets(max_tool_calls_run=0)),
}


def _write(tracer: Any, spans: list[tuple], parent: Any) -> None:
    for name, attrs, start, end, kids in spans:
        span = tracer.start_span(
            name, context=set_span_in_context(parent), attributes=attrs, start_time=T0 + start * MS
        )
        if kids:
            _write(tracer, kids, span)
        span.end(end_time=T0 + end * MS)


def _play_through(shape: list[tuple], *guards: GuardSpanProcessor) -> InMemorySpanExporter:
    provider, memory = provider_with(*guards)
    tracer = provider.get_tracer("test-system")
    root = tracer.start_span(
        "invoke_agent pricer",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
        start_time=T0,
    )
    _write(tracer, shape, root)
    root.end(end_time=T0 + 60 * MS)
    return memory


def _decisions(heard: list[SpanDecision]) -> set:
    return {(e.run_id, e.step_id, e.action, e.rule) for e in heard}


def _play(shape: list[tuple], policy: Policy) -> tuple[set, InMemorySpanExporter]:
    heard: list[SpanDecision] = []
    memory = _play_through(shape, GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append))
    return _decisions(heard), memory


class Played(NamedTuple):
    live: dict[str, dict[str, set]]  # shape -> policy -> what its processor decided of the shape's run
    runs: dict[str, str]  # shape -> its run (trace) id
    stored: set[tuple[str, str]]  # (run, step) of every step the store keeps
    backtest: Callable[[str], set]  # policy -> what its backtest of the store says (every shape's run)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Played:
    """Every shape played once, live, each in a trace (a run) of its own, through one processor per policy on one
    provider, and the spans ingested once (they were a store a shape): what each policy's processor decided of
    each shape's run, and each policy's backtest of the store, run once (the shapes' cases share them)."""
    heard: dict[str, list[SpanDecision]] = {name: [] for name in POLICIES}
    provider, memory = provider_with(
        *(
            GuardSpanProcessor(POLICIES[name], on_cut=told.append, on_escalate=told.append)
            for name, told in heard.items()
        )
    )
    tracer = provider.get_tracer("test-system")
    runs: dict[str, str] = {}
    for shape, spans in SHAPES.items():
        root = tracer.start_span(
            "invoke_agent pricer",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
            start_time=T0,
        )
        _write(tracer, spans, root)
        root.end(end_time=T0 + 60 * MS)
        runs[shape] = f"{root.get_span_context().trace_id:032x}"
    ws, _ = store_of(memory, tmp_path_factory.mktemp("same_call"))
    assert sorted(ws.runs()["run_id"]) == sorted(runs.values())
    live = {
        shape: {name: {d for d in _decisions(told) if d[0] == run} for name, told in heard.items()}
        for shape, run in runs.items()
    }
    said: dict[str, set] = {}

    def backtest(policy: str) -> set:
        if policy not in said:
            said[policy] = set(not_allowed(wb.backtest(POLICIES[policy], ws, steps=True)))
        return said[policy]

    stored = set(ws.sql("SELECT run_id, step_id FROM steps").fetchall())
    return Played(live, runs, stored, backtest)


decided: dict[str, int] = {}


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_call_written_twice_is_judged_as_the_store_keeps_it(shape: str, policy: str, played: Any) -> None:
    heard, run = played.live[shape][policy], played.runs[shape]
    said = {d for d in played.backtest(policy) if d[0] == run}
    assert heard == said
    decided[policy] = decided.get(policy, 0) + len(said)
    # every decision names a step the store shows
    assert {(r, s) for r, s, _, _ in heard} <= played.stored


def test_the_pair_is_one_step_to_the_guard() -> None:
    # the parent's span, the one the store keeps, is named; the inner span is neither counted nor judged alone
    heard, memory = _play(SHAPES["pair"], POLICIES["hitl latency"])
    ids = {s.name: f"{s.context.span_id:016x}" for s in memory.get_finished_spans()}
    assert {s for _, s, _, _ in heard} == {ids["call_llm"]}
    heard, _ = _play(SHAPES["pair"], POLICIES["depth"])
    assert not heard  # (the inner span at depth 2 is the parent's step, at depth 1)
