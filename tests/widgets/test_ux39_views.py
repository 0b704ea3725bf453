"""What ux39 fixed in the views, tested through the public widgets on stores the tests write.

The ThresholdTuner's per-agent sliders: an agent the cheapest set gives no rule opened its slider at the slider's
end, on the highest value, a threshold that "≥" still escalates, reading as one chosen there. It now opens on the
no-review point (past every value), the slider reaching it, and says so: the agent has no rule, in the readout, in
a note under the sliders and in the policy exported."""

from __future__ import annotations

from pathlib import Path

import workbench as wb
from workbench.widgets import ThresholdTuner

XSS = "<img src=x onerror=alert(1)>"


def two_agents() -> wb.Workspace:
    """40 runs, one in 4 failed: ``slowpoke`` takes 3 s more in each failed run (a rule on it pays), the other
    agent's latency is noise up to 4.85 s on successful runs alone (any rule on it costs)."""
    records = []
    for r in range(40):
        failed = r % 4 == 0
        records.append(
            {"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "failure" if failed else "success"}
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"a{i}",
                "agent": "slowpoke",
                "kind": "tool",
                "tool": "t",
                "latency_ms": 100.0 + i + (3000 if failed and i == 2 else 0),
            }
            for i in range(3)
        ]
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"b{i}",
                "agent": "noisy" + XSS,
                "kind": "tool",
                "tool": "t",
                "latency_ms": 50.0 + (0 if failed else (r * 7 % 13) * 400) + i,
            }
            for i in range(3)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_an_agent_with_no_rule_opens_its_slider_on_no_review(tmp_path: Path) -> None:
    ws = two_agents()
    tu = ThresholdTuner(ws, signal="latency_ms", cost_review=1, cost_failure=20)
    tu.per_agent.value = True
    noisy = "noisy" + XSS
    assert tu.sweep.best_per_agent.threshold == {noisy: None, "slowpoke": 3102.0}
    by_agent = dict(zip(tu._slider_agents, tu.agent_sliders.children, strict=True))
    top = ws.sql("SELECT max(latency_ms) FROM steps WHERE agent = ?", params=[noisy]).fetchall()[0][0]
    off = by_agent[noisy]
    # past every value of the whole store (not only this agent's), on the slider's grid, which reaches it
    assert off.value > top and off.value == off.max and "wb-no-rule" in off._dom_classes
    assert by_agent["slowpoke"].value == 3100.0 and "wb-no-rule" not in by_agent["slowpoke"]._dom_classes
    assert tu.current_threshold() == {noisy: None, "slowpoke": 3100.0}
    assert tu.point == tu.sweep.at({noisy: None, "slowpoke": 3100.0}) and tu.point.escalated_runs == 10
    said = tu.agent_note.value
    assert "No rule for <b>noisy&lt;img src=x" in said and "past every value" in said and "4,860" in said, (
        said
    )
    assert "noisy&lt;img src=x onerror=alert(1)&gt; no rule, slowpoke 3,100" in tu.readout.value
    # (lab56: a right-to-left agent name isolated in the notes and the readout, where it took the figure after it
    # to its other side: "At latency_ms ≥ סוכן_מחיר … no rule")
    from workbench.widgets._tuner_words import _no_rule_note

    assert "No rule for <b><bdi>סוכן_מחיר</bdi></b>: its slider" in _no_rule_note(
        {"סוכן_מחיר": None}, 9.0, ",.1f"
    )
    policy = tu.export_policy(tmp_path / "p.yaml")
    assert [(r.agent, r.threshold) for r in policy.hitl] == [("slowpoke", 3100.0)]
    # moved off that end it is a threshold (escalating the agent's slowest runs), and the note goes
    off.value = 4000.0
    assert tu.current_threshold()[noisy] == 4000.0 and "wb-no-rule" not in off._dom_classes
    assert tu.agent_note.value == "" and tu.point.escalated_runs > 10
    # dragged back (the browser sends its own float sum, not the grid's number): no rule again
    off.value = off.max - off.step * 0.3
    assert tu.current_threshold()[noisy] is None and "No rule for" in tu.agent_note.value


FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"


def test_drift_of_runs_within_milliseconds_says_so() -> None:
    """Runs begun within a second (two pydantic-ai runs, real traces, their agents measured within 764 ms): the
    drift chart's axis read one tick, ".116", and nothing said that no stretch of time was drawn. (ux39 saw it on an
    AutoGen file read as four runs begun within 32 ms: its chat and its three agents' creations, one run since
    real52.)"""
    from workbench.widgets import DriftMonitor

    ws = wb.open()
    ws.ingest(FIXTURES / "pydantic-ai" / "two_runs_ok.otlp.jsonl", progress=False)
    d = DriftMonitor(ws)
    said = d.summary.value
    assert "These runs all began within 764 ms of each other: too short a stretch to show drift" in said, said
    assert "wb.detect(ws)" in said  # (and what it said before, after it)
    x = d.chart.chart.to_dict()["layer"][0]["encoding"]["x"]
    assert x["axis"]["format"] == "%H:%M:%S.%L" and x["title"].endswith("Dec 2026"), x


def test_no_threshold_pays_the_cost_chart_marks_no_review_as_its_minimum() -> None:
    """pydantic-ai's real traces, a system of successful runs only (and one of unknown outcome): every escalation
    is a false one, so the tuner opens on the no-review point at a cost of 0. Its cost chart marked "minimum" on
    the cheapest threshold (1 run sent, cost 1.0) beside that readout, and the readout said "precision 0.0%" of no
    escalation at all."""
    ws = wb.open()
    ws.ingest(FIXTURES / "pydantic-ai" / "two_runs_ok.otlp.jsonl", progress=False)
    tu = ThresholdTuner(ws, signal="latency_ms")
    assert tu.no_rule and tu.point.escalated_runs == 0 and tu.point.cost == 0.0
    spec = tu.cost_chart.chart.to_dict()
    diamond = next(
        la for la in spec["layer"] if isinstance(la["mark"], dict) and la["mark"].get("shape") == "diamond"
    )
    (marked,) = spec["datasets"][diamond["data"]["name"]]
    assert marked["threshold"] == tu.threshold.value and marked["cost"] == 0.0, marked
    assert "precision: no run escalated" in tu.readout.value and "precision 0.0%" not in tu.readout.value


def test_a_run_whose_steps_name_no_agent_says_so_in_its_header() -> None:
    """Its time per agent read "— 21.6 s (8 steps)"; the explorer says "(no agent)" of such a step elsewhere."""
    from workbench.widgets import IncidentExplorer

    ws = wb.open()
    ws.ingest(
        [{"record": "run", "run_id": "r", "outcome": "unknown"}]
        + [
            {"record": "run", "run_id": q, "system": name, "outcome": "unknown"}
            for q, name in (("q", "דסק"), ("p", "shop"))
        ]
        + [
            {
                "run_id": "r",
                "step_id": f"s{i}",
                "kind": "llm",
                "latency_ms": 500.0,
                "started_at": f"2026-03-01T10:00:0{i}Z",
                "ended_at": f"2026-03-01T10:00:0{i}.5Z",
            }
            for i in range(3)
        ]
        # (lab56: a right-to-left name, as a Hebrew or Arabic desk names its agents, isolated from what follows it:
        # "סוכן_מחיר 1.2 s" read "1.2 סוכן_מחיר s", the figure moved to the name's other side, in the header and
        # the step list)
        + [
            {
                "run_id": "r",
                "step_id": "s3",
                "agent": "סוכן_מחיר",
                "kind": "tool",
                "latency_ms": 250.0,
                "started_at": "2026-03-01T10:00:03Z",
                "ended_at": "2026-03-01T10:00:03.25Z",
            }
        ],
        progress=False,
    )
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run("r")
    assert "(no\u00a0agent)\u00a01.5\u00a0s\u00a0(3\u00a0steps)" in ex.header.value, ex.header.value
    assert "<bdi>סוכן_מחיר</bdi>\u00a0250\u00a0ms" in ex.header.value, ex.header.value
    assert any("\u2068סוכן_מחיר\u2069 · tool" in o for o, _ in ex.step.options), ex.step.options
    # (and a right-to-left system name in the run list: "q · דסק · — · unknown" read "q · — · דסק · unknown")
    assert any(o.startswith("q · \u2068דסק\u2069 · ") for o, _ in ex.runs.options), ex.runs.options
