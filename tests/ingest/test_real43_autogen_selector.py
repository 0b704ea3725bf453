"""An AutoGen SelectorGroupChat desk (real43): what the store and the detectors read right in it.

``fixtures/autogen-selector/``: a model picks the next speaker among three AssistantAgents; autogen-core's own spans
(each message hop a trace of its own, joined by links) and OpenInference's OpenAI spans. The README says what was
planted and what the store makes of the files (the misses too: no span reports the outcome, so a made-up figure in
the answer is no silent failure the log can assert).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import workbench as wb

pytestmark = pytest.mark.usefixtures("_own_cache")

DESK = Path(__file__).parent / "fixtures" / "autogen-selector"


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, dict[str, str]]:
    """The clean, the cascade and the selector's repeats in one store (one ingest call: three processes' agents of
    the same names), detected; name -> the runs of the file's steps."""
    ws = wb.open()
    names = ("answered_ok", "price_error_cascade", "selector_repeats_pricer")
    ws.ingest([DESK / f"{name}.otlp.jsonl.gz" for name in names], progress=False)
    runs = {
        name: ws.sql(
            "SELECT list(DISTINCT run_id ORDER BY run_id) FROM steps WHERE ends_with(file, ?)",
            [f"{name}.otlp.jsonl.gz"],
        ).fetchall()[0][0]
        for name in names
    }
    # Each file is one run: its agents' create_agent spans (each a trace of its own, written as the agent is
    # made) join the chat's run, read as set-up (real51: a run of one step each before), and no other file's
    assert all(len(r) == 1 for r in runs.values()), runs
    runs = {name: r for name, (r,) in runs.items()}
    assert len(ws.runs()) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws, runs


def test_the_message_hops_are_one_run_with_each_agents_model_and_tool_calls(desk) -> None:
    ws, runs = desk
    rows = ws.sql(
        "SELECT agent, kind, coalesce(tool, '') FROM steps WHERE run_id = ? AND kind IN ('llm', 'tool') "
        "AND agent <> 'SelectorGroupChatManager' ORDER BY seq",
        [runs["answered_ok"]],
    ).fetchall()
    assert rows == [
        ("clerk", "llm", ""),
        ("clerk", "tool", "get_stock"),
        ("clerk", "llm", ""),
        ("pricer", "llm", ""),
        ("pricer", "tool", "get_price"),
        ("pricer", "llm", ""),
        ("shipping", "llm", ""),
        ("shipping", "tool", "get_shipping"),
        ("shipping", "tool", "get_insurance"),
        ("shipping", "llm", ""),
    ]
    for run in runs.values():  # (each file's creations in its own run, under each agent's first turn)
        assert ws.sql(
            "SELECT c.agent, c.kind, p.name FROM steps c JOIN steps p ON p.run_id = c.run_id AND p.step_id = "
            "c.parent_id WHERE c.run_id = ? AND starts_with(c.name, 'create_agent ') AND p.seq = (SELECT "
            "min(seq) FROM steps f WHERE f.run_id = c.run_id AND f.name = p.name) ORDER BY c.agent",
            [run],
        ).fetchall() == [(a, "system", f"invoke_agent {a}") for a in ("clerk", "pricer", "shipping")]


def test_the_clean_chat_is_flagged_by_nothing(desk) -> None:
    ws, runs = desk
    assert ws.sql(
        "SELECT count(*) FROM findings WHERE run_id = ? AND severity <> 'info'", [runs["answered_ok"]]
    ).fetchall() == [(0,)]


def test_a_price_made_up_on_a_tools_error_cascades_to_shipping(desk) -> None:
    """get_price returns the feed's error as its result; the pricer's model states 12.40 anyway; shipping insures
    124.00 and quotes 151.48."""
    ws, runs = desk
    run = runs["price_error_cascade"]
    (stated,) = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'pricer' AND kind = 'llm' "
        "AND contains(output, '12.40')",
        [run],
    ).fetchall()[0]
    found = ws.sql(
        "SELECT detector, agent, step_id, detail FROM findings WHERE run_id = ? AND severity <> 'info'", [run]
    ).fetchall()
    assert [f[:3] for f in found] == [("cascade", "pricer", stated)]
    assert "made-up value 12.40" in found[0][3] and "shipping" in found[0][3]


def test_the_selectors_model_calls_are_the_group_chat_managers_and_no_outcome_is_made_up(desk) -> None:
    """Failed at main (real45): the selector's model calls (under the ``autogen process SelectorGroupChatManager_…``
    span, ``recipient_agent_class`` SelectorGroupChatManager) named no agent. The chat ends on AutoGen's
    GroupChatTermination, whose span gives its type only (no stop_reason, no status): the outcome stays unknown."""
    ws, runs = desk
    run = runs["answered_ok"]
    calls = ws.sql(
        "SELECT agent, output FROM steps WHERE run_id = ? AND kind = 'llm' AND contains(input, "
        "'select the next role') ORDER BY seq",
        [run],
    ).fetchall()
    assert [c[0] for c in calls] == ["SelectorGroupChatManager"] * 3
    assert [c[1] for c in calls] == [
        f'[{{"role":"assistant","content":"{a}"}}]' for a in ("clerk", "pricer", "shipping")
    ]
    assert ws.sql(
        "SELECT count(*) FROM steps WHERE run_id = ? AND kind = 'llm' AND agent IS NULL", [run]
    ).fetchall() == [(0,)]
    assert ws.sql("SELECT outcome, outcome_source FROM runs WHERE run_id = ?", [run]).fetchall() == [
        ("unknown", "none")
    ]


def test_the_selector_choosing_the_pricer_four_times_is_a_ping_pong_of_the_manager_and_the_pricer(
    desk,
) -> None:
    """Failed at main (real45): the selector's repeated choice showed only as the pricer's repeated reply. Named
    only where it picks a speaker, the manager's turns alternate with the pricer's without progress."""
    ws, runs = desk
    found = ws.sql(
        "SELECT detector, severity, agent, detail FROM findings WHERE run_id = ? AND severity <> 'info' "
        "ORDER BY detector",
        [runs["selector_repeats_pricer"]],
    ).fetchall()
    assert [f[:3] for f in found] == [
        ("ping_pong", "critical", "pricer"),
        ("repeated_reply", "warning", "pricer"),
    ]
    assert found[0][3].startswith("pricer and SelectorGroupChatManager handed the work back and forth")
