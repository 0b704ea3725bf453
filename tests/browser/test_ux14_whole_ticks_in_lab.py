"""The limit view in JupyterLab in headless Chromium: every tick label drawn on its axes (peaks of whole
counts: tool calls, hand-offs, depth; runs) is a whole number, read from the SVG text on the page. Vega's
``tickMinStep: 1`` alone drew 0, 0.5, 1, 1.5 on a peak axis spanning two counts and on a runs axis of two runs."""

from __future__ import annotations

import re
import sys

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + """
def store(n):
    records = []
    for r in range(n):
        run, calls = f"r{r:03d}", 2 + r % 6
        records.append({"record": "run", "run_id": run, "system": "shop",
                        "outcome": "failure" if calls >= 6 else "success"})
        records += [{"run_id": run, "step_id": f"t{i:02d}", "agent": "finder", "kind": "tool", "tool": "search",
                     "input": {"q": f"{r}-{i}"}, "status": "ok", "output": f"result {i}"} for i in range(calls)]
        if r % 3 == 0:
            records.append({"run_id": run, "step_id": "h00", "kind": "handoff", "agent": "finder", "status": "ok",
                            "output": "over to the buyer"})
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws
"""
)

# Per chart of the limit view: the text of each axis's tick labels, by axis (Vega's aria label names it).
_TICKS = """(root) => [...root.querySelectorAll('.vega-embed svg.marks')].map(svg =>
  [...svg.querySelectorAll('g.role-axis')].map(a => ({
    axis: a.getAttribute('aria-label') || '',
    labels: [...a.querySelectorAll('.role-axis-label text')].map(t => t.textContent),
  })).filter(a => a.labels.length))"""


def test_limit_view_tick_labels_are_whole_numbers_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser, lab, "ux14_ticks.ipynb", [SETUP, "wb.LimitTuner(store(3))", "wb.LimitTuner(store(30))"]
    ) as s:
        # 3 runs: no limit at their p99 stops any of them, so that view says it in words and draws only
        # how far the runs went (no empty chart of runs stopped); 30 runs: both charts
        found = wait_charts_drawn(s, 3)
        assert len(found) == 3 and all(c["kind"] == "svg" and c["width"] > 0 for c in found), found
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        views = s.page.locator(f"{PANEL} .wb-limit-tuner")
        assert views.count() == 2
        for i in range(2):
            view = views.nth(i)
            view.scroll_into_view_if_needed()
            *_stops, peaks = view.evaluate(_TICKS)
            assert len(_stops) == i, _stops
            words = view.locator(".wb-limits-none-stopped")
            assert words.count() == (i == 0)
            assert i or words.inner_text().startswith("No limit here stops"), words.inner_text()
            xs = [a for a in peaks if "how far each run went" in a["axis"]]
            ys = [a for a in peaks if "runs" in a["axis"] and a not in xs]
            assert len(xs) >= 3 and len(ys) >= 3, peaks
            labels = [t for a in xs + ys for t in a["labels"]]
            assert all(re.fullmatch(r"-?\d+", t) for t in labels), sorted(set(labels))
            # the narrowest peak axes still read 0 and 1
            assert any(a["labels"][:2] == ["0", "1"] for a in xs), xs
            shot = lab.shots / f"ux14_limit_ticks_{i}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            view.screenshot(path=str(shot))
            print(f"screenshot: {shot}", file=sys.stderr)
        assert not s.console_errors, s.console_errors


EXPLORER = (
    HEADER
    + r"""
recs = []
for r in range(12):
    run = f"r{r:03d}"
    recs.append({"record": "run", "run_id": run, "system": "shop", "outcome": "failure" if r % 3 == 0 else "success"})
    for i in range(5):
        recs.append({"run_id": run, "step_id": f"s{i:02d}", "agent": ["planner", "finder"][i % 2],
                     "kind": "tool" if i % 2 else "llm", "tool": "search" if i % 2 else None, "input": {"q": "same"},
                     "status": "error" if (r % 3 == 0 and i < 4) else "ok", "output": f"result {i} " + "text " * 30,
                     "started_at": f"2026-03-01T10:{r:02d}:{2 * i:02d}Z",
                     "ended_at": f"2026-03-01T10:{r:02d}:{2 * i + 1:02d}Z"})
ws = wb.open()
ws.ingest(recs, progress=False)
wb.detect(ws)
IncidentExplorer(ws)
"""
)

# Everything of the explorer that reaches past the right edge of its output area (hidden there).
_PAST_EDGE = """(panel) => {
  const ex = document.querySelector(panel + ' .wb-incident-explorer');
  const edge = ex.closest('.jp-OutputArea-output').getBoundingClientRect().right;
  return [...ex.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > edge + 0.5)
    .map(e => `${e.tagName}.${e.className} by ${(e.getBoundingClientRect().right - edge).toFixed(1)} px`);
}"""


def test_explorer_stays_inside_its_output_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux14_explorer.ipynb", [EXPLORER]) as s:
        wait_charts_drawn(s, 1)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        # the run list drew its right border 2 px past the edge: width 100% plus the widget's margin
        assert s.page.evaluate(_PAST_EDGE, PANEL) == []
