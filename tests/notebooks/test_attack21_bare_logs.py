"""The notebooks on a store of bare logs: no times (no latency), no tokens, no log-probabilities, names holding
HTML. The only signals such logs carry are counts per run (tool calls); notebook 02 drew the histogram of its
signal with ``plots.histogram_data``, which reads step columns only: "signal must be one of (...) (got
'tool_calls')". A name's HTML must reach no output as markup."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from _kernels import NotebookKernels
from _notebook_checks import NOTEBOOKS, check_executed

import workbench as wb

EVIL = "<img src=x onerror=alert(1)>"


def _logs(path: Path) -> Path:
    recs = []
    for i, outcome in enumerate(["success", "failure", "success", "failure"]):
        run = f"r{i}"
        recs += [{"record": "run", "run_id": run, "system": EVIL, "outcome": outcome},
                 {"record": "step", "run_id": run, "step_id": "s1", "agent": EVIL, "kind": "llm", "name": "chat",
                  "status": "ok", "output": EVIL}]
        recs += [{"record": "step", "run_id": run, "step_id": f"s{2 + k}", "parent_id": "s1", "agent": EVIL,
                  "kind": "tool", "tool": "get_price", "input": '{"sku": "A-1"}',
                  "status": "error" if outcome == "failure" and k == 0 else "ok"}
                 for k in range(1 + 2 * (outcome == "failure"))]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


@pytest.mark.slow
def test_tuning_notebook_runs_on_logs_with_no_step_signal(tmp_path: Path, kernels: NotebookKernels) -> None:
    db = tmp_path / "bare.duckdb"
    ws = wb.open(db)
    assert ws.ingest(_logs(tmp_path / "bare.jsonl"), progress=False).quarantined == 0
    ws.close()
    name = "02_tune_hitl_thresholds.ipynb"
    nb = kernels.execute(name, nbformat.read(next(p for p in NOTEBOOKS if p.name == name), as_version=4), db, tmp_path)
    errors = [(n, o.ename, o.evalue[:300]) for n, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[:3]
    check_executed(nb)
    html = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "<img src=x" not in html
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "no histogram of tool_calls" in printed
