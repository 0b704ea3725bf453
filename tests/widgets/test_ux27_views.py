"""ux27: what ux26's walk left in the views.

- A failed run with no ``replay=`` showed a disabled "Compute attribution": a control that could never do
  anything in that explorer. It is hidden; the panel says in words to pass ``replay=``.
- FindingsOverview's detector box was blank on opening and after ``detector.value = None`` from code (a value of
  None selects no option, not the "(pick one)" option whose value is None).
"""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.widgets import FindingsOverview, IncidentExplorer


def _store() -> wb.Workspace:
    """Two agents (a planner hands off to a coder), a run per outcome; the failed one's tool call errs twice alike."""
    records: list[dict] = []
    for run, outcome in (("bad", "failure"), ("ok", "success"), ("quiet", "unknown")):
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome})
        moves = [
            ("planner", "llm", "plan"),
            ("planner", "handoff", "to coder"),
            ("coder", "tool", "run_tests"),
            ("coder", "tool", "run_tests"),
            ("coder", "llm", "answer"),
        ]
        records += [
            {
                "run_id": run,
                "step_id": f"{run}-{i}",
                "agent": agent,
                "kind": kind,
                "name": name,
                "tool": name if kind == "tool" else None,
                "input": "pytest -x" if kind == "tool" else None,
                "output": f"{run} {i}",
                "error": "tool failed" if run == "bad" and i in (2, 3) else None,
            }
            for i, (agent, kind, name) in enumerate(moves)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_no_do_nothing_compute_button_without_replay() -> None:
    ws = _store()
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run("bad")
    assert (
        "No replay attribution stored" in ex.verdict.value and "pass <code>replay=</code>" in ex.verdict.value
    )
    assert ex.compute.layout.display == "none", "a disabled button that nothing here can enable"
    with_replay = IncidentExplorer(ws, replay=lambda run_id, intervention: None, blame_model=None)
    with_replay.show_run("bad")
    assert with_replay.compute.layout.display != "none" and not with_replay.compute.disabled
    with_replay.show_run("ok")  # nothing to attribute: no button either
    assert with_replay.compute.layout.display == "none"
    ws.close()


def test_findings_detector_box_never_blank() -> None:
    ws = _store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.detect(ws)
    fo = FindingsOverview(ws)
    detectors = [v for _, v in fo.detector.options if v is not None]
    assert detectors, fo.detector.options
    assert fo.detector.label == "(pick one)" and fo.detector.value is None  # opens on it
    fo.detector.value = detectors[0]
    assert f"<b>{detectors[0]}</b>" in fo.runs.value
    fo.detector.value = None  # back, from code
    assert fo.detector.label == "(pick one)" and fo.detector.index == 0 and fo.runs.value == ""
    ws.close()


class _OwnModel:
    """A user's own blame model (scikit-learn style): predict(ws, run_ids) gives run_id, agent, step_id and,
    when ``confidence`` is set, agent_confidence; never BlameModel's ``uncertain`` column."""

    def __init__(
        self,
        confidence: float | None = None,
        columns: tuple[str, ...] = ("run_id", "agent", "step_id"),
        uncertain_below: float | None = None,
    ) -> None:
        self.confidence, self.columns = confidence, columns
        if uncertain_below is not None:
            self.uncertain_below = uncertain_below

    def predict(self, ws, run_ids):  # noqa: ANN001, ANN201
        import pandas as pd

        table = pd.DataFrame({"run_id": run_ids, "agent": "coder", "step_id": [f"{r}-2" for r in run_ids]})
        if self.confidence is not None:
            table["agent_confidence"] = self.confidence
        return table[[c for c in table.columns if c in self.columns or c == "agent_confidence"]]


def test_own_blame_model_without_uncertain_column() -> None:
    ws = _store()
    text = IncidentExplorer(ws, blame_model=_OwnModel(0.4)).verdict.value
    # its probabilities say how sure it is: under BlameModel's 0.5 it is uncertain
    assert (
        "cannot score" not in text
        and "<b>coder</b> at step <b>bad-2</b> (agent share 40%, uncertain)" in text
    ), text
    assert "<b>Uncertain</b>: not sure enough to act on alone" in text, (
        text
    )  # (ux45: said in a line of its own)
    text = IncidentExplorer(ws, blame_model=_OwnModel(0.4, uncertain_below=0.3)).verdict.value
    assert "(agent share 40%)." in text and "Uncertain" not in text, text
    text = IncidentExplorer(ws, blame_model=_OwnModel()).verdict.value  # no confidence given: none printed
    assert "<b>coder</b> at step <b>bad-2</b>." in text and "nan" not in text, text
    # a table without the step names what the model must return
    text = IncidentExplorer(ws, blame_model=_OwnModel(columns=("run_id", "agent"))).verdict.value
    assert (
        "cannot score this run" in text
        and "_OwnModel.predict(ws, run_ids) returned no column &#x27;step_id&#x27;" in text
        and "it must return one row per run with run_id, agent, step_id" in text
    ), text
    ws.close()


class _CountingModel(_OwnModel):
    def __init__(self) -> None:
        super().__init__(0.8)
        self.scored: list[str] = []

    def predict(self, ws, run_ids):  # noqa: ANN001, ANN201
        self.scored += list(run_ids)
        return super().predict(ws, run_ids)


def test_show_run_in_the_constructors_cell_scores_only_that_run() -> None:
    """In a notebook (an event loop runs the cell) ``ex = IncidentExplorer(ws); ex.show_run(x)`` scored the run the
    list opened on too; its attribution now waits for the cell to end, and is dropped when another run is shown."""
    import asyncio

    ws = _store()

    async def cell(then: str | None) -> tuple[IncidentExplorer, _CountingModel]:
        model = _CountingModel()
        ex = IncidentExplorer(ws, blame_model=model)
        first = ex.run_id
        if then is not None:
            ex.show_run(then)
        assert model.scored == ([then] if then else []), model.scored  # nothing scored for the first run yet
        await asyncio.sleep(0)  # the cell is over: the kernel's loop runs what waited
        assert ex.run_id == (then or first)
        return ex, model

    ex, model = asyncio.run(cell("quiet"))
    assert model.scored == ["quiet"] and "quiet-2" in ex.verdict.value, (model.scored, ex.verdict.value)
    ex, model = asyncio.run(cell(None))  # left on the first run: scored once the cell is over
    assert model.scored == [ex.run_id] and f"{ex.run_id}-2" in ex.verdict.value, (
        model.scored,
        ex.verdict.value,
    )
    # a script (no event loop) gets the first run's verdict at once, as before
    model = _CountingModel()
    ex = IncidentExplorer(ws, blame_model=model)
    assert model.scored == [ex.run_id] and f"{ex.run_id}-2" in ex.verdict.value
    ws.close()


def _all_failed(runs: int = 40) -> wb.Workspace:
    """Every run failed (Who&When-like); run r makes r % 10 tool calls, its fault at its last one."""
    records: list[dict] = []
    for r in range(runs):
        run = f"r{r:02d}"
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": "failure"})
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "name": "search",
                "tool": "search",
                "input": f"q{r}-{i}",
                "latency_ms": 100 + 10 * i,
                "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
                "ended_at": f"2026-03-01T10:{r:02d}:{i:02d}.5Z",
            }
            for i in range(1 + r % 10)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_tuner_on_a_store_where_every_run_failed() -> None:
    """With no success there is nothing to trade an escalation against: the tuner opened with no review limit, its
    slider escalating every run (the "cheapest"), beside a cost chart under a "not priced" title. It now opens on
    a review budget of a tenth of the runs, at the threshold catching the most failures within it, with the review
    load per threshold where the cost chart was."""
    from workbench.widgets import ThresholdTuner

    ws = _all_failed()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="tool_calls")
    assert tu.budget.value == 0.1 and "at most 10% of runs" in tu.budget_note.value
    p = tu.point
    assert 0 < p.escalation_rate <= 0.1, p
    # no other threshold within the budget catches more
    ok = tu.sweep.curve[tu.sweep.curve["escalation_rate"] <= 0.1]
    assert p.failures_caught == ok["failures_caught"].max(), (p, ok)
    titles = [str(c.chart.to_dict().get("title")) for c in tu.charts.children]
    assert not any("cost" in t.lower() and "not priced" not in t for t in titles), titles
    assert any("Review load" in t for t in titles), titles
    # the user's own budget is kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        own = ThresholdTuner(ws, signal="tool_calls", budget=0.25)
    assert own.budget.value == 0.25 and 0.1 < own.point.escalation_rate <= 0.25, own.point
    own.budget.value = 0  # no limit asked for, by hand: the fewest reviews catching every failure it can
    assert own.point.failures_caught == own.sweep.curve["failures_caught"].max()
    assert "no successful run" in own.readout.value and "expected cost <b>" not in own.readout.value
    ws.close()
