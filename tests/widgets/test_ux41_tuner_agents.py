"""Per-agent thresholds (ux41): the tuner says why when every run failed (it said nothing beside three agents with
no rule), and ``keep_shared=True`` keeps the best single threshold for agents whose steps never meet it, in the
sweep, the tuner, the policy and the backtest; the default (no rule for them) stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from _real_desk import FIXTURES
from _real_desk import desk as _desk
from _real_desk import text as _text

import workbench as wb
from workbench.widgets import ThresholdTuner


def test_every_run_failed_the_per_agent_note_says_why() -> None:
    ws = _desk()
    wb.detect(ws)  # the run that said it succeeded is a silent failure: every run failed
    tu = ThresholdTuner(ws, signal="latency_ms")
    tu.per_agent.value = True
    assert set(tu.current_threshold().values()) == {None}
    note = _text(tu.agent_note.value)
    assert "No rule for researcher, triage, writer" in note
    assert (
        "Every run here failed: no escalation can be counted as false, so the agents' thresholds are the set "
        "catching the most failures in time within the 10% review budget (max review), and no threshold keeps "
        "within it: the fewest runs any sends to a human is 50.0% (1 of 2), so no agent has a rule. Raise max "
        "review to at least 50% for thresholds per agent."
    ) in note, note
    assert "too few to tell" not in note  # (no agent has a threshold to tell apart)
    # a budget the runs allow: triage gets the rule, the note says what the set is and that the runs are few
    tu.budget.value = 0.5
    t = tu.current_threshold()
    assert t["triage"] is not None and t["researcher"] is None and t["writer"] is None
    note = _text(tu.agent_note.value)
    assert "the set catching the most failures in time within the 50% review budget (max review)." in note, (
        note
    )
    assert "Only 2 failed runs carry latency_ms in time: too few to tell" in note, note
    assert tu.charts.children and tu.load_chart in tu.charts.children  # review load drawn, no cost chart


def test_one_failed_run_alone_says_why() -> None:
    ws = wb.open()
    ws.ingest(str(FIXTURES / "openinference_tool_crash.otlp.jsonl"), progress=False)
    tu = ThresholdTuner(ws, signal="latency_ms")
    tu.per_agent.value = True
    note = _text(tu.agent_note.value)
    assert "the fewest runs any sends to a human is 100.0% (1 of 1), so no agent has a rule" in note, note
    assert "no successful run" in _text(tu.readout.value)


def test_keep_shared_both_ways_in_sweep_policy_and_backtest() -> None:
    ws = _desk()
    learned = ws.runs()["run_id"].tolist()
    # a later failed run where the researcher, never slow before, is slow: only a kept shared rule escalates it
    ws.ingest(
        [
            {
                "record": "run",
                "run_id": "later",
                "system": "desk",
                "outcome": "failure",
                "started_at": "2026-03-02T10:00:00Z",
            },
            {
                "run_id": "later",
                "step_id": "s0",
                "agent": "researcher",
                "kind": "llm",
                "latency_ms": 900.0,
                "started_at": "2026-03-02T10:00:00Z",
                "ended_at": "2026-03-02T10:00:00.900Z",
            },
        ],
        progress=False,
    )
    default = wb.sweep_thresholds(ws, signal="latency_ms", per_agent=True, runs=learned)
    kept = wb.sweep_thresholds(ws, signal="latency_ms", per_agent=True, runs=learned, keep_shared=True)
    d, k = default.best_per_agent.threshold, kept.best_per_agent.threshold
    assert d["researcher"] is None and d["writer"] is None and d["triage"] is not None
    assert k["researcher"] == k["writer"] == k["triage"] == kept.best.threshold
    assert kept.best_per_agent.cost == default.best_per_agent.cost == default.best.cost
    p_default, p_kept = default.to_policy(), kept.to_policy()
    assert [r.agent for r in p_default.hitl] == ["triage"]
    assert sorted(r.agent for r in p_kept.hitl) == ["researcher", "triage", "writer"]
    assert len({r.threshold for r in p_kept.hitl}) == 1  # one shared number, not one rounding per agent
    assert p_kept.provenance.sweep["keep_shared"] is True and "keep_shared" not in p_default.provenance.sweep
    assert any("'researcher', 'writer' met by none of their steps" in n for n in p_kept.provenance.notes)
    back = wb.Policy.from_yaml(p_kept.to_yaml())
    assert back.hitl == p_kept.hitl
    kept_run = wb.backtest(back, ws, runs=["later"]).runs.set_index("run_id").loc["later"]
    assert kept_run["decision"] == "escalated" and kept_run["escalate_rule"].endswith("@researcher")
    assert kept_run["prevented"]
    default_run = wb.backtest(p_default, ws, runs=["later"]).runs.set_index("run_id").loc["later"]
    assert default_run["decision"] == "allowed" and not default_run["prevented"]


def test_keep_shared_refuses_a_string() -> None:
    with pytest.raises(TypeError, match="keep_shared must be True or False"):
        wb.sweep_thresholds(_desk(), signal="latency_ms", per_agent=True, keep_shared="false")


def test_tuner_keeps_the_shared_threshold_when_asked() -> None:
    tu = ThresholdTuner(_desk(), signal="latency_ms")
    assert tu.keep_shared.layout.display == "none"  # a per-agent option: shown with the agents' sliders
    tu.per_agent.value = True
    assert tu.keep_shared.layout.display is None
    assert tu.current_threshold()["researcher"] is None
    tu.keep_shared.value = True
    t = tu.current_threshold()
    assert t["researcher"] == t["writer"] == t["triage"] is not None
    assert "share one threshold" in _text(tu.agent_note.value)
    policy = tu.export_policy(str(Path(__import__("tempfile").mkdtemp()) / "p.yaml"))
    assert sorted(r.agent for r in policy.hitl) == ["researcher", "triage", "writer"]
    tu.keep_shared.value = False
    assert tu.current_threshold()["researcher"] is None


def test_one_threshold_to_weigh_draws_no_trade_off_curve_and_says_why() -> None:
    ws = wb.open()
    ws.ingest(str(FIXTURES / "openinference_tool_crash.otlp.jsonl"), progress=False)
    tu = ThresholdTuner(ws, signal="latency_ms")
    kids = tu.charts.children
    # the review load (every run failed) and the histogram still drawn: they show the threshold and its rule
    assert tu.sweep_chart not in kids and tu.load_chart in kids and tu.hist_chart in kids
    thin = _text(next(k.value for k in kids if "wb-tuner-thin" in k._dom_classes))
    assert (
        "No trade-off curve to draw: the 1 run of known outcome here gives one threshold on latency_ms to weigh"
        in thin
    ), thin
    # two runs of different values: the curve again
    tu = ThresholdTuner(_desk(), signal="latency_ms")
    assert tu.sweep_chart in tu.charts.children and tu.cost_chart in tu.charts.children


def test_langchain_batched_messages_read_as_messages() -> None:
    # OpenInference's LangGraph spans log a chat model's input as LangChain's batch of one message list, serialised
    # ({"lc": 1, "type": "constructor", ...}): it was shown as that JSON
    from workbench.widgets._messages import readable

    ws = wb.open()
    ws.ingest(str(FIXTURES.parent / "langgraph" / "openinference_two_agents.otlp.jsonl"), progress=False)
    raw = ws.sql(
        'SELECT input FROM steps WHERE input LIKE \'{"messages": [[{"lc"%\' ORDER BY seq LIMIT 1'
    ).fetchall()[0][0]
    text = readable(raw)
    assert "You are the researcher. Look up the price." in text and '"lc"' not in text, text[:400]
    assert "Quote me a widget." in text


def test_many_findings_alike_are_one_row() -> None:
    # a real LangGraph run: 21 cascade infos "built on <step> (researcher)", one row each (~1,500 px), now one row
    from workbench.widgets import IncidentExplorer

    ws = wb.open()
    ws.ingest(str(FIXTURES.parent / "langgraph" / "openinference_two_agents.otlp.jsonl"), progress=False)
    wb.detect(ws)
    infos = ws.sql(
        "SELECT count(*) FROM findings WHERE detector = 'cascade' AND severity = 'info'"
    ).fetchall()[0][0]
    assert infos >= 3
    html = IncidentExplorer(ws, blame_model=None).findings.value
    assert html.count("<tr class='wb-finding'>") == 3, html  # silent_failure, the cascade's root, its infos
    assert f"<td class='wb-word'>{infos} steps</td>" in html and f"the {infos} steps" in html
    # worst first still: the silent failure's row, then the cascade's critical root, then the infos
    assert (
        html.index("silent_failure")
        < html.index("critical</td></tr><tr class='wb-finding-detail'><td colspan='4'>researcher at")
        < html.index(f"{infos} steps")
    )
