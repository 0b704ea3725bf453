"""attack50: a HITL threshold of a number type other than int / float slips past round 49's range check.

``policy/_model.threshold_out_of_range`` returns None for anything not an ``int`` / ``float`` ("the type checks say
what is wrong with those"), but the schema's type check takes any number: ``np.float32(-1)``, ``np.int64(-2)``,
``Decimal("-1")`` (what a frame's ``.min()`` or a hand-made Decimal gives) load as thresholds out of range, and the
policy so made cannot be written (``to_yaml``: a bare ``RepresenterError``; ``to_json``: ``TypeError``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from workbench.exceptions import PolicyError
from workbench.policy import Breakers, Budgets, HitlRule, Policy


# mend50: the three failed on 0a8c4fd4 (attack50's xfails); the complex one too (the schema took any numbers.Number)
@pytest.mark.parametrize(
    ("signal", "value"),
    [
        ("confidence", np.float32(-1.0)),
        ("tool_calls", np.int64(-2)),
        ("confidence", Decimal("-1")),
        ("confidence", complex(0.5, 1)),
    ],
    ids=["float32", "int64", "decimal", "complex"],
)
def test_out_of_range_threshold_of_any_number_type_is_refused(signal: str, value: Any) -> None:
    with pytest.raises(PolicyError, match="threshold"):
        Policy(hitl=(HitlRule(signal, value),))


# mend50: failed on 0a8c4fd4 (attack50's xfail); numbers of other types are held as plain int / float, budgets' too
def test_numpy_threshold_is_written_or_refused_at_once() -> None:
    try:
        policy = Policy(
            hitl=(HitlRule("tool_calls", np.int64(5)), HitlRule("cost", Decimal("0.25"))),
            budgets=Budgets(max_tool_calls_run=np.int64(7)),
            breakers=Breakers(max_step_latency_ms=np.float32(1500.0)),
        )
    except PolicyError as exc:
        assert "hitl[0].threshold" in str(exc)
        return
    assert [(type(r.threshold), r.threshold) for r in policy.hitl] == [(int, 5), (float, 0.25)]
    assert (
        type(policy.budgets.max_tool_calls_run) is int and type(policy.breakers.max_step_latency_ms) is float
    )
    for back in (Policy.from_yaml(policy.to_yaml()), Policy.from_json(policy.to_json())):
        assert back == policy
