"""``ws.label`` of a culprit the run does not hold (attack45's notes: an agent typo, an empty name, a step id not in
the run, a step given with another agent than its own) was stored as given, the label then never matching
anything the attribution names. Refused now, naming what the run holds; a label the run holds is stored."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    ws = wb.open()
    agents = ["planner", "pricer", "writer"]
    ws.ingest(
        [
            {"run_id": "r1", "step_id": f"s{i}", "parent_id": "s0" if i else None, "agent": a, "kind": "llm"}
            for i, a in enumerate(agents)
        ],
        progress=False,
    )
    return ws


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"agent": "pricr"}, "no step of agent 'pricr'; its agents are 'planner', 'pricer', 'writer'"),
        ({"agent": ""}, "no step of agent ''; its agents are"),
        ({"step_id": "nope"}, "no step 'nope'; its steps are 's0', 's1', 's2'"),
        (
            {"agent": "planner", "step_id": "s1"},
            "step 's1' of run 'r1' belongs to agent 'pricer', not 'planner'",
        ),
    ],
    ids=["agent-typo", "empty-agent", "unknown-step", "step-of-another-agent"],
)
def test_a_culprit_the_run_does_not_hold_is_refused(ws: wb.Workspace, given: dict, says: str) -> None:
    before = ws.count("labels")
    with pytest.raises(wb.InvalidParameterError, match="ws.label") as caught:
        ws.label("r1", outcome="failure", **given)
    assert says in str(caught.value)
    assert ws.count("labels") == before


def test_a_culprit_the_run_holds_is_stored(ws: wb.Workspace) -> None:
    ws.label("r1", outcome="failure", agent="pricer", step_id="s1")
    assert ws.sql("SELECT agent, step_id FROM labels WHERE agent IS NOT NULL").fetchall() == [
        ("pricer", "s1")
    ]
