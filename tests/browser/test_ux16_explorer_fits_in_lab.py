"""The IncidentExplorer laid out in JupyterLab (headless Chromium, 1400 px window): its six filters on one
row, and the run's findings inside their half of the view. ux15 saw the "to" date alone on a second row
(1,100 px of filters), and on real traces (16-hex span ids, long tool names in a finding's detail) the
findings table ran 10-50 px past the explorer's right edge, under the notebook's scroll bar."""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, settle, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
TOOL = "lookup_inventory_levels_for_warehouse_region_eu_west_1_primary_replica"
records = []
for r in range(6):
    run = f"{r + 1:032x}"
    records.append({"record": "run", "run_id": run, "system": "inventory_reconciliation_service:python",
                    "outcome": "failure", "started_at": f"2026-03-0{r + 1}T10:00:00Z"})
    records += [{"run_id": run, "step_id": f"{r + 1:016x}{i:016x}", "agent": "warehouse_inventory_reconciler",
                 "kind": "tool", "tool": TOOL, "input": {"sku": "A-1"}, "status": "error" if i < 3 else "ok",
                 "error": "upstream_timeout_after_30000ms_waiting_for_replica" if i < 3 else None,
                 "output": None if i < 3 else "42", "started_at": f"2026-03-0{r + 1}T10:00:{i:02d}Z",
                 "ended_at": f"2026-03-0{r + 1}T10:00:{i:02d}.5Z"} for i in range(5)]
ws = wb.open()
ws.ingest(records, progress=False)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    wb.detect(ws)
assert ws.sql("SELECT count(*) FROM findings").fetchall()[0][0] > 0
IncidentExplorer(ws)
"""
)

# Where the explorer's parts are on screen: the filters' tops, and every table cell, table and text block of
# each half (step detail; attribution and findings) that reaches past its half or past the explorer.
_LAYOUT = """(ex) => {
  const r = (e) => e.getBoundingClientRect();
  const filters = [...ex.querySelectorAll('.widget-dropdown, .widget-datepicker')].slice(0, 6).map(e => r(e));
  const halves = [...ex.querySelectorAll('.widget-vbox')].filter(b =>
      b.querySelector('.wb-step-detail') && !b.querySelector('.wb-run-list')
      || [...b.children].some(c => c.textContent.trim() === 'Findings of this run'));
  const past = [];
  for (const half of halves) {
    const edge = Math.min(r(half).right, r(ex).right);
    for (const e of half.querySelectorAll('table, td, th, pre, .widget-html-content'))
      if (r(e).width > 0 && r(e).right > edge + 1)
        past.push(`${e.tagName} "${e.textContent.slice(0, 40)}" right ${Math.round(r(e).right)} > ${Math.round(edge)}`);
  }
  return {tops: filters.map(b => Math.round(b.top)), rights: filters.map(b => Math.round(b.right)),
          right: Math.round(r(ex).right), halves: halves.length, past: past.slice(0, 10),
          findings: [...ex.querySelectorAll('table.wb-table td')].length};
}"""


def test_explorer_filters_on_one_row_and_findings_inside_their_half(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux16_explorer.ipynb", [SETUP]) as s:
        wait_charts_drawn(s, 1)
        settle(s)
        assert not cell_errors(s) and not widget_errors(s) and not s.console_errors, (
            cell_errors(s),
            widget_errors(s),
            s.console_errors,
        )
        ex = s.page.locator(f"{PANEL} .wb-incident-explorer").first
        ex.locator("table.wb-table td").first.wait_for()
        got = ex.evaluate(_LAYOUT)
        ex.screenshot(path=str(lab.shots / "ux16_explorer_fits.png"))
        assert len(got["tops"]) == 6 and max(got["tops"]) - min(got["tops"]) <= 2, got
        assert max(got["rights"]) <= got["right"], got
        assert got["halves"] == 2 and got["findings"] > 0, got
        assert not got["past"], got["past"]
