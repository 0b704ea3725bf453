"""One threshold per agent on real traces (ux40): the search gave every agent the best single threshold, also the
agents whose steps never reach it (a rule no step met, which a policy would still enforce on their later steps);
the tuner now leaves those with no rule and says why the thresholds it opened on coincide or are missing."""

from __future__ import annotations

from _real_desk import desk as _desk
from _real_desk import text as _text

import workbench as wb
from workbench.widgets import ThresholdTuner


def test_no_agent_keeps_a_rule_none_of_its_steps_meets() -> None:
    ws = _desk()
    sw = wb.sweep_thresholds(ws, signal="latency_ms", per_agent=True)
    chosen = sw.best_per_agent.threshold
    steps = ws.sql(
        "SELECT agent, max(latency_ms) AS top FROM steps WHERE agent IS NOT NULL GROUP BY agent"
    ).df()
    top = dict(zip(steps["agent"], steps["top"], strict=True))
    assert set(chosen) == {"researcher", "triage", "writer"}
    # every rule kept is met by a step of its agent; the failed run's slow triage step is what catches it
    assert all(t is None or top[a] >= t for a, t in chosen.items()), (chosen, top)
    assert chosen["triage"] is not None and chosen["researcher"] is None and chosen["writer"] is None
    assert sw.best_per_agent.failures_caught == 1 and sw.best_per_agent.cost == sw.best.cost
    runs = sw.agent_runs()
    assert runs.attrs["failed_runs"] == 1 and runs["failed_runs"].tolist() == [1, 1, 1]
    # and the policy exported from it has the one rule
    policy = sw.to_policy()
    assert [(r.agent, r.signal) for r in policy.hitl] == [("triage", "latency_ms")]
    assert policy.provenance.notes[0].startswith("no latency_ms rule for agents 'researcher', 'writer'")


def test_tuner_says_why_agents_have_no_rule_on_one_failed_run() -> None:
    tu = ThresholdTuner(_desk(), signal="latency_ms")
    tu.per_agent.value = True
    t = tu.current_threshold()
    assert t["researcher"] is None and t["writer"] is None and t["triage"] is not None
    note = _text(tu.agent_note.value)
    assert "No rule for researcher, writer" in note
    assert (
        "Only 1 failed run of the 2 carries latency_ms in time: too few to tell which agent's threshold"
        in note
    )
    # moved off what the search chose, the note on why it chose so goes
    tu.agent_sliders.children[0].value = tu.agent_sliders.children[0].min
    assert "too few" not in _text(tu.agent_note.value)


def _records(a: float, b: float, outcome: str, run: str) -> list[dict]:
    return [
        {
            "record": "run",
            "run_id": run,
            "system": "desk",
            "outcome": outcome,
            "started_at": "2026-03-01T10:00:00Z",
        },
        {
            "run_id": run,
            "step_id": "s0",
            "agent": "alpha",
            "kind": "llm",
            "latency_ms": a,
            "started_at": "2026-03-01T10:00:00Z",
            "ended_at": "2026-03-01T10:00:01Z",
        },
        {
            "run_id": run,
            "step_id": "s1",
            "agent": "beta",
            "kind": "llm",
            "latency_ms": b,
            "started_at": "2026-03-01T10:00:01Z",
            "ended_at": "2026-03-01T10:00:02Z",
        },
    ]


def test_tuner_says_why_agents_share_one_threshold() -> None:
    # both agents slow in the one failed run: each alone catches it, at the same cost, and both keep the best
    # single threshold, a rule each of them meets
    ws = wb.open()
    ws.ingest(
        _records(500.0, 500.0, "failure", "f")
        + _records(100.0, 120.0, "success", "s1")
        + _records(110.0, 90.0, "success", "s2"),
        progress=False,
    )
    tu = ThresholdTuner(ws, signal="latency_ms")
    tu.per_agent.value = True
    t = tu.current_threshold()
    assert t["alpha"] == t["beta"] is not None
    note = _text(tu.agent_note.value)
    assert f"alpha, beta share one threshold, {t['alpha']:.1f}: the best single threshold" in note, note
    assert "Only 1 failed run of the 3 carries latency_ms in time" in note


def _one_value(runs: int, value: float, signal: str) -> wb.Workspace:
    recs: list[dict] = []
    for r in range(runs):
        recs += [
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "s",
                "outcome": "failure" if r % 2 else "success",
                "started_at": f"2026-03-01T10:0{r}:00Z",
            },
            {
                "run_id": f"r{r}",
                "step_id": "a",
                "agent": "x",
                "kind": "llm",
                signal: value,
                "started_at": f"2026-03-01T10:0{r}:00Z",
                "ended_at": f"2026-03-01T10:0{r}:01Z",
            },
        ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def test_a_slider_over_one_value_shows_and_uses_it() -> None:
    # every entropy 0.7 (attack39): the slider ran 0 to 1 in steps of 1 and opened at "entropy ≥ 0"
    tu = ThresholdTuner(_one_value(4, 0.7, "entropy"), signal="entropy")
    s = tu.threshold
    assert s.min < 0.7 < s.max and s.value == 0.7 and format(s.value, s.readout_format) == "0.7000"
    assert "At entropy ≥ 0.7000: escalation rate 100.0% of runs (4 of 4" in _text(tu.readout.value)
    # one run's confidence 0.3679, no failed run: the no-review point just below it, on the grid, said as such
    tu = ThresholdTuner(_one_value(1, 0.3679, "confidence"), signal="confidence")
    s = tu.threshold
    # (at the track's end since ux42: a "no rule" handle sits where its note says, past every value)
    assert s.min == s.value < 0.3679 < s.max and 0.3679 - s.value <= s.step + 1e-12
    assert "At confidence ≤ 0.3678: escalation rate 0.0% of runs" in _text(tu.readout.value)
    s.value = 0.3679
    assert "escalation rate 100.0% of runs (1 of 1" in _text(tu.readout.value)


def test_the_sweep_chart_opens_on_the_point_the_readout_gives() -> None:
    # per agent, the readout's point (no agent with a rule sends a run: 0 %) and not the one slider's threshold
    # (50 % of runs): the chart's params set before the page draws it are overwritten there by its spec's. (The
    # detectors take the run that said it succeeded as failed, a made-up figure: every run failed, none priced.)
    ws = _desk()
    wb.detect(ws)
    tu = ThresholdTuner(ws, signal="latency_ms")
    tu.per_agent.value = True
    assert set(tu.current_threshold().values()) == {None} and tu.point.escalated_runs == 0
    spec = tu.sweep_chart.chart.to_dict()
    params = {p["name"]: p.get("value") for part in (spec, *spec["layer"]) for p in part.get("params", [])}
    assert (params["cur_x"], params["cur_y"]) == (tu.point.escalation_rate, tu.point.recall)
