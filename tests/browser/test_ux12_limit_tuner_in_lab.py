"""The LimitTuner in JupyterLab in headless Chromium: its charts are drawn (bars, the limit rules and
their labels in the SVG, not merely a "vega" output), the quantile slider moves the limits on the page,
"Export policy" writes a file that validates, and log text (a system named like markup, run ids with
tags) shows as text and never runs."""

from __future__ import annotations

import sys

import pytest
from _lab import (
    HEADER,
    PANEL,
    cell_errors,
    onerror_would_have_fired,
    run_cells,
    text,
    wait_charts_drawn,
    wait_text_change,
    widget_errors,
)

import workbench as wb

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + """
records = []
for r in range(40):
    run, calls = f"<b>run</b>-{r:03d}", 2 + r % 6
    records.append({"record": "run", "run_id": run, "system": "<img src=x onerror=alert('sys')>",
                    "outcome": "failure" if calls >= 6 else "success"})
    for i in range(calls):
        records.append({"run_id": run, "step_id": f"t{i:02d}", "agent": "finder", "kind": "tool", "tool": "search",
                        "input": {"q": f"{r}-{i}"}, "status": "ok", "output": f"result {i}",
                        "started_at": f"2026-03-01T10:{r:02d}:{2 * i:02d}Z",
                        "ended_at": f"2026-03-01T10:{r:02d}:{2 * i + 1:02d}.{r % 9}Z"})
ws = wb.open()
report = ws.ingest(records, progress=False)
"""
)

# The drawn SVG of each chart of the tuner: bars, rules, and the text of the limit labels.
_DRAWN = """(root) => [...root.querySelectorAll('.vega-embed svg.marks')].map(svg => ({
  bars: svg.querySelectorAll('.mark-rect path').length,
  rules: svg.querySelectorAll('.mark-rule path, .mark-rule line').length,
  limits: [...svg.querySelectorAll('.mark-text text')].map(t => t.textContent).filter(t => t.startsWith('limit ')),
  width: svg.getBoundingClientRect().width, height: svg.getBoundingClientRect().height,
}))"""


def _drawn(tuner) -> list[dict]:  # noqa: ANN001
    return tuner.evaluate(_DRAWN)


def test_limit_tuner_draws_moves_and_exports(lab, browser) -> None:  # noqa: ANN001
    path = lab.root / "ux12_limits.yaml"
    with run_cells(
        browser,
        lab,
        "ux12_limits.ipynb",
        [
            SETUP,
            f"lt = wb.LimitTuner(ws, quantile=0.9, policy_path={str(path)!r})\nlt",
            "wb.suggest_limits(ws, quantile=0.9)",
        ],
    ) as s:
        charts = wait_charts_drawn(s, 2)
        assert len(charts) == 2 and all(c["kind"] == "svg" and c["width"] > 0 for c in charts), charts
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        page = s.page
        tuner = page.locator(f"{PANEL} .wb-limit-tuner").first
        tuner.scroll_into_view_if_needed()
        stops, peaks = _drawn(tuner)
        # the runs-stopped bars, and per rule a histogram with its dashed limit and its label
        assert stops["bars"] >= 3 and stops["height"] > 50, stops
        assert peaks["bars"] >= 20 and peaks["rules"] >= 5 and "limit 5" in peaks["limits"], peaks
        readout = f"{PANEL} .wb-limit-tuner .wb-limits-readout"
        assert "<img src=x onerror=alert('sys')>" in text(s, readout)  # the system name, as text
        assert "of 12 failed runs (100%)" in text(s, readout), text(s, readout)
        assert "<b>run</b>-" in tuner.locator(".wb-limits-table").inner_text()
        shot = lab.shots / "ux12_limit_tuner.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        tuner.screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
        # drag the quantile down as a person does: the limits, the readout and the drawn labels follow
        before, labels = text(s, readout), peaks["limits"]
        handle = tuner.locator(".widget-slider .noUi-handle").first
        track = tuner.locator(".widget-slider .noUi-base").first.bounding_box()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(track["x"] + 0.02 * track["width"], box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        wait_text_change(s, readout, before, timeout=30)
        assert "At the p5" in text(s, readout) and "successful runs" in text(s, readout), text(s, readout)
        page.wait_for_function(
            "([sel, old]) => { const t = [...document.querySelectorAll(sel)].map(e => e.textContent)"
            ".filter(x => x.startsWith('limit ')); return t.length > 0 && t.join('|') !== old; }",
            arg=[f"{PANEL} .wb-limit-tuner .vega-embed svg .mark-text text", "|".join(labels)],
            timeout=30_000,
        )
        moved = _drawn(tuner)[1]
        assert moved["bars"] >= 20 and moved["limits"] != labels, (labels, moved)
        # export: the file is written, read back through the schema check, and shown
        tuner.locator("button.wb-limits-export").click()
        page.wait_for_function(
            "sel => (document.querySelector(sel) || {}).innerText?.includes('valid against the policy schema')",
            arg=f"{PANEL} .wb-limit-tuner .wb-limits-policy",
            timeout=30_000,
        )
        shown = tuner.locator(".wb-limits-policy").inner_text()
        assert "max_tool_calls_run:" in shown and "source: suggest_limits" in shown, shown
        assert wb.Policy.from_yaml(path).provenance.source == "suggest_limits"
        # backtest: the guard replays the runs with the current limits, and stops what the readout said
        stopped = int(text(s, readout).split(" · ")[0].split("would stop ")[1].split(" of ")[0])
        tuner.locator("button.wb-limits-backtest-button").click()
        page.wait_for_function(
            "sel => (document.querySelector(sel) || {}).innerText?.includes('Backtest of')",
            arg=f"{PANEL} .wb-limit-tuner .wb-limits-backtest",
            timeout=60_000,
        )
        assert f"stops {stopped} failed runs" in tuner.locator(".wb-limits-backtest").inner_text()
        # ux46: the quantile moved again, the backtest and the policy shown are said to be of the limits before
        said = tuner.locator(".wb-limits-backtest").inner_text()
        handle = tuner.locator(".widget-slider .noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        page.wait_for_function(
            "([sel, b]) => document.querySelector(sel).innerText !== b",
            arg=[f"{PANEL} .wb-limit-tuner .wb-limits-backtest", said],
            timeout=30_000,
        )
        assert tuner.locator(".wb-limits-backtest").inner_text().startswith("The last backtest was of "), (
            tuner.locator(".wb-limits-backtest").inner_text()
        )
        # (the two views are set in one Python call but reach the page as two widget messages: the second may lag)
        page.wait_for_function(
            "sel => document.querySelector(sel).innerText.includes('Export policy again')",
            arg=f"{PANEL} .wb-limit-tuner .wb-limits-policy",
            timeout=30_000,
        )
        assert "Export policy again" in tuner.locator(".wb-limits-policy").inner_text()
        # the suggestions' own HTML table below: ids as text, and nothing injected anywhere
        body = page.locator(PANEL).first.inner_text()
        assert "LimitSuggestions p90" in body and "<b>run</b>-0" in body
        onerror_would_have_fired(s)
        assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        stray = page.evaluate(
            f"() => [...document.querySelectorAll('{PANEL} .jp-OutputArea b')]"
            ".filter(b => b.textContent.startsWith('run')).length"
        )
        assert stray == 0
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)
        shot = lab.shots / "ux12_limit_tuner_moved.png"
        tuner.screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
