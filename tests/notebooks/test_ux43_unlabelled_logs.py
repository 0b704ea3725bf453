"""The notebooks on real framework traces of no known outcome and three systems (a Google ADK trace and a Langfuse
export of LangGraph and OpenAI Agents runs, the project's fixtures; ux43):

- notebook 03 proposed no policy at all there (``suggest_limits(...).to_policy()`` raised "name one of ..." on a
  store of several systems, and the cell was skipped): each system's limits are written to a file of their own, read
  back through the schema check, and said not to be backtested (a backtest weighs outcomes, and there are none);
- notebook 01's side-by-side table of the answers says how sure each is: the log-only answer's "uncertain" (said
  in its own table above) was not there, its agent beside the label's as if as sure.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from _kernels import NotebookKernels, NotebookRuns
from _notebook_checks import NOTEBOOKS, check_executed

import workbench as wb

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "langfuse"


@pytest.fixture()
def store(real_traces: NotebookRuns, tmp_path: Path) -> Path:
    """A copy of the real traces' store (tests/notebooks/conftest.py), for a test's own run of an edited notebook."""
    db = tmp_path / "real.duckdb"
    db.write_bytes(real_traces.store.read_bytes())
    return db


def _notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(next(p for p in NOTEBOOKS if p.name == name), as_version=4)


def _printed(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
def test_policy_notebook_exports_each_system_s_limits_without_outcomes(real_traces: NotebookRuns) -> None:
    run = real_traces.run("03_export_policy.ipynb")     # (test_ux42_real_traces.py checks it too)
    check_executed(run.nb)
    printed = run.printed
    with wb.open(real_traces.store, read_only=True) as ws:     # (the kernel keeps the run's copy open)
        systems = sorted(ws.runs().system.unique())
        limits = wb.suggest_limits(ws, quantile=0.99)
    for system in systems:
        path = run.folder / f"limits_policy_{system}.yaml"
        policy = wb.Policy.from_yaml(path)        # (validated against the schema as it loads)
        assert policy.name == system and policy == limits.to_policy(system).replace(provenance=policy.provenance)
        assert f"{system}: limits_policy_{system}.yaml, " in printed and "valid against the policy schema" in printed
    assert "Not backtested: a backtest weighs the failures" in printed
    assert not (run.folder / "policy.yaml").exists()     # (no policy from findings: none could be weighed)


@pytest.mark.slow
def test_policy_notebook_exports_the_one_system_set(store: Path, tmp_path: Path, kernels: NotebookKernels) -> None:
    db = store
    nb = _notebook("03_export_policy.ipynb")
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("LIMITS_SYSTEM = None"))
    cell.source = cell.source.replace("LIMITS_SYSTEM = None", "LIMITS_SYSTEM = 'langgraph'", 1)
    check_executed(kernels.execute("03_export_policy.ipynb", nb, db, tmp_path))
    assert sorted(p.name for p in tmp_path.glob("limits_policy_*.yaml")) == ["limits_policy_langgraph.yaml"]


@pytest.mark.slow
def test_investigate_notebook_s_side_by_side_says_how_sure_each_answer_is(real_traces: NotebookRuns) -> None:
    nb = real_traces.run("01_investigate_incident.ipynb").nb     # (test_ux42_real_traces.py checks it too)
    check_executed(nb)
    last = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith("truth = "))
    table = nb.cells[last].outputs[-1]["data"]["text/html"]
    assert "<th>how sure</th>" in table, table
    row = table.split("log-only BlameModel</th>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]   # agent, step, how sure, needs
    assert cells[3] == "labelled history", cells
    assert cells[2].startswith("0.") or cells[2].startswith("1.0"), cells
    # what the answer said of itself above is said here too
    answer = next(o["data"]["text/html"] for c in nb.cells[:last + 1] for o in c.get("outputs", [])
                  if "what it means" in o.get("data", {}).get("text/html", ""))
    uncertain = answer.split("<th>uncertain</th>")[1].split("</td>")[0].endswith("True")
    assert ("(uncertain: not to act on alone)" in cells[2]) == uncertain, (cells, uncertain)


@pytest.mark.slow
def test_policy_notebook_says_when_it_proposes_no_rule(tmp_path: Path, kernels: NotebookKernels) -> None:
    """Two real desks (smolagents, pydantic-ai: 18 runs reported successful, one a silent failure): the findings
    justify no rule, and notebook 03 printed a policy of nulls as its proposal, then backtested and exported it,
    nothing saying it sets no rule (SRE walk, ux43)."""
    fixtures = FIXTURES.parent
    db = tmp_path / "desks.duckdb"
    with wb.open(db) as ws:
        ws.ingest([str(p) for d in ("smolagents-order-desk", "pydantic-ai-quote-desk")
                   for p in sorted((fixtures / d).glob("*.jsonl"))], progress=False)
    nb = _notebook("03_export_policy.ipynb")
    last = next(i for i, c in enumerate(nb.cells) if "wb.policy_from_findings(" in c.source)
    nb.cells = nb.cells[:last + 1]     # (up to the proposal: the rest runs on the demo in test_notebooks)
    check_executed(kernels.execute("03_export_policy.ipynb", nb, db, tmp_path))
    printed = _printed(nb)
    assert "No rule proposed: on these 13 runs (1 failed) no limit or HITL threshold stops a failure" in printed, \
        printed[:2000]
    assert wb.Policy.from_yaml(printed.split("\n\n", 1)[1]).rules() == []     # (the YAML printed after it)
