"""The guard serialises and reads text outside its lock: one run's slow step never holds up another."""

from __future__ import annotations

import threading

from workbench.guard import Guard
from workbench.policy import Budgets, Loops, Policy

_WAIT = 10.0  # a liveness bound, not a timing: the other run's step takes microseconds


class _Slow:
    """A value whose text form takes as long as the test says (a huge output being serialised)."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def __str__(self) -> str:
        self.entered.set()
        self.release.wait(_WAIT)
        return "slow"


def _other_run_proceeds_while(guard: Guard, slow: _Slow, call) -> bool:
    t = threading.Thread(target=call)
    t.start()
    try:
        assert slow.entered.wait(_WAIT)
        other = threading.Thread(target=lambda: guard.before_step("B", "b", "tool", tool="t", args={"k": 1}))
        other.start()
        other.join(_WAIT / 2)
        return not other.is_alive()
    finally:
        slow.release.set()
        t.join()


def test_a_slow_output_holds_up_no_other_run() -> None:
    guard = Guard(Policy(loops=Loops(max_repeated_replies=5)))
    slow = _Slow()
    assert _other_run_proceeds_while(
        guard, slow, lambda: guard.after_step("A", "a", "llm", output={"text": "x", "blob": slow})
    )


def test_slow_arguments_hold_up_no_other_run() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=10)))
    slow = _Slow()
    assert _other_run_proceeds_while(
        guard, slow, lambda: guard.before_step("A", "a", "tool", tool="t", args={"blob": slow})
    )


def test_same_run_steps_from_many_threads_still_count_exactly() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_agent=10**6)))

    def worker(k: int) -> None:
        for i in range(300):
            guard.before_step("one", "a", "tool", tool="t", args={"i": i, "k": k})
            guard.after_step("one", "a", "tool", tool="t", args={"i": i, "k": k}, output={"r": i})

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = guard._runs["one"]
    assert state.tool_calls == 1800 and state.per_agent["a"] == 1800
