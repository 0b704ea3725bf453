"""A guard fed a real trace step by step (with span ids) cut it with "run '…', agent 'pricing_agent':
max_retries is 2, the limit is 1": which of the agent's calls, in a run of many, was not said."""

from __future__ import annotations

import pytest

from workbench.guard import Guard
from workbench.policy import Budgets, Policy, PolicyViolation


def test_a_cut_names_the_tool_and_the_step() -> None:
    guard = Guard(Policy(budgets=Budgets(max_retries=1)))
    for i in range(2):
        guard.before_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, step_id=f"s{i}")
        guard.after_step(
            "r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, status="error", step_id=f"s{i}"
        )
    with pytest.raises(PolicyViolation) as err:
        guard.before_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, step_id="s2")
        guard.after_step(
            "r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, status="error", step_id="s2"
        )
        guard.before_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, step_id="s3")
    assert str(err.value).startswith("run 'r1', agent 'pricer', tool 'get_price', step 's")
    assert "max_retries is 2, the limit is 1" in str(err.value)


def test_without_tool_or_step_the_message_is_as_before() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=0)))
    with pytest.raises(
        PolicyViolation, match=r"^run 'r1', agent 'a': max_tool_calls_run is 1, the limit is 0$"
    ):
        guard.before_step("r1", "a", "tool")
