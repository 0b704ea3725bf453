"""A final answer that ends in "..." as said is the answer, even when an earlier step said its last words and went
on: only an output cut from its start (or from a quote opening a value, a repr's text=') to the "..." that some
step says in full and goes on with is read whole from that step (real30: OpenInference's cut LlamaIndex result).

On 2bd4437 the last 24 characters were enough: a writer's right answer ending "... we will keep you posted..." was
read as the researcher's draft that said "... we will keep you posted." and went on to a list price, 41.20: a
critical silent_failure on a run whose answer was right."""

from __future__ import annotations

import pytest
from _runs import RunBuilder, _hits, _ws

import workbench as wb

ANSWER = (
    "Quote for the customer: the widget costs 14.20 USD. Your order is confirmed and we will keep you posted"
)


def _run(draft: str, answer: str, run_id: str = "r") -> RunBuilder:
    run = RunBuilder(run_id, task="quote a widget", outcome="success")
    run.add(
        kind="tool",
        agent="researcher",
        tool="get_price",
        input='{"item": "widget"}',
        output="widget: 14.20 USD",
    )
    run.add(kind="llm", agent="researcher", output=draft)
    run.add(kind="llm", agent="writer", output=answer)
    run.answer(answer)
    return run


DRAFT = (
    "Draft: order is confirmed and we will keep you posted. Note: supplier list price 41.20 USD, not quoted."
)
SAID = "Quote for the customer: the widget costs 41.20 USD. Your order is confirmed."
# (the cut the rule is for: the repr of the result, its text cut; the writer's reply says it in full)
CUT = (
    "StopEvent(result=AgentOutput(response=ChatMessage(role=<MessageRole.ASSISTANT: 'assistant'>, "
    "blocks=[TextBlock(block_type='text', text='" + SAID[:40] + "..."
)


@pytest.fixture(scope="module")
def hits() -> dict[str, list[dict]]:
    """Each run's silent_failure hits, the two runs in one store detected once (a store and a detect each before,
    suite54)."""
    ellipsis = _run(DRAFT, ANSWER + "...", "ellipsis")
    cut = _run("Looking the price up.", SAID, "cut")
    cut.answer(CUT)
    found = _hits(wb.detect(_ws(ellipsis, cut), detectors=["silent_failure"]), "silent_failure")
    return {r: [h for h in found if h["run_id"] == r] for r in ("ellipsis", "cut")}


def test_an_answer_ending_in_an_ellipsis_as_said_is_the_answer(hits: dict[str, list[dict]]) -> None:
    assert hits["ellipsis"] == []


def test_an_answer_cut_by_its_tracer_is_still_read_whole(hits: dict[str, list[dict]]) -> None:
    cut = hits["cut"]
    assert [(h["agent"], h["severity"]) for h in cut] == [("writer", "critical")]
    assert "41.20" in cut[0]["detail"]
