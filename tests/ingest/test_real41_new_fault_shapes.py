"""The verdict on two real multi-agent systems with fault shapes the older fixtures lacked (real41).

``fixtures/langgraph-supervisor/``: a LangGraph supervisor routing over four ReAct agents, each handed only its part
of the state (OpenInference). ``fixtures/openai-agents-quote-desk/``: an OpenAI Agents SDK hand-off chain
(OpenInference). Each README says what was planted, and which agent and step a right verdict names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _real_desks import desk_store

import workbench as wb
from workbench._investigate import investigate_table

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "cascade": FIXTURES / "langgraph-supervisor" / "order_desk_cascade.otlp.jsonl",
    "latency": FIXTURES / "langgraph-supervisor" / "order_desk_latency.otlp.jsonl",
    "ping_pong": FIXTURES / "openai-agents-quote-desk" / "ping_pong.otlp.jsonl",
    "retry": FIXTURES / "openai-agents-quote-desk" / "retry_without_end.otlp.jsonl",
    "detached": FIXTURES / "openai-agents-quote-desk" / "detached_200.otlp.jsonl",
    "ok": FIXTURES / "openai-agents-quote-desk" / "answered_ok.otlp.jsonl",
}


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, dict[str, str]]:
    """All six traces in one store (each its own run), detected and attributed as ``workbench investigate`` does."""
    return desk_store(FILES)


def _findings(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT detector, severity, agent, step_id, detail FROM findings WHERE run_id = ? "
        "ORDER BY detector, step_id",
        [run],
    ).fetchall()


def _verdict(ws: wb.Workspace, run: str) -> dict:
    table = investigate_table(ws, None)
    (row,) = table[table["run"] == run].to_dict("records")
    return row


def _step(ws: wb.Workspace, run: str, agent: str, kind: str, says: str) -> str:
    """The first step of ``agent`` of that kind whose output holds ``says``."""
    return ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = ? AND kind = ? AND contains(output, ?) "
        "ORDER BY seq LIMIT 1",
        [run, agent, kind, says],
    ).fetchall()[0][0]


def test_an_early_wrong_value_through_agents_that_see_part_of_the_state(desk) -> None:
    """The inventory's model says 40 for the tool's 4; the pricer and shipping work on with it, the writer answers
    with it. Only the 40 is wrong: the total 167.00 is 142.00 (10 × 14.20, the pricer's) plus shipping's 25.00."""
    ws, runs = desk
    run = runs["cascade"]
    stated = _step(ws, run, "inventory", "llm", "40 widgets are in stock")
    (silent,) = [f for f in _findings(ws, run) if f[0] == "silent_failure"]
    assert silent[1:4] == ("critical", "inventory", stated)
    assert "40 (unsupported)" in silent[4] and "167.00" not in silent[4]
    v = _verdict(ws, run)
    assert v["reported"] == "SILENT*" and v["culprit"].startswith("inventory ") and v["step"] == stated


def test_a_latency_blow_up_with_every_figure_right_is_no_wrong_answer(desk) -> None:
    """53.60 USD is worked out in two steps the log shows (3 × 14.20 = 42.60 by the pricer, + 11.00 shipping), and the
    graph's final state is no answer of its own: its other keys' small numbers ("4 widgets are in stock.") are prose."""
    ws, runs = desk
    run = runs["latency"]
    found = _findings(ws, run)
    assert [f[0] for f in found] == ["latency_breach"]
    tool = ws.sql("SELECT step_id FROM steps WHERE run_id = ? AND tool = 'get_shipping'", [run]).fetchall()[
        0
    ][0]
    assert found[0][1:4] == ("warning", "shipping", tool) and "get_shipping took 320" in found[0][4]
    assert run not in set(investigate_table(ws, None)["run"])  # reported success, nothing says it failed


def test_a_ping_pong_that_ended_the_run_names_the_agent_that_moved_nothing(desk) -> None:
    """The reviewer hands the priced work back again and again; the run dies of the SDK's turn limit. The model alone
    names the pricer (its first answer); the bounce it ended in names the reviewer."""
    ws, runs = desk
    run = runs["ping_pong"]
    (pp,) = [f for f in _findings(ws, run) if f[0] == "ping_pong"]
    first_turn = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'reviewer' AND kind = 'agent' "
        "ORDER BY seq LIMIT 1",
        [run],
    ).fetchall()[0][0]
    assert pp[1:4] == ("critical", "reviewer", first_turn)
    v = _verdict(ws, run)
    assert v["reported"] == "failure"
    # the step: the reviewer's first model call, the one that handed the priced work back
    sent_back = _step(ws, run, "reviewer", "llm", "double-check the price")
    assert v["culprit"].startswith("reviewer ") and "ping_pong" in v["culprit"] and v["step"] == sent_back


def test_retries_without_end_name_the_first_failed_call(desk) -> None:
    ws, runs = desk
    run = runs["retry"]
    calls = ws.sql(
        "SELECT step_id, status FROM steps WHERE run_id = ? AND tool = 'get_price' ORDER BY seq", [run]
    ).fetchall()
    assert len(calls) == 9 and {s for _, s in calls} == {"error"}
    (retry,) = [f for f in _findings(ws, run) if f[0] == "retry"]
    assert retry[1:4] == ("critical", "pricer", calls[0][0])
    v = _verdict(ws, run)
    assert v["culprit"].startswith("pricer ") and v["step"] == calls[0][0]


def test_a_200_ok_without_the_data_and_an_answer_anyway(desk) -> None:
    ws, runs = desk
    run = runs["detached"]
    backend = ws.sql("SELECT output FROM steps WHERE run_id = ? AND tool = 'get_price'", [run]).fetchall()[0][
        0
    ]
    assert json.loads(backend)["price"] is None
    stated = _step(ws, run, "pricer", "llm", "12.90")
    (silent,) = [f for f in _findings(ws, run) if f[0] == "silent_failure"]
    assert silent[1:4] == ("critical", "pricer", stated)
    v = _verdict(ws, run)
    assert v["reported"] == "SILENT*" and v["culprit"].startswith("pricer ") and v["step"] == stated


def test_the_clean_run_of_the_same_desk_is_flagged_by_nothing(desk) -> None:
    ws, runs = desk
    assert _findings(ws, runs["ok"]) == []
    assert runs["ok"] not in set(investigate_table(ws, None)["run"])
