"""review50: two tool calls in parallel with the same arguments end in any order; each outcome is its own call's.

``Core.after`` (the backtest's, the hand ``Guard``'s and the span guard's core) took the last call's key when the
arguments equal the last call's, to skip normalising them again (b332761a), without asking whether the agent and
tool are that call's too. Two tools asked at once with the same arguments (``{}``, one item: Haystack's and
OpenAI Agents' parallel tool calls, started in order, ended as their tools take) had the first one's outcome
recorded under the second one's key: a repeat of the first was no repeat, its retry no retry (and the second's
counted twice). Fails on 0a8c4fd4 (seen: ok_counts held fetch_stock twice, the repeat of fetch_price allowed).
"""

from __future__ import annotations

from workbench.policy import Budgets, Loops, Policy
from workbench.policy._core import Core
from workbench.policy._run_state import RunState

ARGS = '{"item": "widget"}'


def _parallel(core: Core, price_status: str) -> RunState:
    st = RunState(20)
    core.before(st, "agent", "tool", "fetch_price", ARGS, 2, 1.0)
    core.before(st, "agent", "tool", "fetch_stock", ARGS, 2, 1.1)
    core.after(st, "agent", "tool", "fetch_stock", ARGS, "ok")
    core.after(st, "agent", "tool", "fetch_price", ARGS, price_status)
    return st


def test_a_repeat_of_the_first_of_two_parallel_calls_is_a_repeat() -> None:
    core = Core(Policy(loops=Loops(max_repeats=0)))
    st = _parallel(core, "ok")
    assert sorted(st.ok_counts.values()) == [1, 1]
    assert core.before(st, "agent", "tool", "fetch_price", ARGS, 2, 2.0).rule == "max_repeats"


def test_a_retry_of_the_first_of_two_parallel_calls_is_a_retry() -> None:
    core = Core(Policy(budgets=Budgets(max_retries=0)))
    st = _parallel(core, "error")
    assert core.before(st, "agent", "tool", "fetch_price", ARGS, 2, 2.0).rule == "max_retries"
    assert (
        core.before(_parallel(core, "error"), "agent", "tool", "fetch_stock", ARGS, 2, 2.0).action == "allow"
    )
