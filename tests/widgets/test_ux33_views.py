"""What ux33 saw using the views as a new SRE, checked without a browser.

- The explorer, moving from a run with a stored replay attribution to another, kept the first run's blame chart
  under the new run's header while it scored the new run ("scoring…"): seen in Lab as "pricer 100 %" beside a run
  whose replay and label both name the retriever.
- A silent failure found on a scope span (ADK's agent_run, DSPy's ChatAdapter call, Semantic Kernel's
  invoke_agent) showed nowhere on the run's timeline nor in its step list, which hold moves only: no red outline,
  and the explorer opened on another step than the one the finding names; the log-only verdict naming DSPy's
  ChatAdapter call said it was "after the moves shown" in a run shown whole.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import workbench as wb
from workbench import plots
from workbench.widgets import DriftMonitor, IncidentExplorer, ThresholdTuner


def _store() -> tuple[wb.Workspace, list[str]]:
    system = wb.sim.procurement(seed=11, fault_rate=0.6)
    ws = wb.open()
    ws.ingest(system.generate(12), progress=False)
    failed = sorted(ws.runs(outcome="failure").run_id)
    for run in failed:
        wb.attribute(ws, run, system.replay, decisive=False)
    return ws, failed


def test_explorer_never_shows_the_run_before_s_blame_chart_while_it_scores() -> None:
    ws, (first, second) = _store()
    culprits = {r: plots.stored_attribution(ws, r)[1]["culprit"] for r in (first, second)}
    assert culprits[first] != culprits[second], culprits  # two runs whose charts differ
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(first)
    assert len(ex.blame_box.children) == 1
    shown_first = ex.blame_box.children[0].chart.to_dict()
    seen: list[list[dict]] = []

    def on_verdict(change: dict) -> None:
        if "scoring" in change["new"]:  # the new run's header and timeline are up, its attribution not yet
            seen.append([c.chart.to_dict() for c in ex.blame_box.children])

    ex.verdict.observe(on_verdict, names="value")
    ex.show_run(second)
    assert seen, "the explorer said nothing while it scored the run"
    assert all(chart != shown_first for chart in seen[0]), (
        "the first run's blame chart stood beside the second run"
    )
    assert len(ex.blame_box.children) == 1 and ex.blame_box.children[0].chart.to_dict() != shown_first


FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"


def test_a_finding_on_a_scope_span_is_drawn_on_the_move_that_gave_its_output() -> None:
    """ADK's ``agent_run [writer]``, DSPy's ``ChatAdapter.__call__``, Semantic Kernel's ``invoke_agent``: the silent
    failure names the scope span, the timeline draws the moves under it only; the run showed no red outline and
    the explorer opened on another step."""
    ws = wb.open()
    for name in (
        "adk/openinference_transfer_fault.otlp.jsonl",
        "dspy/two_react_fault.otlp.jsonl",
        "semantic-kernel/sequential_fault.otlp.jsonl",
    ):
        ws.ingest(str(FIXTURES / name), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws)
    on_scopes = ws.sql(
        "SELECT f.run_id, f.step_id, f.detector FROM findings f WHERE f.severity <> 'info' AND EXISTS "
        "(SELECT 1 FROM steps c WHERE c.run_id = f.run_id AND c.parent_id = f.step_id)"
    ).fetchall()
    assert len({run for run, *_ in on_scopes}) == 3, on_scopes
    ex = IncidentExplorer(ws, blame_model=None)
    for run, scope, detector in on_scopes:
        moves = plots.timeline_data(ws, run)
        flagged = moves[moves.flagged]
        assert len(flagged) == 1 and detector in flagged.detectors.iat[0], (run, scope, moves)
        steps = ws.steps(run).set_index("step_id")
        move = flagged.step_id.iat[0]
        # the last move under the scope span: inside it, and no move under it comes later
        under = [s for s in moves.step_id if scope in _ancestors(steps, s)]
        assert under and under[-1] == move, (run, scope, move, under)
        ex.show_run(run)
        assert ex.step.value == move, (run, ex.step.value, move)
        # a verdict naming the scope span says where it is: around that move, not "after the moves shown"
        assert ex._where_not_shown(scope) == f", the span around move {flagged.seq.iat[0]}", run
    dspy = next(run for run, scope, _ in on_scopes if scope == "ec9bc74e74e4ff35")
    said = IncidentExplorer(ws, filters={"system": "quote-dspy"})  # the shipped log-only model
    said.show_run(dspy)
    assert "after the moves shown" not in said.verdict.value, said.verdict.value


def _ancestors(steps, step_id: str) -> list[str]:  # noqa: ANN001
    out, up = [], steps.parent_id.get(step_id)
    while isinstance(up, str):
        out.append(up)
        up = steps.parent_id.get(up)
    return out


def test_drift_monitor_draws_one_system_s_agents_not_one_name_across_systems() -> None:
    """A store of several systems (the real-fixtures store: 28): agents of one name in different systems ("writer",
    "researcher") were averaged into one line. The monitor opens on the system most runs belong to, and a system
    picker draws another's."""
    records = []
    for system, runs, ms in (("quotes", 4, 100), ("reports", 3, 5000)):
        for r in range(runs):
            run = f"{system}-{r}"
            records.append(
                {
                    "record": "run",
                    "run_id": run,
                    "system": system,
                    "outcome": "success",
                    "started_at": f"2026-03-0{r + 1}T10:00:00Z",
                }
            )
            records.append(
                {
                    "run_id": run,
                    "step_id": "s0",
                    "agent": "writer",
                    "kind": "llm",
                    "latency_ms": ms,
                    "started_at": f"2026-03-0{r + 1}T10:00:00Z",
                }
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    view = DriftMonitor(ws, metric="latency_ms")
    assert set(view.series.latency_ms) == {100}, (
        view.series
    )  # the quotes' writer alone, not 100 and 5000 mixed
    assert view.system.value == "quotes" and [v for _, v in view.system.options] == ["quotes", "reports"]
    view.system.value = "reports"
    assert set(view.series.latency_ms) == {5000}, view.series
    drawn = [
        row["latency_ms"]
        for rows in view.chart.chart.to_dict()["datasets"].values()
        for row in rows
        if row.get("latency_ms") is not None
    ]
    assert drawn and set(drawn) == {5000}, drawn  # the chart follows the picker
    assert set(DriftMonitor(ws, metric="latency_ms", system="reports").series.latency_ms) == {5000}


def test_threshold_tuner_prices_one_system_s_runs() -> None:
    """The tuner on a store of several systems priced one threshold over every system's runs, and "one threshold
    per agent" listed the agents of all of them side by side (the real-fixtures store: 19 sliders from 17
    systems). It opens on one system now (a failed and a successful run to price, the most runs of known outcome),
    with a picker for the others; the histogram and the exported policy are that system's."""
    records = []
    for system, agent, runs, ms in (("quotes", "pricer", 6, 100), ("reports", "writer", 4, 5000)):
        for r in range(runs):
            run = f"{system}-{r}"
            records.append(
                {
                    "record": "run",
                    "run_id": run,
                    "system": system,
                    "outcome": "failure" if r % 2 else "success",
                }
            )
            records.append(
                {
                    "run_id": run,
                    "step_id": "s0",
                    "agent": agent,
                    "kind": "llm",
                    "latency_ms": ms * (3 if r % 2 else 1),
                }
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    tuner = ThresholdTuner(ws, signal="latency_ms")
    assert tuner.sweep.n_runs == 6 and tuner.sweep.n_failures == 3, tuner.sweep  # the quotes' runs alone
    assert tuner.system.value == "quotes" and [v for _, v in tuner.system.options] == ["quotes", "reports"]
    tuner.per_agent.value = True
    assert [s.description for s in tuner.agent_sliders.children] == ["pricer"]
    tuner.system.value = "reports"
    assert tuner.sweep.n_runs == 4 and [s.description for s in tuner.agent_sliders.children] == ["writer"]
    hist = plots.histogram_data(ws, "latency_ms", system="reports")
    assert hist.n.sum() == 4 and hist.bin_start.min() == 5000, hist
    assert tuner.export_policy(Path(tempfile.mkdtemp()) / "p.yaml").name == "reports"
