"""A cascade from a value no backend record or request supports, worked out of what its agent was given (real42).

The LangGraph order desk (tests/ingest/fixtures/langgraph-supervisor/order_desk_cascade): the inventory's model,
given "widget: 4 in stock" and "the customer wants 10", says 40 are in stock; the pricer and shipping go on with it,
the writer answers with it. 40 = 4 × 10 is a product of two numbers of the model's own input, so the made-up-value
rule took it as computed and no cascade was found, though the silent check named the 40 unsupported.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from _real41_records import run_records

import workbench as wb

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
CASCADE = FIXTURES / "langgraph-supervisor" / "order_desk_cascade.otlp.jsonl"
# reported failed (format_quote raised); its last output a graph update record with token counts
CRASH = FIXTURES / "langchain" / "openinference_subagents_crash.otlp.jsonl"


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _desk_run(run_id: str, stock: int, by: str) -> list[dict]:
    """supervisor -> inventory (get_stock: 4) -> pricer (14.20) -> shipping (25.00) -> writer; 10 widgets asked.
    ``by``: who says ``stock`` is in stock first: the inventory (the others hand it on) or the writer alone."""
    said = stock if by == "inventory" else 4
    answer = f"{stock} widgets in stock: your 10 ship today, 142.00 USD plus 25.00 USD shipping, 167.00 USD in total."
    steps = [
        ("chain", None, "graph", '{"request": "10 widgets, shipped"}', None),
        ("tool", "inventory", "get_stock", '{"item": "widget"}', "widget: 4 in stock"),
        (
            "llm",
            "inventory",
            "chat",
            "The customer wants 10. widget: 4 in stock",
            f"{said} widgets are in stock.",
        ),
        ("tool", "pricer", "get_price", '{"item": "widget"}', "widget: 14.20 USD each"),
        (
            "llm",
            "pricer",
            "chat",
            f"Price the order: the customer wants 10. Inventory: {said} widgets are in stock. "
            "widget: 14.20 USD each",
            "10 widgets at 14.20 USD each: 142.00 USD.",
        ),
        (
            "tool",
            "shipping",
            "get_shipping",
            '{"item": "widget", "quantity": 10}',
            "shipping 10 x widget: 25.00 USD",
        ),
        (
            "llm",
            "shipping",
            "chat",
            "Shipping cost for: 10 widgets at 14.20 USD each: 142.00 USD.",
            "Shipping: 25.00 USD.",
        ),
        (
            "llm",
            "writer",
            "chat",
            f"Inventory: {said} widgets are in stock; the customer wants 10. Pricing: 10 widgets "
            "at 14.20 USD each: 142.00 USD. Shipping: 25.00 USD.",
            answer,
        ),
    ]
    return run_records({"run_id": run_id, "system": "order desk", "outcome": "success"}, steps, {0: answer})


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, str]:
    """The three written runs, the LangGraph order desk and the crash run (its id returned beside the store)."""
    ws = wb.open()
    ws.ingest(
        _desk_run("handed_on", 40, "inventory")
        + _desk_run("clean", 4, "inventory")
        + _desk_run("writer_alone", 40, "writer"),
        progress=False,
    )
    ws.ingest(CASCADE, progress=False)
    before = set(ws.runs()["run_id"])
    ws.ingest(CRASH, progress=False)
    (crash,) = set(ws.runs()["run_id"]) - before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws, crash


def _cascade(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT severity, agent, step_id, detail, attributes->>'role' FROM findings WHERE run_id = ? "
        "AND detector = 'cascade' ORDER BY severity, step_id",
        [run],
    ).fetchall()


def test_a_value_worked_out_of_the_input_that_nothing_supports_is_followed_through_the_agents(desk) -> None:
    desk, _ = desk
    found = _cascade(desk, "handed_on")
    origins = [f for f in found if f[0] == "critical"]
    assert [(o[1], o[2]) for o in origins] == [("inventory", "s02")]
    assert "unsupported value 40" in origins[0][3] and "pricer" in origins[0][3] and "writer" in origins[0][3]
    # the pricer took it in (its input) and said only its total; the writer answered with it
    built_on = {f[2] for f in found if f[4] == "downstream"}
    assert {"s04", "s07"} <= built_on and "s02" not in built_on
    # shipping was handed the pricer's sentence only: nothing of the 40 reached it
    assert "s06" not in built_on and "shipping" not in origins[0][3]


def test_the_clean_run_and_a_value_only_the_answer_states_are_no_cascade(desk) -> None:
    desk, _ = desk
    assert _cascade(desk, "clean") == []
    # the writer works 40 out of the 4 and the 10 by itself: a wrong answer (silent_failure), built on by no one
    assert _cascade(desk, "writer_alone") == []
    (silent,) = desk.sql(
        "SELECT agent, step_id FROM findings WHERE run_id = 'writer_alone' AND detector = 'silent_failure'"
    ).fetchall()
    assert silent == ("writer", "s07")


def test_the_langgraph_order_desk_cascade_names_every_agent_that_went_on_with_the_40(desk) -> None:
    desk, crash = desk
    (run,) = [r for r in desk.runs()["run_id"] if r not in {"handed_on", "clean", "writer_alone", crash}]
    stated = desk.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'inventory' AND kind = 'llm' "
        "AND contains(output, '40 widgets are in stock') ORDER BY seq LIMIT 1",
        [run],
    ).fetchall()[0][0]
    found = _cascade(desk, run)
    (origin,) = [f for f in found if f[0] == "critical"]
    assert origin[1:3] == ("inventory", stated) and "unsupported value 40" in origin[3]
    assert origin[3].endswith("of inventory, pricer, shipping, supervisor, writer")
    # each agent after the inventory is reached at a step of its own
    agents = {
        a
        for (a,) in desk.sql(
            "SELECT DISTINCT s.agent FROM findings f JOIN steps s USING (run_id, step_id) "
            "WHERE f.run_id = ? AND f.detector = 'cascade' AND f.severity = 'info'",
            [run],
        ).fetchall()
    }
    assert {"pricer", "shipping", "supervisor", "writer"} <= agents


def test_a_run_reported_failed_has_no_answer_to_follow_a_value_from(desk) -> None:
    """Its last output is a graph update with token counts: a count the silent check would call unsupported is no
    wrong value (the silent check reports none in a failed run; neither does the cascade)."""
    ws, crash = desk
    assert _cascade(ws, crash) == []
