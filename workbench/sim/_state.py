"""The execution state of one run, cheap to snapshot, and the ground-truth judgement of a final state.

A :class:`State` holds everything that decides what happens next: the program counter, the clock,
the blackboard (values with the step that produced them), the backend's orders and the fault
bookkeeping. Values put on the blackboard are never mutated afterwards, so a snapshot needs only
shallow copies of the containers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._world import Task


@dataclass(slots=True)
class Value:
    """A blackboard entry: the value, the step that produced it, and whether it is wrong."""

    value: Any
    src: str
    tainted: bool = False


@dataclass(slots=True)
class State:
    """Everything a run's next step depends on."""

    pc: str = "start"
    t: int = 0  # clock, microseconds since the epoch
    seq: int = 0  # number of steps executed so far
    agent: str | None = None  # agent whose turn it is
    span: str | None = None  # step id of the open agent span
    handoff_from: str | None = None  # handoff step that opened the next turn
    bb: dict[str, Value] = field(default_factory=dict)
    occ: dict[str, int] = field(default_factory=dict)
    fired: dict[int, int] = field(default_factory=dict)
    done: dict[int, bool] = field(default_factory=dict)
    ctr: dict[str, Any] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    reported: str | None = None
    detail: str | None = None
    final: dict[str, Any] | None = None

    def copy(self) -> State:
        return State(
            self.pc,
            self.t,
            self.seq,
            self.agent,
            self.span,
            self.handoff_from,
            self.bb.copy(),
            self.occ.copy(),
            self.fired.copy(),
            self.done.copy(),
            self.ctr.copy(),
            self.orders.copy(),
            self.pending,
            self.reported,
            self.detail,
            self.final,
        )


def judge(task: Task, st: State) -> tuple[str, str]:
    """Ground truth: did the run really do what was asked, and is its answer true?

    Returns ``(outcome, detail)``. Success needs a confirmed order of the right item and quantity
    within budget in the backend, and a final answer whose every stated value matches that record.
    """
    if st.final is None:
        return "failure", f"no answer: {st.detail or 'run did not finish'}"
    ans = st.final
    order = st.orders.get(ans.get("order_id"))
    if order is None:
        return "failure", f"answer names order {ans.get('order_id')!r}, which the backend does not hold"
    if order["status"] != "confirmed":
        return "failure", f"order {order['order_id']} is {order['status']!r}, never confirmed"
    if order["sku"] != task.sku:
        return "failure", f"ordered {order['sku']} ({order['item']}), task asked for {task.sku}"
    if order["quantity"] != task.quantity:
        return "failure", f"ordered {order['quantity']} units, task asked for {task.quantity}"
    if order["total"] > task.budget + 1e-9:
        return "failure", f"order total {order['total']:.2f} exceeds budget {task.budget:.2f}"
    if ans.get("order_status") != order["status"]:
        return "failure", f"answer states status {ans.get('order_status')!r}, backend has {order['status']!r}"
    for key in ("sku", "supplier_id", "supplier", "quantity"):
        if ans.get(key) != order[key]:
            return "failure", f"answer states {key}={ans.get(key)!r}, backend has {order[key]!r}"
    for key in ("unit_price", "total"):
        if abs(float(ans.get(key, -1.0)) - order[key]) > 0.005:
            return "failure", f"answer states {key}={ans.get(key)!r}, backend has {order[key]!r}"
    return "success", f"order {order['order_id']} confirmed and answer matches the backend"
