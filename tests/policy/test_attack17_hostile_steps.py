"""Hostile step contents the live guards meet (attack17): a reply of JSON nested past Python's parser, and
a span naming its tool or agent with an attribute array or a number. Before: the hand Guard raised
RecursionError into the application; the span processor lost the span's end (logged an error), so a
failed call's retry went unseen."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.policy import Budgets, Loops, Policy

DEEP = "[" * 5000 + "]" * 5000  # valid JSON (the store's json_valid says so), deeper than json.loads goes


def test_deep_json_reply_does_not_crash_the_guard() -> None:
    g = wb.Guard(Policy(loops=Loops(max_repeated_replies=2)))
    for _ in range(2):
        g.before_step("r", "a", "llm")
        assert g.after_step("r", "a", "llm", output=DEEP).action == "allow"
    # a JSON reply holding no text says nothing a person reads: no chain of repeats, as in the store
    g.before_step("r", "a", "llm")
    assert g.after_step("r", "a", "llm", output=DEEP).action == "allow"


otel = pytest.importorskip("opentelemetry.sdk.trace")


@pytest.mark.parametrize("name", [("get_price", "backup"), 7])
def test_tool_named_by_an_array_or_number_is_read_to_its_end(name: object) -> None:
    from workbench.guard_spans import GuardSpanProcessor

    cuts: list = []
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_retries=0)), on_cut=cuts.append)
    provider = otel.TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    from opentelemetry.trace import Status, StatusCode

    with tracer.start_as_current_span("run"):
        for _ in range(2):  # the call fails, and is made again with the same arguments: a retry
            s = tracer.start_span(
                "execute_tool",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": name,
                    "gen_ai.agent.name": ("buyer",),
                    "gen_ai.tool.call.arguments": '{"sku": "A"}',
                },
            )
            s.set_status(Status(StatusCode.ERROR, "timeout"))
            s.end()
    assert guard.errors == 0
    assert [(c.rule, c.agent, c.tool) for c in cuts] == [
        ("max_retries", '["buyer"]', '["get_price", "backup"]' if isinstance(name, tuple) else "7")
    ]


def test_agent_names_of_forgotten_runs_are_forgotten() -> None:
    # Microsoft Agent Framework names an unnamed agent by its id: the processor keeps a readable name per
    # trace. With max_runs=3, 50 traces left 50 traces' names behind (up to 100,000), past the bound.
    from workbench.guard_spans import GuardSpanProcessor

    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=5)), max_runs=3)
    provider = otel.TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    for i in range(50):
        with tracer.start_as_current_span(
            "invoke_agent",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": f"{i:032x}"},
        ):
            pass
    assert guard.errors == 0 and guard.active_runs() == 3
    assert len(guard._agent_ids.traces) <= 3


def test_many_unnamed_agents_in_one_trace_are_named_without_a_search_each() -> None:
    # each new agent's number searched from 1 through the names taken: 8,000 agents took 4.5 s (quadratic)
    from workbench.ingest._agent_ids import AgentIds

    class Counted(set):
        looked = 0

        def __contains__(self, item: object) -> bool:
            Counted.looked += 1
            return super().__contains__(item)

    ids = AgentIds()
    ids.taken = Counted()
    names = [ids.name(f"invoke_agent {i:032x}", {}) for i in range(500)]
    assert names[:3] == ["invoke_agent", "invoke_agent 2", "invoke_agent 3"] and len(set(names)) == 500
    assert Counted.looked <= 2 * 500


def test_long_tool_arguments_are_not_held_by_the_guard() -> None:
    # the processor kept each ended span's arguments (1,024 a run) and the core each call's key with its
    # arguments (512 a run): 20 runs of 300 calls with 50 kB arguments held 602 MB
    import gc
    import tracemalloc

    from workbench.guard_spans import GuardSpanProcessor

    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_retries=3), loops=Loops(max_repeats=1000)))
    provider = otel.TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")

    def one_run() -> None:
        with tracer.start_as_current_span("run"):
            for j in range(200):
                with tracer.start_as_current_span(
                    "execute_tool",
                    attributes={
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": "upload",
                        "gen_ai.tool.call.arguments": f"{j:05d}" + "x" * 20_000,
                    },
                ):
                    pass

    one_run()  # first use imports and compiles lazily loaded code: not memory the guard holds
    tracemalloc.start()
    try:
        # two runs: held, their arguments would be 8 MB, twice the bound below (five runs cost 1 CPU s more under
        # tracemalloc for nothing more)
        for _ in range(2):
            one_run()
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert guard.errors == 0 and guard.active_runs() == 3
    assert held < 4_000_000  # 2 x 200 x 20 kB = 8 MB of arguments passed through


def test_a_retry_with_long_arguments_is_still_a_retry() -> None:
    long_args = {"document": "y" * 10_000}
    g = wb.Guard(Policy(budgets=Budgets(max_retries=1), loops=Loops(max_repeats=1)))
    g.before_step("r", "a", "tool", "upload", long_args)
    g.after_step("r", "a", "tool", "upload", long_args, status="error")
    g.before_step("r", "a", "tool", "upload", {"document": "y" * 10_000})  # the same call again: retry 1
    g.after_step("r", "a", "tool", "upload", {"document": "y" * 10_000}, status="error")
    g.before_step("r", "a", "tool", "upload", {"document": "y" * 9_999 + "z"})  # another call
    g.after_step("r", "a", "tool", "upload", {"document": "y" * 9_999 + "z"})
    with pytest.raises(wb.PolicyViolation, match="max_retries"):
        g.before_step("r", "a", "tool", "upload", {"document": "y " * 10_000})  # whitespace aside, retry 2


def test_a_signal_given_as_text_is_read_as_the_store_reads_it() -> None:
    """guard36: a confidence (or tokens, cost) handed over as text, "0.1", is 0.1 in the store; the guard raised
    TypeError out of the HITL rule's comparison into the agent's call."""
    from workbench.policy import HitlRule

    seen: list = []
    g = wb.Guard(
        Policy(hitl=(HitlRule("confidence", 0.5, direction="below"), HitlRule("tokens_out", 100.0))),
        on_escalate=seen.append,
    )
    g.before_step("r", "a", "llm")
    assert g.after_step("r", "a", "llm", confidence="0.1").action == "escalate"
    g.before_step("r", "a", "llm")
    assert g.after_step("r", "a", "llm", confidence="0.9", tokens_out="500").rule == "hitl:tokens_out>=100"
    assert [e.value for e in seen] == [0.1, 500.0] and g.quarantined == 0


def test_a_nan_time_does_not_turn_off_the_run_latency_breaker() -> None:
    """guard36: a step begun at NaN (a broken clock) was taken as the run's start: every later time compared against
    NaN, and the run's latency breaker never fired again. A NaN time is none given (the guard's clock), as the
    store reads no time there."""
    from workbench.policy import Breakers

    now = [1000.0]
    g = wb.Guard(Policy(breakers=Breakers(max_run_latency_ms=1000.0)), clock=lambda: now[0])
    g.before_step("r", "a", "llm", started_at=float("nan"))
    g.after_step("r", "a", "llm", ended_at=float("nan"))
    g.before_step("r", "a", "llm", started_at=1000.5)
    with pytest.raises(wb.PolicyViolation, match="max_run_latency_ms"):
        g.after_step("r", "a", "llm", ended_at=1002.0)
