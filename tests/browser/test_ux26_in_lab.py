"""In JupyterLab (headless Chromium), what ux26 saw walking the notebooks as a new SRE:

- the LimitTuner's logarithmic runs axis reads in powers of ten (it read "0" and "15k" only);
- the explorer's "state before this step" is a table of entries, not one repr blob;
- the ThresholdTuner's per-agent mode, driven by hand: tick "one threshold per agent", the readout names
  each agent with the number its slider shows, and moving one agent's slider with the keyboard moves
  that agent's number in the readout (only tests/widgets covered it, from Python).
Charts checked drawn, no console error, no dialog."""

from __future__ import annotations

import re
import time

import pytest
from _lab import (
    PANEL,
    cell_errors,
    chart_layout,
    run_cells,
    settle,
    state_cell_lines,
    wait_charts_drawn,
    widget_errors,
)

pytestmark = pytest.mark.slow

SETUP = r"""
import dataclasses, warnings
import workbench as wb
from workbench import plots
from workbench.widgets import IncidentExplorer, LimitTuner, ThresholdTuner
plots.enable_offline()
warnings.simplefilter("ignore")

records = []
for r in range(300):   # many short runs, a few long ones: the limit view goes logarithmic by itself
    calls = 12 if r % 60 == 0 else 1 + r % 3
    failed = calls > 5 or r % 7 == 0
    records.append({"record": "run", "run_id": f"r{r:03d}", "system": "shop", "outcome": "failure" if failed else "success"})
    records += [{"run_id": f"r{r:03d}", "step_id": f"s{i}", "agent": "planner" if i % 2 == 0 else "coder",
                 "kind": "tool", "tool": "search", "input": f"q{r}-{i}", "status": "ok",
                 "latency_ms": 100.0 + (900.0 if failed and i % 2 else 0.0) + 37.0 * ((r * 7 + i) % 11)}
                for i in range(calls)]
ws = wb.open()
ws.ingest(records, progress=False)

@dataclasses.dataclass
class Entry:
    value: object
    src: str
    tainted: bool = False

SUPPLIERS = [{"supplier_id": f"SUP-00{i}", "name": n, "rating": 3.9, "stock": 5000}
             for i, n in enumerate(["Evergreen Parts", "Harbor Goods", "Granite Supply"])]

def state(run_id, step_id):
    return {"item_query": Entry("ear plugs silicone", "s0002"), "price": Entry(96.6, step_id, True),
            "suppliers": Entry(SUPPLIERS, "s0008"), "note": "<img src=x onerror=alert(1)>"}
"""

_LOG_AXES = """(t) => [...t.querySelectorAll('.vega-embed svg')].flatMap(svg =>
  [...svg.querySelectorAll('g[aria-label^="Y-axis"]')].filter(g => /log scale/.test(g.getAttribute('aria-label')))
    .map(g => [...g.querySelectorAll('.role-axis-label text')].filter(x => x.getAttribute('opacity') !== '0')
      .map(x => x.textContent)))"""


# Per chart of a view: how far right of the chart's drawing its "…" menu button sits (px).
_MENU_GAPS = """(v) => [...v.querySelectorAll('.vega-embed')].map(e => {
  const s = e.querySelector('svg.marks, canvas.marks'), m = e.querySelector('summary');
  return m.getBoundingClientRect().left - s.getBoundingClientRect().right; })"""

# The elements of a view wider than the view (what pushed it past a narrow output).
_WIDE_PARTS = """(v) => [...v.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > v.getBoundingClientRect().right + 1)
  .slice(0, 5).map(e => `${e.tagName}.${e.className.baseVal ?? e.className} ${Math.round(e.getBoundingClientRect().width)}`)"""

_WIDTHS = "els => els.map(e => ({text: e.innerText.trim(), width: e.getBoundingClientRect().width}))"


def _agents(readout: str) -> dict[str, str]:
    """What the readout says of each agent: "At latency_ms ≥ coder 1,100, planner 500: ..."."""
    head = readout.split(":", 1)[0]
    return dict(re.findall(r"(coder|planner) (-?\d(?:[\d,.]*\d)?)", head))


def test_views_in_lab(lab, browser) -> None:  # noqa: ANN001
    cells = [
        SETUP,
        "LimitTuner(ws, quantile=0.9)",
        "ex = IncidentExplorer(ws, blame_model=None, snapshot=state)\nex.show_run('r007')\nex",
        "tu = ThresholdTuner(ws, signal='latency_ms')\ntu",
    ]
    with run_cells(browser, lab, "ux26_views.ipynb", cells) as s:
        drawn = wait_charts_drawn(s, 5)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        assert all(c["marks"] > 3 for c in drawn), drawn
        page = s.page

        limits = page.locator(f"{PANEL} .wb-limit-tuner").first
        limits.scroll_into_view_if_needed()
        axes = [a for a in limits.evaluate(_LOG_AXES) if a]
        assert axes and all(len(a) >= 3 and {"10", "100"} & set(a) for a in axes), axes
        limits.screenshot(path=str(_shot(lab, "ux26_limits_log_axis.png")))

        ex = page.locator(f"{PANEL} .wb-incident-explorer").first
        ex.scroll_into_view_if_needed()
        table = ex.locator(".wb-step-detail table.wb-state-table")
        assert table.count() == 1, ex.locator(".wb-step-detail").inner_text()[-500:]
        rows = table.locator("tr").evaluate_all("rs => rs.map(r => [...r.children].map(c => c.innerText))")
        assert rows[0] == ["key", "value", "src", "tainted"], rows
        assert ["note", "<img src=x onerror=alert(1)>", "", ""] in rows, rows  # the payload as text
        assert "Value(" not in ex.inner_text() and "Entry(" not in ex.inner_text()
        # ux28: beside a long value (the supplier list) the key and src columns keep their words whole: they
        # were squeezed to a few letters a line ("item_qu|ery", "s00|02"); the long value wraps at its spaces
        cells = state_cell_lines(ex)
        whole = [(c[0], c[2]) for c in cells]
        assert all(k[1] <= 1 and src[1] <= 1 for k, src in whole), cells
        assert max(c[1][1] for c in cells) > 1, cells  # the supplier list did wrap: the columns were tight
        assert [c[0][0] for c in cells] == ["item_query", "price", "suppliers", "note"], cells
        ex.screenshot(path=str(_shot(lab, "ux26_explorer_state.png")))

        tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
        tuner.scroll_into_view_if_needed()
        readout = tuner.locator(".wb-tuner-readout")
        before = readout.inner_text()
        tuner.get_by_text("one threshold per agent").click()
        page.wait_for_function(
            "([sel, b]) => { const e = document.querySelector(sel); return e && e.innerText !== b "
            "&& /coder/.test(e.innerText); }",
            arg=[f"{PANEL} .wb-threshold-tuner .wb-tuner-readout", before],
            timeout=60_000,
        )
        sliders = tuner.locator(".widget-slider")
        assert sliders.count() == 3, sliders.count()  # the single one (disabled) and one per agent

        def shown() -> dict[str, str]:
            return {
                sliders.nth(i).locator(".widget-label").first.inner_text().strip(): sliders.nth(i)
                .locator(".widget-readout")
                .inner_text()
                .strip()
                for i in (1, 2)
            }

        said = _agents(readout.inner_text())
        assert said == shown() and set(said) == {"coder", "planner"}, (said, shown(), readout.inner_text())
        # move coder's slider by hand: two steps up (both open at the cheapest: the lowest, escalating all)
        coder = next(
            i for i in (1, 2) if sliders.nth(i).locator(".widget-label").first.inner_text().strip() == "coder"
        )
        # (ux46) the policy exported first: once the slider moves, the view says the file holds the rule before
        tuner.locator("button", has_text="Export policy").click()
        policy = f"{PANEL} .wb-threshold-tuner .wb-tuner-policy"
        page.wait_for_function(
            "sel => (document.querySelector(sel) || {}).innerText?.startsWith('Wrote')",
            arg=policy,
            timeout=30_000,
        )
        text0 = readout.inner_text()
        handle = sliders.nth(coder).locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowRight")
        handle.press("ArrowRight")
        page.wait_for_function(
            "([sel, b]) => document.querySelector(sel).innerText !== b",
            arg=[f"{PANEL} .wb-threshold-tuner .wb-tuner-readout", text0],
            timeout=60_000,
        )
        # the second key's update: the readout says what the slider (drawn at once, in the page) shows; a fixed
        # 1 s guessed it (what it says after 30 s is what the assertion below looks at)
        deadline = time.monotonic() + 30
        while _agents(readout.inner_text()) != shown() and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        moved = _agents(readout.inner_text())
        assert moved == shown(), (moved, shown())
        assert moved["coder"] != said["coder"] and moved["planner"] == said["planner"], (said, moved)
        assert "holds the rule exported before the last change" in page.inner_text(policy), page.inner_text(
            policy
        )
        tuner.screenshot(path=str(_shot(lab, "ux26_tuner_per_agent.png")))
        # ux28: the three charts (sweep, cost, histogram) side by side when the output has room, stacked one
        # per row when not; a row that wrapped part-way (two beside each other, the third below) read as if
        # the histogram belonged to the first chart
        assert tuner.locator(".vega-embed").count() == 3
        # ... and on a narrower output (900 px: a laptop, the file browser open) the rows of controls wrap, each
        # control at its width: the LimitTuner's buttons read "Ex…" and "B…", the tuner's cost boxes squeezed
        controls = (
            f"{PANEL} .wb-limit-tuner button, {PANEL} .wb-threshold-tuner .widget-text, "
            f"{PANEL} .wb-threshold-tuner button"
        )
        wide = page.eval_on_selector_all(controls, _WIDTHS)
        for width, want in ((1400, "stacked"), (2600, "row"), (900, "stacked")):
            page.set_viewport_size({"width": width, "height": 1800})
            settle(s)
            got = chart_layout(tuner)
            tuner.screenshot(path=str(_shot(lab, f"ux28_tuner_charts_{width}.png")))
            assert got == want, (width, got)
            # ux29: vega-embed's "…" menu beside its chart, not at the right edge of the row (stacked, each chart's
            # box takes the row's width: the menu floated 500 px right of a 360 px chart)
            gaps = tuner.evaluate(_MENU_GAPS)
            assert len(gaps) == 3 and all(0 <= g <= 40 for g in gaps), (width, gaps)
        # ux29: on the narrow output each view stays within it; what is wider than the output (the timeline, the
        # LimitTuner's facet chart) scrolls in its own box: the view's own scrollbar sat a screen below the chart
        # cut at the output's edge
        for cls in ("wb-limit-tuner", "wb-incident-explorer", "wb-threshold-tuner"):
            sw, cw = page.locator(f"{PANEL} .{cls}").first.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert sw <= cw + 1, (cls, sw, cw, page.locator(f"{PANEL} .{cls}").first.evaluate(_WIDE_PARTS))
        label = page.locator(f"{PANEL} .wb-page-label").first  # "page 1 of 25 · 300 runs", not "page 1 of"
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && /300 runs/.test(e.innerText)"), (
            label.evaluate("e => [e.innerText, e.scrollWidth, e.clientWidth]")
        )
        own = page.eval_on_selector_all(
            f"{PANEL} .wb-timeline, {PANEL} .wb-limit-tuner .vega-embed",
            "els => els.map(e => [e.scrollWidth, e.clientWidth])",
        )
        assert len(own) >= 2 and any(sw > cw + 1 for sw, cw in own), own  # they did need the room
        page.locator(f"{PANEL} .wb-incident-explorer").first.screenshot(
            path=str(_shot(lab, "ux29_explorer_900.png"))
        )
        narrow = page.eval_on_selector_all(controls, _WIDTHS)
        squeezed = [
            (a["text"], a["width"], b["width"])
            for a, b in zip(wide, narrow, strict=True)
            if a["width"] > 0 and b["width"] < a["width"] - 1
        ]
        assert len(wide) >= 5 and not squeezed, (squeezed, wide)
        page.locator(f"{PANEL} .wb-limit-tuner").first.screenshot(path=str(_shot(lab, "ux28_limits_900.png")))
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
