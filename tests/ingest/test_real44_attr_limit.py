"""A LlamaIndex AgentWorkflow traced with OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=4096 (real44): the SDK cuts the long
conversations' JSON documents mid-way. ``fixtures/llamaindex-attr-limit-4096/`` (its README says what broke): a cut
document is kept as text and read for nothing it no longer shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from _real_desks import detected_desk

import workbench as wb

pytestmark = pytest.mark.usefixtures("_own_cache")

DESK = Path(__file__).parent / "fixtures" / "llamaindex-attr-limit-4096"
NAMES = ("answered_ok", "pricer_shipping_pingpong")


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, dict[str, str]]:
    """The clean and the ping-pong files in one store (one ingest), detected; name -> run id."""
    return detected_desk(DESK, NAMES)


def test_the_cut_documents_are_kept_whole_as_text(desk) -> None:
    ws, runs = desk
    cut = ws.sql(
        "SELECT count(*) FROM steps WHERE run_id = ? AND strlen(input) = 4096 AND NOT json_valid(input)",
        [runs["answered_ok"]],
    ).fetchall()
    assert cut[0][0] > 0


def test_a_model_helper_with_its_messages_cut_is_no_model_call(desk) -> None:
    """Failed at main: each cut ``_prepare_chat_with_tools`` read as a second model call."""
    ws, runs = desk
    rows = ws.sql(
        "SELECT DISTINCT kind FROM steps WHERE run_id = ? AND name = 'OpenAI._prepare_chat_with_tools'",
        [runs["answered_ok"]],
    ).fetchall()
    assert rows == [("chain",)]


def test_the_clean_run_is_flagged_by_nothing(desk) -> None:
    """Failed at main: a repeated reply (the cut outputs' common start) and a silent failure (169.84 'made up' by
    the call whose input was cut before the tool results)."""
    ws, runs = desk
    found = ws.sql(
        "SELECT detector FROM findings WHERE run_id = ? AND severity <> 'info'", [runs["answered_ok"]]
    ).fetchall()
    assert found == []


def test_the_ping_pong_is_found_as_on_the_uncut_file(desk) -> None:
    """Failed at main: no ping_pong, a critical repeated_reply of a step outside any agent instead."""
    ws, runs = desk
    found = ws.sql(
        "SELECT detector, agent, detail FROM findings WHERE run_id = ? AND severity <> 'info'",
        [runs["pricer_shipping_pingpong"]],
    ).fetchall()
    assert [f[:2] for f in found] == [("ping_pong", "shipping")]
    assert "shipping and pricer handed the work back and forth" in found[0][2]


def test_workflow_steps_whose_event_was_cut_take_the_agent_the_event_chain_states(desk) -> None:
    """Failed at main (real45): the cut ``setup_agent`` / ``run_agent_step`` inputs lost ``current_agent_name=``, so
    those steps and the model calls under them named no agent (12 steps of the ping-pong run). ``setup_agent``'s
    own ``AgentSetup`` output names it; ``run_agent_step`` handles that event; ``parse_agent_output`` (input not
    cut) states the same agent, which checks both."""
    ws, runs = desk
    steps = ws.sql(
        "SELECT name, agent FROM steps WHERE run_id = ? AND name LIKE 'AgentWorkflow.%' "
        "AND name NOT IN ('AgentWorkflow.run', 'AgentWorkflow.init_run') ORDER BY started_at, step_id",
        [runs["pricer_shipping_pingpong"]],
    ).fetchall()
    assert len(steps) == 53 and all(agent is not None for _, agent in steps)
    for i, (name, agent) in enumerate(steps):
        if name == "AgentWorkflow.run_agent_step":
            assert steps[i - 1] == ("AgentWorkflow.setup_agent", agent)
            assert steps[i + 1] == ("AgentWorkflow.parse_agent_output", agent)
    calls = ws.sql(
        "SELECT count(*), count(agent) FROM steps WHERE run_id = ? AND name = 'OpenAI.astream_chat'",
        [runs["pricer_shipping_pingpong"]],
    ).fetchall()[0]
    assert calls[0] == calls[1] > 0
