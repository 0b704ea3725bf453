"""The spans begun under a model call's inner span (ADK's generate_content under call_llm, waiting for its parent's
end) wait with it: when the two are one call the store moves them under the parent's step, one level up, and the
live guard now judges them at that depth. It judged them at once two levels under the parent: a max_depth or
depth HITL rule the backtest on the stored run allows cut or escalated the run live."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from test_guard16_same_call import _backtest, _llm, _play  # noqa: E402

from workbench.policy import Breakers, Budgets, HitlRule, Policy  # noqa: E402

TOOL = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", "gen_ai.agent.name": "pricer"}


def _shape(inner_tokens: tuple[int, int]) -> list[tuple]:
    # root (depth 0) > call_llm (1) > generate_content > execute_tool lookup > execute_tool nested
    return [("call_llm", _llm("openai/gpt-4o-mini", (100, 12), "e1"), 2, 20,
             [("generate_content gpt-4o-mini", _llm("gpt-4o-mini", inner_tokens, "e1"), 4, 15,
               [("execute_tool lookup", TOOL, 5, 9, [("execute_tool nested", TOOL, 6, 8, None)])])])]


SHAPES = {"one call": _shape((100, 12)), "two calls": _shape((90, 12))}
POLICIES = {"depth 2": Policy(breakers=Breakers(max_depth=2)),
            "hitl depth 3": Policy(hitl=(HitlRule("depth", 3.0),)),
            "tool budget": Policy(budgets=Budgets(max_tool_calls_run=1))}


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_spans_under_the_inner_span_are_judged_at_the_stores_depth(shape: str, policy: str, tmp_path: Path) -> None:
    heard, memory = _play(SHAPES[shape], POLICIES[policy])
    said, _ = _backtest(POLICIES[policy], memory, tmp_path)
    assert heard == said
    names = {f"{s.context.span_id:016x}": s.name for s in memory.get_finished_spans()}
    judged = sorted(names[s] for _, s, _, _ in heard)
    want = {("one call", "depth 2"): ["execute_tool nested"], ("one call", "hitl depth 3"): ["execute_tool nested"],
            ("two calls", "depth 2"): ["execute_tool lookup"], ("two calls", "hitl depth 3"): ["execute_tool nested"],
            ("one call", "tool budget"): ["execute_tool nested"], ("two calls", "tool budget"): ["execute_tool nested"]}
    assert judged == want[shape, policy]
