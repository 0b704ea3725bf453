"""In JupyterLab (headless Chromium), ux24's view leftovers: the ThresholdTuner's readout shows the number its
slider shows (OTLP latency read "≥ 166.3" beside a slider at "166"); on a store whose runs have no outcome the
LimitTuner's legend lists only "unknown" (it listed success and failure too); the IncidentExplorer says why a
successful run has nothing to attribute and shows no disabled "Compute attribution" button. Charts checked drawn."""

from __future__ import annotations

import re

import nbformat
import pytest
from _lab import (
    HEADER,
    PANEL,
    cell_errors,
    open_notebook,
    run_all,
    shutdown_kernels,
    wait_charts_drawn,
    widget_errors,
)
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = pytest.mark.slow

SETUP = HEADER + r'''
warnings.simplefilter("ignore")

def store(outcomes):
    records = []
    for r, outcome in enumerate(outcomes):
        records.append({"record": "run", "run_id": f"r{r}", "system": "s", "outcome": outcome})
        records += [{"run_id": f"r{r}", "step_id": f"s{i}", "agent": "planner" if i == 0 else "coder",
                     "kind": "tool", "name": "search", "tool": "search", "input": f"q{r}-{i}",
                     "latency_ms": 100.0 + 33.2617 * r + 7.31 * i} for i in range(1 + r % 3)]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws

known, raw = store(["success", "failure"] * 5), store(["unknown"] * 6)
'''

_LEGEND = """(t) => [...t.querySelectorAll('.vega-embed')].map(v =>
  [...v.querySelectorAll('svg .role-legend-label text')].map(x => x.textContent))"""


def test_views_say_what_they_show(lab, browser) -> None:  # noqa: ANN001
    nb = new_notebook(cells=[new_code_cell(c) for c in [
        SETUP,
        "ThresholdTuner(known, signal='latency_ms')",
        "LimitTuner(raw, min_runs=1)",
        "ex = IncidentExplorer(known)\nex.show_run('r0')\nex",
    ]])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root / "ux25_views.ipynb")
    s = open_notebook(browser, lab.url, "ux25_views.ipynb")
    try:
        run_all(s)
        drawn = wait_charts_drawn(s, 4)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        assert all(c["marks"] > 3 for c in drawn), drawn
        tuner = s.page.locator(f"{PANEL} .wb-threshold-tuner").first
        tuner.scroll_into_view_if_needed()
        slider = tuner.locator(".widget-readout").first.inner_text().strip()
        readout = tuner.locator(".wb-tuner-readout").inner_text()
        assert re.search(r"[≥≤] ([-\d,.]+)", readout).group(1) == slider, (slider, readout)
        tuner.screenshot(path=str(_shot(lab, "ux25_tuner_latency.png")))
        limits = s.page.locator(f"{PANEL} .wb-limit-tuner").first
        limits.scroll_into_view_if_needed()
        legends = [set(ls) for ls in limits.evaluate(_LEGEND) if ls]
        assert legends and all(ls == {"unknown"} for ls in legends), legends
        limits.screenshot(path=str(_shot(lab, "ux25_limits_unknown.png")))
        ex = s.page.locator(f"{PANEL} .wb-incident-explorer").first
        ex.scroll_into_view_if_needed()
        verdict = ex.locator(".wb-verdict").inner_text()
        assert "Nothing to attribute: this run succeeded" in verdict and "replay=" not in verdict, verdict
        assert ex.get_by_role("button", name="Compute attribution").count() == 0 or \
            not ex.get_by_role("button", name="Compute attribution").is_visible()
        ex.screenshot(path=str(_shot(lab, "ux25_explorer_success.png")))
        assert not s.dialogs, s.dialogs
    finally:
        s.page.close()
        shutdown_kernels(lab.url)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
