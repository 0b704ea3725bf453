"""The guard's ``after_step`` numbers as a caller computing them with numpy hands them over (attack39).

Before: a confidence of ``np.float32(0.1)``, a token count of ``np.int64(5)`` or a NaN token count made the guard
take the step for one the store quarantines, so no rule read it (a HITL rule on low confidence never fired), while
``ws.ingest`` of the same record stores it (real38 reads numpy numbers as Python's, a NaN as not given): the span
guard and the backtest disagreed. ``latency_ms=10**400`` raised OverflowError and ``ended_at="x"`` a TypeError from
deep in the check, neither naming the field.
"""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.policy import HitlRule, Policy

POLICY = Policy(hitl=(HitlRule("confidence", 0.5, "below"),))


def _guard() -> tuple[wb.Guard, list]:
    escalated: list = []
    guard = wb.Guard(POLICY, on_escalate=escalated.append)
    guard.before_step("r1", "pricer", "llm")
    return guard, escalated


@pytest.mark.parametrize(
    "confidence", [np.float32(0.1), np.float16(0.1), 0.1], ids=["float32", "float16", "float"]
)
def test_a_numpy_confidence_is_read_by_the_rules(confidence: object) -> None:
    guard, escalated = _guard()
    decision = guard.after_step(
        "r1",
        "pricer",
        "llm",
        confidence=confidence,
        tokens_in=np.int64(5),
        tokens_out=np.uint32(7),
        cost=np.float32(0.25),
        entropy=np.float32(0.5),
    )
    assert (decision.action, guard.quarantined, len(escalated)) == ("escalate", 0, 1)


def test_a_nan_count_is_not_given_as_the_store_reads_it() -> None:
    record = {
        "run_id": "r1",
        "step_id": "s1",
        "agent": "pricer",
        "kind": "llm",
        "tokens_in": float("nan"),
        "confidence": np.float32(0.1),
        "tokens_out": np.int64(3),
    }
    ws = wb.open()
    assert ws.ingest([record], progress=False).stored == 1
    guard, escalated = _guard()
    guard.after_step(
        "r1",
        "pricer",
        "llm",
        tokens_in=float("nan"),
        confidence=np.float32(0.1),
        tokens_out=np.int64(3),
        step_id="s1",
    )
    assert (guard.quarantined, len(escalated)) == (0, 1)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("latency_ms", 10**400, "latency_ms must be finite and 0 or more"),
        ("ended_at", "x", "ended_at must be a time in seconds since the epoch"),
        ("ended_at", True, "ended_at must be a time in seconds since the epoch"),
    ],
    ids=["huge latency", "text end", "bool end"],
)
def test_a_value_that_is_no_number_is_an_error_naming_the_field(field: str, value: object, says: str) -> None:
    guard, escalated = _guard()
    with pytest.raises(wb.InvalidParameterError, match=field) as err:
        guard.after_step("r1", "pricer", "llm", step_id="s1", **{field: value})
    assert says in str(err.value) and "run 'r1', agent 'pricer', step 's1'" in str(err.value), str(err.value)
    assert not escalated and guard.quarantined == 0
