"""In JupyterLab (headless Chromium, the session's one server), what ux34 saw on the real frameworks' traces at a
1000 px window: a finding's run could not be opened from the FindingsOverview (its run id had to be copied into
``ex.show_run``); the overview's table of 32-hex run ids made the whole view scroll sideways (743 px in 568), its
examples squeezed to two words a line; the
explorer's run list scrolled sideways too (730 px in 562), each line's outcome and hits past its edge. Here: the
"Open in explorer" button clicked as a person would, the run's explorer opened below with its timeline drawn
(marks in the SVG), and neither view wider than its output."""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, settle, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

FIXTURES = [
    "autogen/swarm_handoffs.otlp.jsonl",
    "dspy/two_react_fault.otlp.jsonl",
    "crewai/delegation_fault.otlp.jsonl",
    "semantic-kernel/sequential_fault.otlp.jsonl",
]


def _setup(root: str) -> str:
    return (
        HEADER
        + f"""
from workbench.widgets import FindingsOverview
warnings.simplefilter("ignore")
ws = wb.open()
for name in {FIXTURES!r}:
    ws.ingest(str(pathlib.Path({root!r}) / name), progress=False)
wb.detect(ws)
"""
    )


def test_a_finding_s_run_opens_in_the_explorer_and_both_fit(lab, browser) -> None:  # noqa: ANN001
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1] / "ingest" / "fixtures")
    cells = [_setup(root), "fo = FindingsOverview(ws)\nfo.drill('silent_failure')\nfo"]
    with run_cells(browser, lab, "ux34_views.ipynb", cells, width=1000) as s:
        page = s.page
        page.set_viewport_size({"width": 1000, "height": 1800})
        wait_charts_drawn(s, 1)
        overview = page.locator(f"{PANEL} .wb-findings-overview").first
        picked = overview.locator(".widget-dropdown select").last.evaluate(
            "e => e.options[e.selectedIndex].text"
        )
        run = picked.split()[0]  # (the option text spaces are no-break spaces)
        # each drilled run on a line or two, its example beneath (as a sixth column it was squeezed to two words
        # a line: each run eight lines tall)
        tall = overview.locator(".wb-flagged-runs tr").evaluate_all(
            "rs => rs.map(r => r.getBoundingClientRect().height)"
        )
        assert len(tall) == 7 and max(tall) <= 60, tall  # the header, 3 runs and 3 examples
        assert len(run) == 32, picked  # a real OTel trace id, whole in the picker
        overview.locator(".wb-open-run").click(timeout=30_000)
        header = overview.locator(".wb-incident-explorer .wb-run-header")
        header.wait_for(timeout=120_000)
        page.wait_for_function(
            "([sel, run]) => (document.querySelector(sel) || {innerText: ''}).innerText.includes(run)",
            arg=[f"{PANEL} .wb-findings-overview .wb-run-header", run],
            timeout=120_000,
        )
        drawn = wait_charts_drawn(s, 2, timeout=120)
        settle(s)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        assert len(drawn) >= 2 and all(c["marks"] > 3 for c in drawn), drawn
        page.wait_for_function(
            "([sel, run]) => { const t = document.querySelector(sel); "
            "return t && t.textContent.includes(run); }",
            arg=[f"{PANEL} .wb-findings-overview .wb-timeline .role-title-text", run],
            timeout=60_000,
        )
        title, marks = overview.locator(".wb-incident-explorer .wb-timeline").first.evaluate(
            "e => [e.querySelector('.role-title-text').textContent, "
            "e.querySelectorAll('svg.marks path, svg.marks rect').length]"
        )
        assert run in title and marks > 3, (title, marks)  # the run's timeline, drawn
        listed = overview.locator(".wb-run-list select").first
        line = listed.evaluate("e => e.options[e.selectedIndex].text")
        assert line.startswith(run[:12] + "…"), line  # the run list points at it, its id shortened
        # neither scrolls sideways: the overview holds what it shows, the run list cuts a long line at its edge
        for what, el in (("overview", overview), ("run list", listed)):
            sw, cw, ox = el.evaluate("e => [e.scrollWidth, e.clientWidth, getComputedStyle(e).overflowX]")
            assert sw <= cw + 1 or ox == "hidden", (what, sw, cw, ox)
        overview.screenshot(path=str(_shot(lab, "ux34_findings-open-run_1000.png")))
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
