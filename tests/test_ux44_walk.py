"""What an SRE met walking notebooks 01-03 and the views on real framework desks (ux44: CrewAI, LlamaIndex,
AutoGen and smolagents order desks in one store). The notebooks' own cells are run here in-process on small stores
(no kernel, no notebook execution): each one the desks showed wrong.

- 01's conclusion said "0 failures were reported as successes — audit the path" beside five runs a critical
  ``silent_failure`` finding had taken as failed (it counted labelled failures only);
- 02 said "the same threshold for all 1 agents";
- 03 played the demo's simulator (procurement, seed 2027) as "the live system" for a policy learned from a CrewAI
  desk's logs;
- the cost curve's "1 more threshold up to …" note lay inside the plot's top, over the curve where it peaked;
- the limit view's "first runs stopped" broke each id at its hyphens ("proc-s7-" / "000117").
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import plots
from workbench.widgets import LimitTuner

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DESK = Path(__file__).resolve().parent / "ingest" / "fixtures" / "smolagents-order-desk"


def _cell(notebook: str, marker: str) -> str:
    """The source of the one code cell of ``notebook`` holding ``marker``."""
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    (source,) = [c.source for c in nb.cells if c.cell_type == "code" and marker in c.source]
    return source


def _run(source: str, **names: Any) -> str:
    """The cell run with ``names`` defined (as the cells above it define them): what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), {"wb": wb, "pd": pd, "display": print, **names})  # noqa: S102
    return out.getvalue()


def _tool_runs(run_ids: list[str]) -> list[dict]:
    """One agent's runs of 2 to 7 tool calls each (the n-th run n % 6 + 2), the runs of 6 or more failed."""
    records = []
    for r, run in enumerate(run_ids):
        calls = 2 + r % 6
        records.append(
            {
                "record": "run",
                "run_id": run,
                "system": "shop",
                "outcome": "failure" if calls >= 6 else "success",
            }
        )
        records += [
            {
                "run_id": run,
                "step_id": f"t{i}",
                "kind": "tool",
                "tool": "search",
                "agent": "finder",
                "status": "ok",
                "input": {"q": f"{r}-{i}"},
                "output": f"result {i}",
            }
            for i in range(calls)
        ]
    return records


@pytest.fixture(scope="module")
def desk() -> wb.Workspace:
    """One real smolagents run that reported success and is taken as failed (its answer's prices made up)."""
    ws = wb.open()
    ws.ingest(str(DESK / "manager_cascade.otlp.jsonl"), progress=False)
    wb.detect(
        ws, detectors=["silent_failure"], progress=False
    )  # (what takes it as failed; all of them: 3 s more)
    return ws


def test_01_s_conclusion_counts_the_failures_taken_as_silent(desk: wb.Workspace) -> None:
    assert len(desk.runs(outcome="failure")) == 0 and len(desk.runs(outcome="failure", silent=True)) == 1
    findings = desk.sql("SELECT * FROM findings").df()
    printed = _run(
        _cell("01_investigate_incident.ipynb", "Conclusion on this data"),
        ws=desk,
        findings=findings,
        scores=[],
    )
    assert printed.startswith("Conclusion on this data: 1 failures were reported as successes"), printed


def _per_agent(ws: wb.Workspace, signal: str) -> str:
    """What notebook 02's per-agent cell prints on ``ws``'s ``signal`` (the cheapest signal, a budget of half the runs)."""
    return _run(
        _cell("02_tune_hitl_thresholds.ipynb", "per_agent=True"),
        ws=ws,
        sweep=True,
        signals=pd.DataFrame({"signal": [signal]}),
        COST_REVIEW=1.0,
        COST_FAILURE=20.0,
        BUDGET=0.5,
    )


def test_02_says_one_agent_s_threshold_as_one() -> None:
    ws = wb.open()
    ws.ingest(_tool_runs([f"r{r:02d}" for r in range(24)]), progress=False)
    printed = _per_agent(ws, "tool_calls")
    assert "all 1 agents" not in printed, printed
    assert re.fullmatch(
        r"one agent's steps carry tool_calls: finder, escalated when tool_calls ≥ \S+\n", printed
    ), printed


def test_03_plays_no_simulator_on_logs_that_are_not_the_demo_s(desk: wb.Workspace) -> None:
    source = _cell("03_export_policy.ipynb", "live_system = wb.sim.procurement")
    names = {
        "ws": desk,
        "policy": wb.Policy(),
        "HELD_OUT": None,
        "datetime": __import__("datetime").datetime,
        "show_runs": print,
    }
    printed = _run(source, **names)
    assert printed.startswith("Not played live: these are not the demo's runs"), printed
    escalated = _run(
        _cell("03_export_policy.ipynb", "escalated = live[(live.decision"),
        **names,
        **_names_after(source, names),
    )
    assert escalated == "", escalated


def _names_after(source: str, names: dict) -> dict:
    """The names the guard cell leaves for the next one (its played store, its live runs, the guard's hook)."""
    scope = {"wb": wb, "pd": pd, "display": print, **names}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<cell>", "exec"), scope)  # noqa: S102
    assert scope["played"].count("runs") == 0  # (the simulator's 600 runs were ingested)
    return {k: scope[k] for k in ("live", "played", "live_system", "escalations", "run_live", "DEMO")}


def test_the_cost_curve_s_note_stands_above_the_plot() -> None:
    t = np.array([*range(233, 497, 12), 30000.0])
    # the curve rising to its highest at the axis' right end, where the note is
    table = pd.DataFrame({"threshold": t, "cost": 20 + 0.3 * (t - t.min()).clip(0, 500)})
    spec = plots.cost_curve(table, current=233.0, live=True).to_dict()
    (note,) = [
        layer
        for layer in spec["layer"]
        if isinstance(layer["mark"], dict)
        and layer["mark"]["type"] == "text"
        and layer["encoding"].get("text", {}).get("field") == "text"
    ]
    # at the plot's top edge (y 0 px), its text's bottom there or higher: over the frame, not in the plot (it hung
    # from the top edge into the plot, over the curve where the curve was highest)
    assert note["encoding"]["y"] == {"value": 0}, note
    assert note["mark"]["baseline"] == "bottom" and note["mark"].get("dy", 0) <= 0, note["mark"]


def test_the_limit_view_keeps_each_stopped_run_s_id_on_one_line() -> None:
    ws = wb.open()
    # runs of the sim's ids ("proc-s7-000117"), and one of a 32-hex id
    ids = [f"proc-s7-{r:06d}" if r != 5 else "0af7651916cd43dd8448eb211c80319c" for r in range(30)]
    ws.ingest(_tool_runs(ids), progress=False)
    view = LimitTuner(ws, quantile=0.5)
    html = view.table.value
    cells = re.findall(
        r"<td>((?:<span class='wb-id'>[^<]*</span>(?:, )?)+)(?: … \(\+\d+\))?</td>\s*</tr>", html
    )
    ids = [i for c in cells for i in re.findall(r"<span class='wb-id'>([^<]*)</span>", c)]
    assert ids and all(re.fullmatch(r"proc-s7-\d{6}|0af7651916cd…", i) for i in ids), html
    assert ".wb-limits-table .wb-id{white-space:nowrap}" in html


def test_the_cost_curve_s_label_keeps_clear_of_the_threshold_rule_in_a_corner() -> None:
    """The tuner on a CrewAI desk's latency opened on its minimum, at the plot's bottom left, the curve rising
    steeply to its right: every spot near the point touched the curve or the red rule through it, and "minimum" was
    drawn across the rule."""
    from workbench.plots._label_spot import label_spot

    xs, ys = np.array([33.908653, 115.349026, 133.984939, 212.542373]), np.array([4.0, 23.0, 42.0, 41.0])
    spot = label_spot(xs, ys, (xs[0], ys[0]), "minimum", 360, 240, x_extent=(xs[0], xs[-1]), rules_x=(xs[0],))
    assert spot.clearance >= 4, spot
