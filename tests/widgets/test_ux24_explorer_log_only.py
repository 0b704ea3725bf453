"""The IncidentExplorer on real-shaped traces with no replay (what the JupyterLab extension opens as
``IncidentExplorer(ws)``): a failed run gets the shipped log-only verdict, labelled as such (it showed no culprit
at all); a run of one agent says there was no choice between agents and gives the step's share (it read
"agent share 100%", a sure verdict about nothing); a labelled culprit's step is where the step panel opens, before
a step a detector flagged elsewhere (it opened on t000, the labels said t001)."""

from __future__ import annotations

import workbench as wb
from workbench.attribution import BlameModel
from workbench.widgets import IncidentExplorer

XSS = "<img src=x onerror=alert(1)>"


def _runs(agents: list[str], outcome: str = "failure", n: int = 2) -> wb.Workspace:
    records: list[dict] = []
    for r in range(n):
        run = f"r{r}"
        records.append(
            {"record": "run", "run_id": run, "system": "chat", "outcome": outcome, "task": "sum 2+2"}
        )
        for i, agent in enumerate(agents):
            records.append(
                {
                    "run_id": run,
                    "step_id": f"t{i:03d}",
                    "agent": agent,
                    "kind": "agent",
                    "input": "what is 2+2?",
                    "output": f"I think it is {3 + i} {XSS}",
                }
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_one_agent_is_no_choice_and_the_step_share_carries() -> None:
    ws = _runs(["assistant" + XSS] * 4)
    p = BlameModel.pretrained().predict(ws)
    assert p["only_agent"].all(), p
    assert p["step_confidence"].between(0, 1).all() and (p["step_confidence"] < 1).all(), p
    # with one agent the verdict's doubt is the step's, not the (trivial) agent's
    # (or the run is unlike the model's training runs: then uncertain whatever the step's share)
    assert (p["uncertain"] == (p["step_confidence"] < 0.5) | p["unfamiliar"]).all(), p
    ex = IncidentExplorer(ws)
    text = ex.verdict.value
    assert "the run's only agent (no choice between agents)" in text, text
    assert "agent share" not in text and "step's share" in text, text
    assert "pretrained, log-only: no replay" in text, text
    assert XSS not in text and "assistant&lt;img" in text
    # workbench investigate's table says the same
    wb.attribution.BlameModel.pretrained().store_predictions(ws)
    from workbench._investigate import investigate_table

    culprits = investigate_table(ws, None)["culprit"].tolist()
    assert all("(only agent), step " in c and "(log)" in c for c in culprits), culprits
    ws.close()


def test_several_agents_keep_the_agent_share_and_none_turns_the_log_only_verdict_off() -> None:
    ws = _runs(["planner", "coder", "verifier"])
    p = BlameModel.pretrained().predict(ws)
    assert not p["only_agent"].any(), p
    ex = IncidentExplorer(ws)
    text = ex.verdict.value
    assert "Log-only BlameModel (pretrained, log-only: no replay)" in text and "agent share" in text, text
    # below 50 % the line says so (it read "agent share 48%." with no word of doubt)
    shown = p.set_index("run_id").loc[ex.run_id]
    assert ("uncertain" in text) == bool(shown["uncertain"]), (text, shown)
    # without blame_model the log-only verdict shows (above), and None turns it off (on this store: merged, suite52)
    assert "No replay attribution stored" in ex.verdict.value
    assert "Log-only BlameModel (pretrained, log-only: no replay): <b>" in ex.verdict.value, ex.verdict.value
    assert "Log-only" not in IncidentExplorer(ws, blame_model=None).verdict.value
    ws.close()


def test_a_successful_run_gets_no_default_culprit() -> None:
    ws = _runs(["planner", "coder"], outcome="success")
    assert "Log-only" not in IncidentExplorer(ws).verdict.value
    ws.close()


def test_the_step_panel_opens_on_the_labelled_step_before_a_flag_elsewhere() -> None:
    ws = _runs(["planner", "coder", "verifier"], n=1)
    ws.label("r0", agent="coder", step_id="t001", kind="mistake")
    # a detector's flag on the task's first turn (written as a detector would)
    ws.con.execute(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) VALUES (?, ?, ?, ?, ?, ?)",
        ["r0", "t000", "planner", "repeats", "warning", "said twice"],
    )
    ex = IncidentExplorer(ws, blame_model=None)
    assert ex.step.value == "t001" and ex.step_id == "t001", ex.step.value
    assert "<td>t001</td>" in ex.detail.value
    ws.close()
