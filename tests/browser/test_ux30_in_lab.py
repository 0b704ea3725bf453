"""In JupyterLab (headless Chromium, the session's one server), what ux30 saw using the views as an SRE on stores
they had not met, at a 1000 px window (a laptop) and a 1600 px one:

- the explorer's step and attribution panels side by side in 280 px halves at 1000 px (the input a few words a
  line, "retrieve|r" in the findings): one under the other there now, side by side on the wide window;
- the findings overview pushed past the output by its chart's legend and menu; its flagged runs' severities
  worst first;
- the LimitTuner's "runs each limit stops" axis read "0 1 1"; its table repeated the basis on every row;
- the tuner on runs that all failed said "failures caught 0 of 6" beside 6 escalated, never why;
- (ux32) the explorer's timeline "…" menu opened 9 px past the box the chart scrolls in ("Open in Vega Editor" cut);
  the LimitTuner's table on the simulator's runs 730 px wide in a 564 px output.
Charts checked drawn (marks in the SVG), no console error, no dialog (the log text carries a payload)."""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, settle, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
from workbench.widgets import FindingsOverview
warnings.simplefilter("ignore")
XSS = "<img src=x onerror=alert(1)>"
records = []   # every run failed, labelled: r0's culprit its first call, the others' their fourth (r5 one more)
for r in range(6):
    records.append({"record": "run", "run_id": f"r{r}", "system": "desk" + XSS, "outcome": "failure"})
    records += [{"run_id": f"r{r}", "step_id": f"s{i}", "agent": "a" if i % 2 else "b", "kind": "tool",
                 "tool": "search", "input": f"q{r}-{i} " + XSS, "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
                 "ended_at": f"2026-03-01T10:{r:02d}:{i:02d}.5Z"} for i in range(5 if r == 5 else 4)]
failed = wb.open()
failed.ingest(records, progress=False)
for r in range(6):
    failed.label(f"r{r}", agent="b" if r == 0 else "a", step_id="s0" if r == 0 else "s3")
sim = wb.open()
sim.ingest(wb.sim.procurement(seed=11, fault_rate=0.6).generate(12), progress=False)
wb.detect(sim)
"""
)
CELLS = [
    SETUP,
    "ex = IncidentExplorer(sim, blame_model=None, filters={'outcome': 'failure'})\nex",
    "fo = FindingsOverview(sim)\nfo.drill('cascade')\nfo",
    "tu = ThresholdTuner(failed, signal='tool_calls', budget=None)\ntu.threshold.value = 2.0\ntu",
    "LimitTuner(failed, quantile=0.5)",  # (the limits stop r5 alone: a "runs stopped" axis of 0 to 1)
    "LimitTuner(sim)",
]  # (ux32: its table 730 px wide in a 564 px output at 1000 px)

# The explorer's two halves: their boxes, and the explorer's.
_HALVES = """(ex) => ['.wb-step-half', '.wb-attribution-half', null].map(c => {
  const r = (c ? ex.querySelector(c) : ex).getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; })"""

# Each findings cell meant to keep its words whole: its text and on how many lines it is drawn.
_WORD_CELLS = """(v) => [...v.querySelectorAll('table.wb-findings-table td.wb-word')].map(td => {
  const r = document.createRange(); r.selectNodeContents(td);
  return [td.innerText, new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size];
})"""

# The explorer's first chart's "…" menu opened: its box, and where the content of the box the chart scrolls in ends,
# closed and open (ux32: the menu reached 9 px past the chart's end, widening what the box scrolls over).
_MENU = """(ex) => { const d = ex.querySelector('.vega-embed.has-actions > details');
  let b = d.parentElement; while (b && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(b).overflowX)) b = b.parentElement;
  const left = b.getBoundingClientRect().left - b.scrollLeft, closed = left + b.scrollWidth; d.open = true;
  const m = d.querySelector('.vega-actions').getBoundingClientRect(), open = left + b.scrollWidth; d.open = false;
  return {menu: [m.left, m.right, m.width], ends: [closed, open]}; }"""

_AXIS = """(v) => [...v.querySelectorAll('.vega-embed svg')].filter(s => /Runs each limit stops/.test(s.textContent))
  .map(s => [...s.querySelectorAll('g[aria-label^="X-axis"] .role-axis-label text')].map(t => t.textContent))"""


def test_views_at_two_widths(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux30_views.ipynb", CELLS) as s:
        drawn = wait_charts_drawn(s, 6)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        assert len(drawn) >= 6 and all(c["marks"] > 3 for c in drawn), drawn
        page = s.page
        ex = page.locator(f"{PANEL} .wb-incident-explorer").first
        fo = page.locator(f"{PANEL} .wb-findings-overview").first
        tu = page.locator(f"{PANEL} .wb-threshold-tuner").first
        lt = page.locator(f"{PANEL} .wb-limit-tuner").first

        readout = tu.locator(".wb-tuner-readout").inner_text()
        assert "failures caught 83.3% (5 of 6)" in readout, readout
        assert "1 failed run escalated too late: only after its labelled culprit step" in readout, readout

        headers = lt.locator(".wb-limits-table th").all_inner_texts()
        assert "basis" not in headers and "basis runs" in headers, headers
        axes = lt.evaluate(_AXIS)
        assert len(axes) == 1 and len(axes[0]) == len(set(axes[0])) >= 2, axes  # "0 1 1" no more

        severity = fo.locator(
            ".wb-flagged-runs tr.wb-finding"
        ).evaluate_all(  # (each run's row, not its example's)
            "rs => rs.map(r => r.children[4].innerText)"
        )
        assert severity and all(not x.startswith("info") for x in severity), severity

        for width in (1600, 1000):
            page.set_viewport_size({"width": width, "height": 1800})
            settle(s)
            step, side, whole = ex.evaluate(_HALVES)
            ex.screenshot(path=str(_shot(lab, f"ux30_explorer_{width}.png")))
            if width == 1600:  # side by side, half each
                assert abs(step["top"] - side["top"]) <= 2 and side["left"] >= step["right"] - 1, (step, side)
                assert abs(step["width"] - whole["width"] / 2) <= 8, (step, whole)
            else:  # one under the other, each the explorer's width
                assert side["top"] >= step["bottom"] - 1, (step, side)
                assert min(step["width"], side["width"]) >= whole["width"] - 8, (step, side, whole)
            cells = ex.evaluate(_WORD_CELLS)
            assert cells and all(lines == 1 for _, lines in cells), (width, cells)
            sw, cw = fo.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert sw <= cw + 1, (width, sw, cw)
            menu = ex.evaluate(_MENU)  # the timeline's menu opened whole inside its scroll box
            assert (
                menu["menu"][2] > 100
                and menu["menu"][1] <= menu["ends"][0] + 0.5
                and menu["ends"][1] <= menu["ends"][0] + 0.5
            ), (width, menu)
            sw, cw = (
                page.locator(f"{PANEL} .wb-limit-tuner")
                .nth(1)
                .locator(".wb-limits-table")
                .evaluate("e => [e.scrollWidth, e.clientWidth]")
            )
            assert sw <= cw + 1, (width, "limits table", sw, cw)
            # ux37: its two charts fit too (the runs stopped as wide as the output, the histograms in two columns:
            # at 1000 px they held 660 and 842 px of a 568 px output, each scrolling in its own box)
            boxes = (
                page.locator(f"{PANEL} .wb-limit-tuner")
                .nth(1)
                .evaluate(
                    "v => [...v.querySelectorAll('.vega-embed')].map(e => [e.scrollWidth, e.clientWidth, "
                    "e.querySelectorAll('svg .mark-rect path').length])"
                )
            )
            assert len(boxes) == 2 and all(sw <= cw + 1 and bars > 0 for sw, cw, bars in boxes), (
                width,
                boxes,
            )
        fo.screenshot(path=str(_shot(lab, "ux30_findings_1000.png")))
        lt.screenshot(path=str(_shot(lab, "ux30_limits_1000.png")))
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
