"""Notebook 01 walked by an SRE new to the project on real framework traces of no failed run (Google ADK and a
Langfuse export, the project's fixtures; ux42): the explorer lists their runs (it opened filtered to failed runs,
an empty list over an empty timeline), and the log-only answer says what each of its figures means (a bare Series
read "uncertain True" beside "agent_confidence 1.0"); notebook 02 on the same traces, none of known outcome, says
there is no threshold to tune and goes on to the limits (``carried[0]`` raised IndexError, then every cell a
NameError), and so does notebook 03 (its policy is proposed from outcomes). On the demo, notebook 02's cost curve
marks the threshold it chose."""

from __future__ import annotations

import ast

import nbformat
import pytest
from _kernels import NotebookRuns
from _notebook_checks import NOTEBOOKS, check_executed

import workbench as wb


@pytest.mark.slow
def test_investigate_notebook_on_real_traces_of_no_failed_run(real_traces: NotebookRuns) -> None:
    with wb.open(real_traces.store, read_only=True) as ws:
        columns = [c for c in wb.BlameModel.pretrained().predict(ws).columns if c != "run_id"]
    run = real_traces.run("01_investigate_incident.ipynb")     # (test_ux43_unlabelled_logs.py checks it too)
    check_executed(run.nb)
    outputs, printed = run.outputs, run.printed
    assert "no failed run in this store: the explorer lists every run" in printed, printed[-2000:]
    # the log-only answer: one row per figure, each beside what it means
    answer = next(o["data"]["text/html"] for o in outputs if "what it means" in o.get("data", {}).get("text/html", ""))
    rows = {tr.split("</th>")[0].rsplit(">", 1)[-1] for tr in answer.split("<tr>")[2:]}
    # (and the evidence the answer weighed in, with the model's own pick and why when there is some)
    assert "evidence" in rows and rows - {"model_agent", "model_confidence", "model_uncertain", "why", "disagrees"} == {*columns, "evidence"}, \
        (rows, columns)
    assert "a calibrated probability" in answer and "further out than all of them" in answer


@pytest.mark.slow
def test_tuning_notebook_on_real_traces_of_no_known_outcome(real_traces: NotebookRuns) -> None:
    run = real_traces.run("02_tune_hitl_thresholds.ipynb")
    check_executed(run.nb)
    printed = run.printed
    assert "No HITL threshold to tune here: no step of a run of known outcome carries a signal" in printed, printed
    assert "every limit from the peaks of all runs (no outcome labels)" in printed, printed
    assert "no run here has a known outcome, so what they would catch or cost cannot be counted" in printed
    assert "0 of 0" not in printed


@pytest.mark.slow
def test_policy_notebook_on_real_traces_of_no_known_outcome(real_traces: NotebookRuns) -> None:
    # (policy_from_findings raised "no run with a known outcome", then every later cell a NameError)
    run = real_traces.run("03_export_policy.ipynb")     # (test_ux43_unlabelled_logs.py checks it too)
    check_executed(run.nb)
    printed = run.printed
    assert printed.startswith("No run has a known outcome: no rule can be weighed"), printed
    assert "Only 0 runs" not in printed


def test_the_tuning_notebook_s_cost_curve_marks_the_threshold_chosen() -> None:
    # (the "minimum" mark sat at the curve's lowest point, every run reviewed, far past the budget, beside an
    # unlabelled line at the threshold chosen: the tuner's own cost chart marks "best within budget")
    nb = nbformat.read(next(p for p in NOTEBOOKS if p.name == "02_tune_hitl_thresholds.ipynb"), as_version=4)
    calls = [n for c in nb.cells if c.cell_type == "code" for n in ast.walk(ast.parse(c.source))
             if isinstance(n, ast.Call) and ast.unparse(n.func) == "plots.cost_curve"]
    assert calls and all("best" in {k.arg for k in call.keywords} for call in calls), [ast.unparse(c) for c in calls]
    # (ux47: its x axis titled with the signal, as the tuner's: "threshold" alone said neither of what nor in what unit)
    assert all("signal" in {k.arg for k in call.keywords} for call in calls), [ast.unparse(c) for c in calls]
