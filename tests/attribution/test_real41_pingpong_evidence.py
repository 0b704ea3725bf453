"""A run that ended bouncing the work between two agents names the agent whose turn first moved nothing (real41).

The OpenAI Agents SDK quote desk's reviewer hands the priced work back to the pricer again and again until the SDK's
turn limit ends the run (fixtures/openai-agents-quote-desk/ping_pong): the model alone named the pricer, whose
first answer starts the run's story. When the run ended in a bounce (no agent but those two acted after the
ping_pong finding's step), it is evidence: the agent of the first turn from there that brought no new tool result.
A bounce the run got out of (a third agent took the work on and answered) says nothing about how the run failed,
and is not read.
"""

from __future__ import annotations

import warnings

import pytest
from _real41_records import run_records

import workbench as wb
from workbench.attribution._evidence import run_evidence

pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _bounce_run(run_id: str, escaped: bool) -> list[dict]:
    """triage -> pricer (get_price 14.20) -> reviewer -> pricer -> ... four rounds; ``escaped``: then a writer
    quotes the price and the run goes on to fail elsewhere (its own tool fails, handled)."""
    steps = [
        ("chain", None, "workflow", None, None),
        ("llm", "triage", "chat", "Hand pricing requests to the pricer.", '{"handoff": "pricer"}'),
        ("handoff", "triage", "handoff to pricer", None, "pricer"),
        ("tool", "pricer", "get_price", '{"item": "widget"}', "widget: 14.20 USD"),
    ]
    for _ in range(4):
        steps += [
            ("llm", "pricer", "chat", None, "The widget costs 14.20 USD. Please approve."),
            ("handoff", "pricer", "handoff to reviewer", None, "reviewer"),
            (
                "llm",
                "reviewer",
                "chat",
                None,
                "Please double-check the price with the pricer before I approve.",
            ),
            ("handoff", "reviewer", "handoff to pricer", None, "pricer"),
        ]
    if escaped:
        steps += [
            ("handoff", "reviewer", "handoff to writer", None, "writer"),
            ("tool", "writer", "send_quote", '{"price": "14.20"}', "mail server refused the message"),
            ("llm", "writer", "chat", None, "Quote for the customer: the widget costs 14.20 USD."),
        ]
    return run_records(
        {"run_id": run_id, "system": "quote desk", "task": "How much is a widget?", "outcome": "failure"},
        steps,
    )


@pytest.fixture(scope="module")
def bounced() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(_bounce_run("stuck", escaped=False) + _bounce_run("escaped", escaped=True), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws


def test_both_runs_bounce(bounced: wb.Workspace) -> None:
    found = bounced.sql(
        "SELECT run_id, agent FROM findings WHERE detector = 'ping_pong' ORDER BY run_id"
    ).fetchall()
    assert found == [("escaped", "reviewer"), ("stuck", "reviewer")]


def test_a_run_that_ended_in_the_bounce_names_the_agent_that_moved_nothing(bounced: wb.Workspace) -> None:
    ev = run_evidence(bounced, ["stuck"])
    assert ev[["evidence", "agent"]].values.tolist() == [["ping_pong", "reviewer"]]
    (step,) = bounced.sql(
        "SELECT step_id FROM findings WHERE run_id = 'stuck' AND detector = 'ping_pong'"
    ).fetchall()[0]
    assert ev["step_id"].iat[0] == step
    assert ev["why"].iat[0].startswith("ping_pong: reviewer and pricer handed the work back and forth")


def test_a_bounce_the_run_got_out_of_is_no_evidence(bounced: wb.Workspace) -> None:
    assert run_evidence(bounced, ["escaped"]).empty


def test_the_agent_that_sent_the_work_back_not_the_one_that_had_done_it() -> None:
    """The simulator's pricer prices (a new tool result), the executor sends the quote back as stale, again and
    again: the ping_pong finding opens on the pricer's turn, the evidence names the executor's first model call."""
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=303, fault_rate=1.0).generate(15), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    run = "proc-s303-000014"
    assert ws.sql(
        "SELECT agent FROM findings WHERE run_id = ? AND detector = 'ping_pong'", [run]
    ).fetchall() == [("pricer",)]
    ev = run_evidence(ws, [run])
    assert ev[["evidence", "agent", "step_id"]].values.tolist() == [["ping_pong", "executor", "s0017"]]
    assert ws.sql(
        "SELECT kind, output FROM steps WHERE run_id = ? AND step_id = 's0017'", [run]
    ).fetchall() == [("llm", '{"action":"handoff","to":"pricer","reason":"quote may be stale"}')]
