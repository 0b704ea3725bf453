"""The hand Guard: each step the store would quarantine counted once, and tools that are objects.

- ``guard.quarantined`` counts "steps the store would quarantine" (README, "Arguments past the store's limits").
  claims45 made a tool call whose arguments the store cannot keep count once across its ``before_step`` and
  ``after_step``; any other step found bad at both (a long text as an LLM call's input, a start and an end
  outside 1970-2262, or arguments too big and then a confidence out of range) was still counted at each: one
  store row, two in the count.
- ``Guard.wrap`` of a tool object (a class with ``__call__``, sync or async) without ``tool=``: it read
  ``fn.__name__`` and failed with a bare ``AttributeError``; the class names it now.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workbench import Guard, Policy, PolicyViolation
from workbench.policy import Breakers, Budgets

_HUGE = "y" * (4 * 1024 * 1024 + 1)  # past the store's 4 MiB field limit


@pytest.mark.parametrize(
    ("kind", "args", "before", "after"),
    [
        ("llm", _HUGE, {}, {}),  # an LLM call's long input: quarantined at both calls
        ("llm", None, {"started_at": -5.0}, {"ended_at": -4.0}),  # both times before 1970
        (
            "tool",
            {"blob": _HUGE},
            {},
            {"confidence": 2.0},
        ),  # unkept arguments, then a confidence out of range
        ("tool", {"blob": _HUGE}, {"started_at": -5.0}, {"ended_at": -4.0}),
    ],
    ids=["long-input", "times", "args-then-confidence", "args-and-times"],
)
def test_a_step_quarantined_at_its_start_and_end_counts_once(
    kind: str, args: Any, before: dict[str, Any], after: dict[str, Any]
) -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=10)))
    tool = "upload" if kind == "tool" else None
    guard.before_step("r", "buyer", kind, tool, args, step_id="s1", **before)
    guard.after_step("r", "buyer", kind, tool, args, step_id="s1", **after)
    assert guard.quarantined == 1
    # a step quarantined only at its end is still counted (its start was checked)
    guard.before_step("r", "buyer", "llm", step_id="s2")
    guard.after_step("r", "buyer", "llm", step_id="s2", ended_at=-4.0)
    assert guard.quarantined == 2


class _Lookup:
    """A tool with state and a sync call."""

    def __call__(self, sku: str) -> float:
        return 4.2


class _AsyncLookup:
    """A tool with state and an async call."""

    def __init__(self, now: list[float]) -> None:
        self.now = now

    async def __call__(self, sku: str) -> float:
        self.now[0] += 2.0
        return 4.2


def test_wrap_names_a_tool_object_by_its_class() -> None:
    now = [1_767_225_600.0]
    seen: list[str | None] = []
    guard = Guard(Policy(breakers=Breakers(max_step_latency_ms=500)), clock=lambda: now[0])
    real_before = guard.before_step

    def before(*a: Any, **k: Any) -> Any:
        seen.append(a[3] if len(a) > 3 else k.get("tool"))
        return real_before(*a, **k)

    guard.before_step = before  # type: ignore[method-assign]
    lookup = guard.wrap("pricer")(_Lookup())
    slow = guard.wrap("pricer")(_AsyncLookup(now))
    with guard.run("r"):
        assert lookup(sku="A") == 4.2
    with guard.run("r2"), pytest.raises(PolicyViolation, match="max_step_latency_ms"):
        asyncio.run(slow(sku="A"))
    assert seen == ["_Lookup", "_AsyncLookup"]


def test_the_span_guard_counts_a_span_dropped_at_its_start_once() -> None:
    # a tool span begun with arguments past the field limit and negative tokens (dropped at its start, counted),
    # its tokens set right before it ends (then checked by its arguments' digest at its end, and counted again)
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider

    from workbench.guard_spans import GuardSpanProcessor

    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=10)))
    provider = TracerProvider()
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    tool = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "upload",
        "gen_ai.tool.call.arguments": _HUGE,
    }
    with tracer.start_as_current_span("root"):
        with tracer.start_as_current_span(
            "execute_tool upload", attributes={**tool, "gen_ai.usage.input_tokens": -5}
        ) as s:
            s.set_attribute("gen_ai.usage.input_tokens", 5)
        assert guard.quarantined == 1
        with tracer.start_as_current_span(
            "execute_tool upload", attributes=tool
        ):  # (the digest alone: counted)
            pass
    assert guard.quarantined == 2
