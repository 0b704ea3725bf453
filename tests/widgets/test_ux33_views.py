"""What ux33 saw using the views as a new SRE, checked without a browser.

- The explorer, moving from a run with a stored replay attribution to another, kept the first run's blame chart
  under the new run's header while it scored the new run ("scoring…"): seen in Lab as "pricer 100 %" beside a run
  whose replay and label both name the retriever.
"""

from __future__ import annotations

import workbench as wb
from workbench import plots
from workbench.widgets import IncidentExplorer


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
    assert culprits[first] != culprits[second], culprits   # two runs whose charts differ
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(first)
    assert len(ex.blame_box.children) == 1
    shown_first = ex.blame_box.children[0].chart.to_dict()
    seen: list[list[dict]] = []

    def on_verdict(change: dict) -> None:
        if "scoring" in change["new"]:   # the new run's header and timeline are up, its attribution not yet
            seen.append([c.chart.to_dict() for c in ex.blame_box.children])

    ex.verdict.observe(on_verdict, names="value")
    ex.show_run(second)
    assert seen, "the explorer said nothing while it scored the run"
    assert all(chart != shown_first for chart in seen[0]), "the first run's blame chart stood beside the second run"
    assert len(ex.blame_box.children) == 1 and ex.blame_box.children[0].chart.to_dict() != shown_first
