"""In JupyterLab (headless Chromium, the session's one server), what ux33 saw on a store of several systems at a
1000 px window: the DriftMonitor and the ThresholdTuner drew every system's runs at once (fixed: a system picker,
tests/widgets/test_ux33_views.py); here their pickers on screen, their charts drawn (marks in the SVG), and nothing
cut at the output's edge (the tuner's "one threshold per agent" box went past it beside the new picker; the drift
chart and its legend made the whole monitor scroll sideways). ux36: the explorer's timeline and the drift chart as
wide as the output, the red ✕ of a raise at a long run's end and their titles inside it. ux37: the confidence chart
under the lanes follows their zoom."""

from __future__ import annotations

import time

import pytest
from _lab import HEADER, PANEL, drawn_at, run_cells

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
warnings.simplefilter("ignore")
records = []   # two systems, one agent name in both, a day of runs each
for system, runs, ms in (("quotes-desk" + "<img src=x onerror=alert(1)>", 6, 100), ("reports", 4, 5000)):
    for r in range(runs):
        run = f"{system[:6]}-{r}"
        records.append({"record": "run", "run_id": run, "system": system, "outcome": "failure" if r % 2 else "success",
                        "started_at": f"2026-03-01T{10 + r:02d}:00:00Z"})
        records.append({"run_id": run, "step_id": "s0", "agent": "writer", "kind": "llm",
                        "latency_ms": ms * (3 if r % 2 else 1), "started_at": f"2026-03-01T{10 + r:02d}:00:00Z"})
# ux36: a long run (240 moves) whose last tool raised, recorded as an error text under status "ok"
records.append({"record": "run", "run_id": "long-run", "system": "reports", "outcome": "failure",
                "started_at": "2026-03-02T10:00:00Z"})
records += [{"run_id": "long-run", "step_id": f"m{i:03d}", "agent": ["planner", "writer", "critic"][i % 3],
             "kind": ["llm", "tool"][i % 2], "status": "ok", "error": "<img src=x onerror=alert('raised')> 503" if i == 239 else None,
             "confidence": 0.5 + (i % 7) / 20 if i % 2 == 0 else None,   # (ux37: the chart under the lanes)
             "started_at": f"2026-03-02T10:{i // 60:02d}:{i % 60:02d}Z",
             "ended_at": f"2026-03-02T10:{i // 60:02d}:{i % 60:02d}.8Z"} for i in range(240)]
ws = wb.open()
ws.ingest(records, progress=False)
"""
)
CELLS = [
    SETUP,
    "DriftMonitor(ws, metric='latency_ms')",
    "ThresholdTuner(ws, signal='latency_ms')",
    "ex = IncidentExplorer(ws, blame_model=None)\nex.show_run('long-run')\nex",
]

# ux36: a chart's box, what it holds, and where the red ✕ marks and title lines are, against the box's right edge
_FITS = """(e) => { const box = e.getBoundingClientRect();
  const right = (sel) => [...e.querySelectorAll(sel)].map(n => Math.round(n.getBoundingClientRect().right));
  return {scroll: e.scrollWidth, client: e.clientWidth, right: Math.round(box.right),
          marks: e.querySelectorAll('svg .mark-rect path, svg .mark-line path').length,
          crosses: right('svg .mark-symbol path[fill="#d62728"]'), titles: right('svg .role-title text')}; }"""


def test_system_pickers_fit_and_draw(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux33_views.ipynb", CELLS, width=1000) as s:
        page = s.page
        drawn_at(s, 1000, 4)
        for view in (".wb-drift-monitor", ".wb-threshold-tuner"):
            v = page.locator(f"{PANEL} {view}").first
            picker = v.locator("select").first
            assert picker.locator("option").all_inner_texts()[0].startswith("quotes-desk<img"), (
                view
            )  # as text
            sw, cw = v.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert sw <= cw + 1, (view, sw, cw)
            v.screenshot(path=str(_shot(lab, f"ux33{view.replace('.wb-', '_')}_1000.png")))
        tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
        box, right = tuner.evaluate(
            "t => [t.querySelector('input[type=checkbox]').getBoundingClientRect().right, "
            "t.getBoundingClientRect().right]"
        )
        assert box <= right, (box, right)
        # ux36: the explorer's timeline (a long run: 240 moves) and the drift chart as wide as the 568 px output,
        # drawn, the red ✕ of the raise at the run's end and every title line inside the visible box (the timeline
        # held 876 px, its ✕ off the box; the drift title ran on as "…dotted: no runs betw")
        for chart in (".wb-incident-explorer .wb-timeline", ".wb-drift-monitor .vega-embed"):
            c = page.locator(f"{PANEL} {chart}").first
            c.scroll_into_view_if_needed()
            got = c.evaluate(_FITS)
            assert got["scroll"] <= got["client"] + 1 and got["marks"] > 3, (chart, got)
            assert all(r <= got["right"] for r in got["crosses"] + got["titles"]), (chart, got)
            c.screenshot(path=str(_shot(lab, f"ux36{chart.split()[0].replace('.wb-', '_')}_1000.png")))
        timeline = page.locator(f"{PANEL} .wb-timeline").first
        assert len(timeline.evaluate(_FITS)["crosses"]) == 1
        # what it raised in the ✕'s tooltip, as text (log text: an <img onerror> never runs)
        timeline.scroll_into_view_if_needed()
        timeline.locator('svg .mark-symbol path[fill="#d62728"]').first.hover(force=True)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=15_000)
        assert "<img src=x onerror=alert('raised')> 503" in page.locator("#vg-tooltip-element").inner_text()
        page.mouse.move(0, 0)
        # a long run's stretch zoomed into with shift + scroll (the x axis' labels change); a plain scroll is the page's
        axis = """e => [...e.querySelectorAll('g[aria-label^="X-axis"] .role-axis-label text')].map(t => t.textContent)
                      .sort()"""  # (sorted: Vega reuses a label's node for another on a redraw)
        timeline.scroll_into_view_if_needed()  # (the drift chart was scrolled to last: the mouse must be over this)
        whole = timeline.evaluate(axis)
        box = timeline.locator("svg.marks").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
        page.keyboard.down("Shift")
        for _ in range(3):
            page.mouse.wheel(0, -200)
            page.wait_for_timeout(200)
        page.keyboard.up("Shift")
        zoomed = _labels_when(timeline, axis, lambda labels: labels != whole)
        assert zoomed != whole, whole
        # ux37: the confidence chart under the lanes follows their zoom (it stayed on the whole run), drawn, and a
        # double-click on the lanes resets both
        signals = page.locator(f"{PANEL} .wb-signals").first
        _labels_when(signals, axis, lambda labels: labels == zoomed)
        assert signals.evaluate(axis) == zoomed and signals.evaluate(_FITS)["marks"] > 0, signals.evaluate(
            axis
        )
        page.mouse.dblclick(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
        _labels_when(timeline, axis, lambda labels: labels == whole)
        _labels_when(signals, axis, lambda labels: labels == whole)
        assert timeline.evaluate(axis) == whole and signals.evaluate(axis) == whole, signals.evaluate(axis)
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _labels_when(el, axis: str, done, quiet: float = 0.3, limit: float = 15) -> list:  # noqa: ANN001
    """A chart's axis labels once ``done(labels)`` has held for ``quiet`` s (Vega redraws a zoom over several
    frames, and the linked chart follows through the kernel), or as they are after ``limit`` s (the test's
    assertion then says what they were). A fixed 1.5 s wait guessed the same, and always paid it."""
    deadline, since = time.monotonic() + limit, None
    while True:
        labels = el.evaluate(axis)
        now = time.monotonic()
        since = (since or now) if done(labels) else None
        if (since is not None and now - since >= quiet) or now > deadline:
            return labels
        time.sleep(0.05)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
