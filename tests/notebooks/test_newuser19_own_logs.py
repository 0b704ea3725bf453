"""The notebooks run top to bottom on a store of an SRE's own logs, not only on the demo.

`$WORKBENCH_DB` names the store the notebooks open (`wb.demo.open_demo()` fills it with the demo only when
it is empty), so pointing it at a store of one's own traces is how a notebook is "copied onto my logs". Real
traces differ from the demo in what broke the notebooks (newuser19's walk over `_notes/real1*_out`): no
token log-probabilities (no confidence or entropy), several systems in one store, most runs of unknown
outcome, no labelled culprit, no run that reported success and failed. The store here is written by the
test, in the native JSONL format, with those traits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from _kernels import NotebookKernels
from _notebook_checks import NOTEBOOKS, check_executed

import workbench as wb

T0 = 1_767_225_600_000_000_000   # 2026-01-01, in ns
MS = 1_000_000


def _run(system: str, n: int, outcome: str, slow: bool, calls: int) -> list[dict]:
    """One run: a root agent span, an LLM call per agent, ``calls`` tool calls of the worker (the same
    arguments each time past the first when ``calls`` > 2: a run going in circles), no log-probabilities."""
    run_id = f"{system}-{n:03d}"
    start = T0 + n * 60_000 * MS
    recs: list[dict] = [{"record": "run", "run_id": run_id, "system": system, "task": f"quote item {n}",
                         "outcome": outcome}]
    t = start
    steps = [("s0001", "planner", "llm", "chat", None), ("s0002", "worker", "llm", "chat", None)]
    steps += [(f"s{3 + i:04d}", "worker", "tool", "get_price", json.dumps({"sku": "A-1" if i else "B-2"}))
              for i in range(calls)]
    steps += [(f"s{3 + calls:04d}", "planner", "llm", "chat", None)]
    for step_id, agent, kind, name, args in steps:
        latency = (900 if slow else 120) + 17 * n + (300 if kind == "llm" else 0)
        recs.append({"record": "step", "run_id": run_id, "step_id": step_id, "parent_id": "s0000", "agent": agent,
                     "kind": kind, "name": name, "started_at": t, "ended_at": t + latency * MS,
                     "status": "error" if (outcome == "failure" and kind == "tool" and step_id == "s0003") else "ok",
                     "input": args or f"turn of {agent}", "output": f"price {40 + n}" if kind == "tool" else "ok",
                     "tokens_in": 100 + n, "tokens_out": 20 + n})
        t += (latency + 5) * MS
    recs.insert(1, {"record": "step", "run_id": run_id, "step_id": "s0000", "agent": "app", "kind": "agent",
                    "name": "run", "started_at": start, "ended_at": t, "status": "ok"})
    return recs


def write_own_logs(path: Path) -> Path:
    """Two systems, 18 runs: 9 succeeded, 4 failed, 5 of unknown outcome; failed runs are slower and call
    their tool more often."""
    recs: list[dict] = []
    n = 0
    for system, outcomes in (("quotes", "SSSSSFFUUU"), ("triage", "SSSSFFUU")):
        for o in outcomes:
            outcome = {"S": "success", "F": "failure", "U": "unknown"}[o]
            recs += _run(system, n, outcome, slow=o == "F", calls=4 if o == "F" else 1 + n % 2)
            n += 1
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


@pytest.fixture(scope="module")
def own_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("own")
    db = tmp / "own.duckdb"
    ws = wb.open(db)
    report = ws.ingest(write_own_logs(tmp / "traces.jsonl"), progress=False)
    assert report.quarantined == 0 and ws.count("runs") == 18
    ws.close()
    return db


def _execute(name: str, db: Path, tmp_path: Path, kernels: NotebookKernels,
             edit: Callable[[nbformat.NotebookNode], None] | None = None) -> str:
    """Run notebook ``name`` on the store ``db`` ($WORKBENCH_DB) in ``tmp_path``, ``edit`` applied to it first;
    no cell may fail (the errors named), every cell checked as executed; the text the cells showed. (Notebook
    03 runs on four stores here: in one kernel, ``kernels``, tests/notebooks/conftest.py.)"""
    path = next(p for p in NOTEBOOKS if p.name == name)
    nb = nbformat.read(path, as_version=4)
    if edit is not None:
        edit(nb)
    kernels.execute(name, nb, db, tmp_path)
    errors = [(n, o.ename, o.evalue[:300]) for n, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name} on an SRE's own logs: {errors[:3]}"
    check_executed(nb)
    return "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "")
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_runs_on_own_logs(name: str, own_store: Path, tmp_path: Path, kernels: NotebookKernels) -> None:
    db = tmp_path / "own.duckdb"
    db.write_bytes(own_store.read_bytes())   # each notebook its own copy: one writes findings
    _execute(name, db, tmp_path, kernels)


@pytest.mark.slow
def test_policy_notebook_backtests_on_a_held_out_store_of_own_runs(own_store: Path, tmp_path: Path,
                                                                  kernels: NotebookKernels) -> None:
    """Notebook 03 with ``HELD_OUT`` naming a store of later runs: backtested there, and the live-guard
    part, which only the simulator can play, says it has nothing to show instead of failing."""
    db = tmp_path / "own.duckdb"
    db.write_bytes(own_store.read_bytes())
    later = wb.open(tmp_path / "later.duckdb")
    later.ingest(write_own_logs(tmp_path / "later.jsonl"), progress=False)
    later.close()

    def held_out(nb: nbformat.NotebookNode) -> None:
        cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("HELD_OUT = None"))
        cell.source = cell.source.replace("HELD_OUT = None", f"HELD_OUT = {str(tmp_path / 'later.duckdb')!r}", 1)

    shown = _execute("03_export_policy.ipynb", db, tmp_path, kernels, held_out)
    assert "later.duckdb" in shown and "seed 2027" not in shown


def write_recent_labels(path: Path, outcomes: str) -> Path:
    """30 older runs of unknown outcome, then the runs ``outcomes`` spells (S, F): only the recent runs were
    labelled, as when a team starts labelling after an incident. Every known outcome is among the newer 30 %."""
    recs: list[dict] = []
    for n, o in enumerate("U" * 30 + outcomes):
        outcome = {"S": "success", "F": "failure", "U": "unknown"}[o]
        recs += _run("quotes", n, outcome, slow=o == "F", calls=4 if o == "F" else 1 + n % 2)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("outcomes", "says"), [
    ("SSFSSFSSFSSF", "held out (the newer 4 runs)"),            # 12 known: 8 learned from, 4 held out
    ("SFSF", "Only 4 runs have a known outcome (fewer than 10)"),  # too few to hold any out: said, in-sample
])
def test_policy_notebook_on_own_logs_labelled_only_lately(outcomes: str, says: str, tmp_path: Path,
                                                         kernels: NotebookKernels) -> None:
    """Notebook 03 splits the runs with a known outcome, not all runs: learning from the older 70 % of all runs
    left it none to learn from ("no run with a known outcome") when only the recent runs were labelled (left23)."""
    ws = wb.open(tmp_path / "own.duckdb")
    ws.ingest(write_recent_labels(tmp_path / "traces.jsonl", outcomes), progress=False)
    ws.close()
    assert says in _execute("03_export_policy.ipynb", tmp_path / "own.duckdb", tmp_path, kernels)
