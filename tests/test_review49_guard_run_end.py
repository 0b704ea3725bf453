"""review49: ``with guard.run`` ending a run that was forgotten past ``max_runs`` while it went on (guard49's mend:
it marks its own state ended). ``end_run`` finds nothing to forget then, and a step of the run in another thread
(a task or stream holding the run's state) that looks its state up in that moment puts it back (``Guard._state``'s
``held``, for a run still going) just before ``guard.run`` marks it ended: the ended run stayed remembered, and a
later run given the same id (a session id used again) took over its counts instead of starting anew. The other
thread's lookup is made here right after ``end_run``, the moment it can come."""

from __future__ import annotations

from workbench import Guard, Policy
from workbench.guard import _current_state
from workbench.policy import Budgets


def test_a_run_put_back_as_it_ends_is_forgotten() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=1)), max_runs=1)
    real_end = guard.end_run
    held: list = []

    def end_run(run_id: str) -> None:
        real_end(run_id)
        guard._state(run_id, held[0])  # (another thread's step of the run, looking its state up now)

    guard.end_run = end_run  # type: ignore[method-assign]
    with guard.run("a"):
        held.append(_current_state.get()[1])
        with guard.step(None, "clerk", "tool", tool="price", args={"sku": 1}):
            pass
        guard._state("b")  # (another run: "a" forgotten past max_runs while it goes on)
    assert held[0].ended
    assert guard.active_runs() == 0
    del guard.end_run
    with guard.run("a"):  # (the id used again: a run of its own, its one tool call allowed)
        with guard.step(None, "clerk", "tool", tool="price", args={"sku": 1}):
            pass
