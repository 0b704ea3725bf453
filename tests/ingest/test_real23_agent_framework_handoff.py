"""Microsoft Agent Framework's hand-off workflows, as a real run traced them
(tests/ingest/fixtures/agent-framework/README.md: HandoffBuilder, planner -> researcher -> writer, the
researcher's tool answered 14.2 and it passed on 41.2).

* The hand-off itself (the agent calls ``handoff_to_<agent>``, a tool the framework answers without a tool
  span) shows only as the sender's ``message.send`` span addressed to the next agent's executor
  (``message.destination_executor_id``): it is a ``handoff`` step naming that agent. Before, there was none.
* Each turn delivers the conversation to every participant's executor; the executors not addressed write an
  ``executor.process <agent>`` span with no child. Those act for no agent: before, each was a turn of its
  agent, and the run read planner > researcher > writer > researcher > writer > ... (11 changes of agent
  where the agents made 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

FIXTURE = Path(__file__).parent / "fixtures" / "agent-framework" / "handoff_fault.otlp.jsonl"


def _turns(steps) -> list[str]:
    agents = [a for a in steps.sort_values("seq").agent if isinstance(a, str)]
    return [a for i, a in enumerate(agents) if i == 0 or agents[i - 1] != a]


@pytest.fixture(scope="module")
def whole() -> wb.Workspace:
    """The fixture read whole, once for the tests below (each test that writes to it takes a copy)."""
    ws = wb.open()
    report = ws.ingest(FIXTURE, progress=False)
    assert report.quarantined == 0 and report.stored == 41
    return ws


def test_handoff_message_is_a_handoff_step_naming_the_agent_handed_to(whole: wb.Workspace) -> None:
    ws = whole
    (run,) = ws.runs().run_id
    steps = ws.steps(run)
    handoffs = steps[steps.kind == "handoff"].sort_values("seq")
    assert list(zip(handoffs.agent, handoffs.output, strict=True)) == [
        ("planner", "researcher"),
        ("researcher", "writer"),
    ]
    assert set(handoffs.name) == {"message.send"}


def test_executors_that_only_received_the_conversation_are_no_turns(whole: wb.Workspace) -> None:
    ws = whole.copy()  # (detected below)
    (run,) = ws.runs().run_id
    steps = ws.steps(run)
    assert _turns(steps) == ["planner", "researcher", "writer"]
    idle = steps[steps.name.str.startswith("executor.process ") & steps.agent.isna()]
    assert len(idle) == 10  # 13 executor spans, 3 of which ran their agent
    ran = steps[steps.name.str.startswith("executor.process ") & steps.agent.notna()]
    assert sorted(ran.agent) == ["planner", "researcher", "writer"]
    assert steps[steps.kind.isin(["llm", "tool", "agent"])].agent.notna().all()
    # the culprit is read as before: the researcher stated 41.2 where its tool said 14.2
    findings = wb.detect(ws)
    origin = findings[(findings.detector == "cascade") & (findings.severity == "critical")]
    assert list(origin.agent) == ["researcher"]


def test_a_trace_split_over_two_ingest_calls_reads_the_same(tmp_path: Path, whole: wb.Workspace) -> None:
    """An executor span stored without its children (they come in a later call) is a leaf for a while: once
    they arrive it runs its agent again; one that stays a leaf stays no one's."""
    doc = json.loads(FIXTURE.read_text())
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    executors = [s for s in spans if s["name"].startswith("executor.process ") or s["name"] == "workflow.run"]
    rest = [s for s in spans if s not in executors]
    parts = []
    for n, part in enumerate((executors, rest)):
        d = json.loads(json.dumps(doc))
        d["resourceSpans"][0]["scopeSpans"][0]["spans"] = part
        parts.append(tmp_path / f"part{n}.otlp.jsonl")
        parts[-1].write_text(json.dumps(d) + "\n")
    split = wb.open()
    split.ingest(parts[0], progress=False)
    split.ingest(parts[1], progress=False)
    (run,) = whole.runs().run_id
    cols = ["step_id", "agent", "kind"]
    a = split.steps(run)[cols].sort_values("step_id").reset_index(drop=True)
    b = whole.steps(run)[cols].sort_values("step_id").reset_index(drop=True)
    assert a.equals(b)
    assert _turns(split.steps(run)) == ["planner", "researcher", "writer"]


def test_an_executor_span_that_failed_is_still_its_agents(tmp_path: Path) -> None:
    """A leaf executor span with an error status did something, and failed: it stays its agent's."""
    doc = json.loads(FIXTURE.read_text())
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    idle = next(s for s in spans if s["name"] == "executor.process writer" and s.get("links"))
    idle["status"] = {"code": "STATUS_CODE_ERROR", "message": "writer's executor raised"}
    path = tmp_path / "failed_executor.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    ws = wb.open()
    ws.ingest(path, progress=False)
    (run,) = ws.runs().run_id
    steps = ws.steps(run).set_index("step_id")
    assert steps.loc[ws.steps(run).query("status == 'error'").step_id].agent.tolist() == ["writer"]
