"""Notebook 01 walked by an SRE new to the project on real framework traces of no failed run (Google ADK and a
Langfuse export, the project's fixtures; ux42): the explorer lists their runs (it opened filtered to failed runs,
an empty list over an empty timeline), and the log-only answer says what each of its figures means (a bare Series
read "uncertain True" beside "agent_confidence 1.0"); notebook 02 on the same traces, none of known outcome, says
there is no threshold to tune and goes on to the limits (``carried[0]`` raised IndexError, then every cell a
NameError), and so does notebook 03 (its policy is proposed from outcomes). On the demo, notebook 02's cost curve
marks the threshold it chose."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from _kernels import NotebookKernels
from _notebook_checks import NOTEBOOKS, check_executed

import workbench as wb

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "langfuse"
TRACES = [str(FIXTURES / "google-adk-fixture.trace.json"), str(FIXTURES / "traces.jsonl")]


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "real.duckdb"
    with wb.open(db) as ws:
        ws.ingest(TRACES, progress=False)
    return db


def _run(name: str, db: Path, tmp_path: Path, kernels: NotebookKernels) -> tuple[list, str]:
    """``name`` run on the store ``db``: its outputs (checked: every cell ran, no error) and what it printed."""
    nb = kernels.execute(name, nbformat.read(next(p for p in NOTEBOOKS if p.name == name), as_version=4), db, tmp_path)
    check_executed(nb)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    return outputs, "".join(o.get("text", "") for o in outputs)


@pytest.mark.slow
def test_investigate_notebook_on_real_traces_of_no_failed_run(tmp_path: Path, kernels: NotebookKernels) -> None:
    db = _store(tmp_path)
    with wb.open(db) as ws:
        columns = [c for c in wb.BlameModel.pretrained().predict(ws).columns if c != "run_id"]
    outputs, printed = _run("01_investigate_incident.ipynb", db, tmp_path, kernels)
    assert "no failed run in this store: the explorer lists every run" in printed, printed[-2000:]
    # the log-only answer: one row per figure, each beside what it means
    answer = next(o["data"]["text/html"] for o in outputs if "what it means" in o.get("data", {}).get("text/html", ""))
    rows = {tr.split("</th>")[0].rsplit(">", 1)[-1] for tr in answer.split("<tr>")[2:]}
    assert rows == set(columns), (rows, columns)
    assert "a calibrated probability" in answer and "further out than all of them" in answer


@pytest.mark.slow
def test_tuning_notebook_on_real_traces_of_no_known_outcome(tmp_path: Path, kernels: NotebookKernels) -> None:
    _, printed = _run("02_tune_hitl_thresholds.ipynb", _store(tmp_path), tmp_path, kernels)
    assert "No HITL threshold to tune here: no step of a run of known outcome carries a signal" in printed, printed
    assert "every limit from the peaks of all runs (no outcome labels)" in printed, printed
    assert "no run here has a known outcome, so what they would catch or cost cannot be counted" in printed
    assert "0 of 0" not in printed


@pytest.mark.slow
def test_policy_notebook_on_real_traces_of_no_known_outcome(tmp_path: Path, kernels: NotebookKernels) -> None:
    # (policy_from_findings raised "no run with a known outcome", then every later cell a NameError)
    _, printed = _run("03_export_policy.ipynb", _store(tmp_path), tmp_path, kernels)
    assert printed.startswith("No run has a known outcome: no rule can be weighed"), printed
    assert "Only 0 runs" not in printed


def test_the_tuning_notebook_s_cost_curve_marks_the_threshold_chosen() -> None:
    # (the "minimum" mark sat at the curve's lowest point, every run reviewed, far past the budget, beside an
    # unlabelled line at the threshold chosen: the tuner's own cost chart marks "best within budget")
    nb = nbformat.read(next(p for p in NOTEBOOKS if p.name == "02_tune_hitl_thresholds.ipynb"), as_version=4)
    calls = [n for c in nb.cells if c.cell_type == "code" for n in ast.walk(ast.parse(c.source))
             if isinstance(n, ast.Call) and ast.unparse(n.func) == "plots.cost_curve"]
    assert calls and all("best" in {k.arg for k in call.keywords} for call in calls), [ast.unparse(c) for c in calls]
