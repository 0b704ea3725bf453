"""The verdict on two order desks of frameworks whose multi-agent shapes the older fixtures lacked (real43).

``fixtures/crewai-hierarchical/``: CrewAI's ``Process.hierarchical``, its own manager agent delegating to three
workers through the "Delegate work to coworker" / "Ask question to coworker" tools (OpenInference).
``fixtures/llamaindex-agentworkflow/``: a LlamaIndex ``AgentWorkflow`` of three ``FunctionAgent``s handing off with
``can_handoff_to`` (OpenInference). Each README says what was planted in each run and which agent and step a right
verdict names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _real_desks import desk_store

import workbench as wb
from workbench._investigate import investigate_table

pytestmark = pytest.mark.usefixtures("_own_cache")

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "crew_ok": "crewai-hierarchical/answered_ok",
    "crew_cascade": "crewai-hierarchical/price_error_cascade",
    "crew_loop": "crewai-hierarchical/manager_pingpong",
    "crew_silent": "crewai-hierarchical/shipping_made_up",
    "li_ok": "llamaindex-agentworkflow/answered_ok",
    "li_cascade": "llamaindex-agentworkflow/price_error_cascade",
    "li_pingpong": "llamaindex-agentworkflow/pricer_shipping_pingpong",
    "li_silent": "llamaindex-agentworkflow/shipping_made_up",
}


@pytest.fixture(scope="module")
def desks() -> tuple[wb.Workspace, dict[str, str], dict]:
    """The eight runs in one store, detected and attributed as ``workbench investigate`` does, and its verdicts."""
    ws, runs = desk_store({name: FIXTURES / f"{stem}.otlp.jsonl.gz" for name, stem in FILES.items()})
    table = investigate_table(ws, None)
    return ws, runs, {row["run"]: row for row in table.to_dict("records")}


def _findings(ws: wb.Workspace, run: str) -> list[tuple]:
    """The run's findings above ``info`` (a cascade's steps built on are listed apart)."""
    return ws.sql(
        "SELECT detector, severity, agent, step_id, detail FROM findings WHERE run_id = ? "
        "AND severity <> 'info' ORDER BY detector, step_id",
        [run],
    ).fetchall()


def _model_calls(ws: wb.Workspace, run: str, agent: str) -> list[str]:
    return [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = ? AND kind = 'llm' ORDER BY seq",
            [run, agent],
        ).fetchall()
    ]


@pytest.mark.parametrize("run", ["crew_ok", "li_ok"])
def test_the_clean_runs_are_flagged_by_nothing(desks, run) -> None:
    ws, runs, verdicts = desks
    assert _findings(ws, runs[run]) == []
    assert runs[run] not in verdicts


def test_a_manager_asking_a_worker_the_same_question_again_is_the_managers_loop(desks) -> None:
    """CrewAI's manager asks the pricer "What do 10 widgets cost?" five times; each ask runs the pricer afresh
    (one get_price each), and CrewAI's guard stops the crew. The repeated call is the manager's: the pricer's one
    lookup per question is no loop of its own."""
    ws, runs, verdicts = desks
    run = runs["crew_loop"]
    asks = [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'Pricer' AND kind = 'agent' ORDER BY seq",
            [run],
        ).fetchall()
    ]
    assert len(asks) == 5
    loops = [f for f in _findings(ws, run) if f[0] == "loop"]
    assert [f[2:4] for f in loops] == [("Crew Manager", asks[0])]
    assert "Crew Manager called Pricer with the same arguments 5 times in a row" in loops[0][4]
    v = verdicts[run]
    assert v["reported"] == "failure" and v["culprit"].startswith("Crew Manager ")


def test_a_price_made_up_on_a_tools_error_cascades_through_the_managers_delegations(desks) -> None:
    """get_price returns the feed's error as its result; the pricer's model answers 12.40 anyway; the manager hands
    124.00 to shipping, which insures it, and quotes 151.48."""
    ws, runs, verdicts = desks
    run = runs["crew_cascade"]
    stated = _model_calls(ws, run, "Pricer")[-1]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [
        ("cascade", "critical", "Pricer", stated),
        ("silent_failure", "critical", "Pricer", stated),
    ]
    assert "Crew Manager" in found[0][4] and "Shipping Clerk" in found[0][4]
    v = verdicts[run]
    assert v["reported"] == "SILENT*" and v["culprit"].startswith("Pricer ") and v["step"] == stated


@pytest.mark.parametrize("run, agent", [("crew_silent", "Shipping Clerk"), ("li_silent", "shipping")])
def test_a_shipping_rate_the_carrier_did_not_give_is_the_shipping_agents(desks, run, agent) -> None:
    """The carrier has no rate; the shipping agent's model quotes 25.00 as if it had, and the total is the clean
    run's 169.84. In the LlamaIndex trace the workflow's root span holds its start state, not the request: the
    customer's "10 widgets" (in the first model call's messages) is what the run was given, not a made-up value."""
    ws, runs, verdicts = desks
    stated = _model_calls(ws, runs[run], agent)[-1]
    silent = [f for f in _findings(ws, runs[run]) if f[0] == "silent_failure"]
    assert [f[:4] for f in silent] == [("silent_failure", "critical", agent, stated)]
    assert "25.00" in silent[0][4] and "final answer 10 " not in silent[0][4]
    v = verdicts[runs[run]]
    assert v["reported"] == "SILENT*" and v["culprit"].startswith(f"{agent} ") and v["step"] == stated


def test_a_price_made_up_on_a_tools_error_is_handed_off_to_shipping(desks) -> None:
    ws, runs, verdicts = desks
    run = runs["li_cascade"]
    handed = [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'pricer' AND kind = 'llm' "
            "AND contains(output, '12.40') ORDER BY seq",
            [run],
        ).fetchall()
    ]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [
        ("cascade", "critical", "pricer", handed[0]),
        ("silent_failure", "critical", "pricer", handed[0]),
    ]
    assert verdicts[run]["culprit"].startswith("pricer ") and verdicts[run]["step"] == handed[0]


def test_hand_offs_back_and_forth_with_nothing_new_are_ping_pong_and_no_wrong_answer(desks) -> None:
    ws, runs, verdicts = desks
    run = runs["li_pingpong"]
    found = _findings(ws, run)
    assert [f[0] for f in found] == ["ping_pong"]
    assert "shipping and pricer handed the work back and forth" in found[0][4]
    assert run not in verdicts  # the answer is right
