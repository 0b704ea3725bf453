"""The guard's ``latency_ms``: a NaN, an infinity, a negative number or a non-number raises an error naming the
field (ux38). A NaN passed every latency limit and HITL rule unseen, every comparison with it false: a step of a
run whose clock broke went on as a fast one."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.policy import Breakers, HitlRule, Policy

POLICY = Policy(breakers=Breakers(max_step_latency_ms=1000), hitl=(HitlRule("latency_ms", 500.0, "above"),))


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (float("nan"), "latency_ms must be finite and 0 or more (got nan"),
        (float("inf"), "latency_ms must be finite and 0 or more (got inf"),
        (-1.0, "latency_ms must be finite and 0 or more (got -1.0"),
        (np.float64("nan"), "latency_ms must be finite and 0 or more (got nan"),
        ("120", "latency_ms must be a number of milliseconds or None (got str '120'"),
        (True, "latency_ms must be a number of milliseconds or None (got bool"),
    ],
)
def test_a_latency_that_is_no_time_is_an_error_naming_the_field(value: object, says: str) -> None:
    escalated: list = []
    guard = wb.Guard(POLICY, on_escalate=escalated.append)
    guard.before_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"})
    with pytest.raises(wb.InvalidParameterError, match="latency_ms") as err:
        guard.after_step(
            "r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, latency_ms=value, step_id="s1"
        )
    assert says in str(err.value) and "run 'r1', agent 'pricer', step 's1'" in str(err.value), str(err.value)
    assert isinstance(err.value, ValueError) and not escalated and guard.quarantined == 0
    # nothing of the bad call was recorded: the run goes on, and its next step is judged on its own time
    assert (
        guard.after_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, latency_ms=100.0).action
        == "allow"
    )
    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms is 2000"):
        guard.after_step("r1", "pricer", "tool", tool="get_price", args={"sku": "A"}, latency_ms=2000.0)


@pytest.mark.parametrize("value", [None, 0, 0.0, 120, np.float64(120.5), np.int64(120)])
def test_a_latency_that_is_a_time_is_read_as_before(value: object) -> None:
    guard = wb.Guard(POLICY)
    assert guard.after_step("r1", "pricer", "llm", latency_ms=value).action == "allow"
    # an integer or numpy time over the limit still cuts, as a float does
    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        guard.after_step("r1", "pricer", "llm", latency_ms=np.int64(5000))


def test_a_latency_over_the_hitl_threshold_escalates_whatever_its_number_type() -> None:
    escalated: list = []
    guard = wb.Guard(POLICY, on_escalate=escalated.append)
    assert guard.after_step("r1", "pricer", "llm", latency_ms=np.float32(700)).action == "escalate"
    assert escalated and escalated[0].value == 700.0
