"""The groundedness check on a graph's final state and on a figure worked out in two steps (real41).

A LangGraph supervisor's run ends on the graph's state, a record whose `answer` key is what the user got and whose
other keys are what the nodes handed each other ("stock": "4 widgets are in stock."): read whole, its small numbers
counted as a record's and "4" was unsupported (the tool said "widget: 4 in stock" in prose). And a total of a
subtotal the pricer worked out (3 × 14.20 = 42.60) and the backend's shipping (11.00) was unsupported: the check
tried one product or sum of the backend's numbers only. Both made a clean run a critical silent failure.
"""

from __future__ import annotations

import json
import warnings

import pytest
from _real41_records import run_records

import workbench as wb

pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _desk_run(
    run_id: str,
    stock: int,
    unit: str,
    subtotal: str,
    total: str,
    state: bool = True,
    fields: dict | None = None,
) -> list[dict]:
    """supervisor -> inventory (get_stock: 4) -> pricer (get_price: 14.20) -> shipping (11.00) -> writer, the run's
    last output the graph's state (``state``, with ``fields`` beside its texts) or the writer's answer. The figures
    the models say are given."""
    answer = f"{stock} widgets in stock: your 3 ship today, {subtotal} USD plus 11.00 USD shipping, {total} USD in total."
    steps = [
        ("chain", None, "graph", '{"request": "3 widgets, shipped"}', None),
        ("tool", "inventory", "get_stock", '{"item": "widget"}', "widget: 4 in stock"),
        ("llm", "inventory", "chat", "widget: 4 in stock", f"{stock} widgets are in stock."),
        ("tool", "pricer", "get_price", '{"item": "widget"}', "widget: 14.20 USD each"),
        (
            "llm",
            "pricer",
            "chat",
            f"The customer wants 3. {stock} widgets are in stock. widget: {unit} USD each",
            f"3 widgets at {unit} USD each: {subtotal} USD.",
        ),
        (
            "tool",
            "shipping",
            "get_shipping",
            '{"item": "widget", "quantity": 3}',
            "shipping 3 x widget: 11.00 USD",
        ),
        ("llm", "shipping", "chat", "shipping 3 x widget: 11.00 USD", "Shipping: 11.00 USD."),
        (
            "llm",
            "writer",
            "chat",
            f"{stock} widgets are in stock. 3 widgets at {unit} USD each: {subtotal} USD. "
            "Shipping: 11.00 USD.",
            answer,
        ),
    ]
    state_out = json.dumps(
        {
            "request": "3 widgets, shipped",
            "stock": f"{stock} widgets are in stock.",
            "pricing": f"3 widgets at {unit} USD each: {subtotal} USD.",
            "shipping": "Shipping: 11.00 USD.",
            "answer": answer,
            "next": "writer",
            **(fields or {}),
        }
    )
    return run_records(
        {"run_id": run_id, "system": "order desk", "outcome": "success"},
        steps,
        {0: state_out} if state else None,
    )


@pytest.fixture(scope="module")
def desk() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        _desk_run("clean", 4, "14.20", "42.60", "53.60")
        + _desk_run("clean_answer", 4, "14.20", "42.60", "53.60", state=False)
        + _desk_run("stock_made_up", 40, "14.20", "42.60", "53.60")
        + _desk_run("unit_made_up", 4, "15.20", "45.60", "56.60")
        + _desk_run("price_field", 4, "14.20", "42.60", "53.60", fields={"price": 41.2}),
        progress=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws


def _silent(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT agent, step_id, detail FROM findings WHERE run_id = ? AND detector = 'silent_failure'", [run]
    ).fetchall()


def test_a_clean_run_ending_on_the_graph_state_or_on_the_answer_is_no_silent_failure(
    desk: wb.Workspace,
) -> None:
    assert _silent(desk, "clean") == []
    assert _silent(desk, "clean_answer") == []


def test_a_made_up_figure_in_the_state_answer_is_still_found(desk: wb.Workspace) -> None:
    ((agent, step, detail),) = _silent(desk, "stock_made_up")
    assert (agent, step) == ("inventory", "s02") and "answer 40 (" in detail and "53.60" not in detail


def test_a_total_worked_out_from_a_made_up_step_is_still_unsupported(desk: wb.Workspace) -> None:
    """45.60 = 3 × 15.20, and 15.20 is no backend's: the step between is itself unsupported, so 56.60 is too."""
    ((agent, step, detail),) = _silent(desk, "unit_made_up")
    assert "56.60 (unsupported)" in detail and (agent, step) == ("pricer", "s04")


def test_a_number_field_of_the_state_is_said_with_its_answer(desk: wb.Workspace) -> None:
    """A state's own top-level number is a figure the user got too: 41.2 beside a clean answer is unsupported."""
    ((agent, step, detail),) = _silent(desk, "price_field")
    assert "41.2 (unsupported)" in detail
