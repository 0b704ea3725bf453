"""The explorer's log-only line says what investigate's table says (route42): the model's one candidate in a
run of several agents is "the run's only agent that talks" (the others only ran tools or held others' steps),
and "the run's only agent" only of a run that has one."""

from __future__ import annotations

from test_attack42_cli import _run

import workbench as wb
from workbench.widgets import IncidentExplorer


def test_only_candidate_of_several_agents_is_the_only_agent_that_talks() -> None:
    solo = [
        {"record": "run", "run_id": "solo", "outcome": "failure"},
        {
            "run_id": "solo",
            "step_id": "s0",
            "agent": "writer",
            "kind": "llm",
            "status": "error",
            "error": "bad answer",
            "started_at": 1,
            "ended_at": 2,
            "input": "a",
            "output": "b",
        },
    ]
    # (the fetcher's call fine: an error of its that ended the run would name it, fix43)
    three = [
        dict(r, status="ok", error=None) if r.get("step_id") == "s1" else r for r in _run("three", "fetcher")
    ]
    ws = wb.open()
    ws.ingest(three + solo, progress=False)
    ex = IncidentExplorer(ws)
    said = {}
    for run_id in ("three", "solo"):
        ex.show_run(run_id)
        said[run_id] = ex.verdict.value
    assert "the run's only agent that talks (no choice between agents)" in said["three"], said["three"]
    assert "the run's only agent (no choice between agents)" in said["solo"], said["solo"]
    # its one step is the only one the model scores: no "share 100%" read as a certainty (walk49)
    assert (
        "(its one candidate step: no choice of step either" in said["solo"] and "100%" not in said["solo"]
    ), said
