"""A DSPy ReAct desk (real44): what the store and the detectors read right in it.

``fixtures/dspy-react/``: one ReAct program with three tools, traced by OpenInference's DSPy instrumentation (the
README says what was planted). The extract step works its total out in two moves inside one output (10 × 14.20 =
142.00, then 142.00 + 25.00 shipping = 167.00): at main the total was "made up upstream" in every run, the clean one
too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _real_desks import detected_desk

import workbench as wb

pytestmark = pytest.mark.usefixtures("_own_cache")

DESK = Path(__file__).parent / "fixtures" / "dspy-react"
NAMES = ("answered_ok", "price_error_used", "stock_lookup_loop", "shipping_made_up")


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, dict[str, str]]:
    """The four files in one store (one ingest, each file one run), detected; name -> run id."""
    return detected_desk(DESK, NAMES)


def _found(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT detector, agent, step_id, detail FROM findings WHERE run_id = ? AND severity <> 'info' "
        "ORDER BY detector",
        [run],
    ).fetchall()


def _extract_call(ws: wb.Workspace, run: str) -> str:
    """The extract step's model call: the last LM call, the one stating the answer."""
    ((step,),) = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND kind = 'llm' AND contains(output, 'in total') "
        "ORDER BY seq DESC LIMIT 1",
        [run],
    ).fetchall()
    return step


def test_the_tool_calls_are_read_in_order(desk) -> None:
    ws, runs = desk
    tools = [
        t
        for (t,) in ws.sql(
            "SELECT tool FROM steps WHERE run_id = ? AND kind = 'tool' ORDER BY seq",
            [runs["stock_lookup_loop"]],
        ).fetchall()
    ]
    assert tools == ["get_stock"] * 5 + ["get_price", "get_shipping", "finish"]


def test_the_clean_run_is_flagged_by_nothing(desk) -> None:
    """Failed at main: 167.00, worked out from 142.00 the same output worked out first, was "made up upstream"."""
    ws, runs = desk
    assert _found(ws, runs["answered_ok"]) == []


def test_a_tools_error_used_as_a_price_is_a_silent_failure_at_the_extract_call(desk) -> None:
    """The figures worked out from the made-up 12.40 (124.00, then 149.00) stay made up."""
    ws, runs = desk
    run = runs["price_error_used"]
    ((detector, agent, step, detail),) = _found(ws, run)
    assert (detector, agent, step) == ("silent_failure", "ReAct", _extract_call(ws, run))
    assert all(v in detail for v in ("12.40", "124.00", "149.00"))


def test_the_loop_is_found_and_its_right_answer_is_no_silent_failure(desk) -> None:
    """Failed at main: a silent failure beside the loop (the total 167.00)."""
    ws, runs = desk
    found = _found(ws, runs["stock_lookup_loop"])
    assert [f[0] for f in found] == ["loop", "repeated_reply"]
    assert "get_stock" in found[0][3] and "5 times" in found[0][3]


def test_a_made_up_shipping_rate_is_a_silent_failure_at_the_extract_call(desk) -> None:
    ws, runs = desk
    run = runs["shipping_made_up"]
    ((detector, agent, step, detail),) = _found(ws, run)
    assert (detector, agent, step) == ("silent_failure", "ReAct", _extract_call(ws, run))
    assert "25.00 (made up)" in detail  # (by ReAct, the agent that answered: not upstream of it)
