"""In JupyterLab (headless Chromium, the session's one server) at a 1000 px window, what ux38 fixed in the
ThresholdTuner: on a store where no threshold pays it opened at its slider's end, a threshold on the slowest
value that "≥" still escalates (20 of 40 runs sent to a human beside advice that no review rule pays). Here it
opens on the no-review point, as a person sees it: the slider's handle past every value, the advice saying why,
the readout's escalation rate 0.0 %, its charts drawn (marks in the SVG), nothing cut at the output's edge; a
drag off that point and the "back" button return to it."""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, drawn_at, run_cells, text

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
warnings.simplefilter("ignore")
records = []   # 40 runs of 20 tool steps; in every other run one step took 3,000 ms more; a run in 4 failed
for r in range(40):
    records.append({"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "failure" if r % 4 == 0 else "success"})
    records += [{"run_id": f"r{r}", "step_id": f"s{i}", "agent": "a" + "<img src=x onerror=alert(1)>", "kind": "tool",
                 "tool": "t", "latency_ms": 100.0 + i + (3000 if i == 5 and r % 2 == 0 else 0)} for i in range(20)]
ws = wb.open()
ws.ingest(records, progress=False)
"""
)


def test_the_tuner_opens_on_no_review_when_no_threshold_pays(lab, browser) -> None:  # noqa: ANN001
    cells = [SETUP, "tu = ThresholdTuner(ws, signal='latency_ms', cost_review=1, cost_failure=2)\ntu"]
    with run_cells(browser, lab, "ux38_tuner.ipynb", cells, width=1000) as s:
        page = s.page
        drawn_at(s, 1000, 3)
        tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
        advice = tuner.locator(".wb-tuner-recommended").inner_text()
        assert advice.startswith("Recommended: no review rule"), advice
        assert "where no run is sent to a human" in advice, advice
        rate = f"{PANEL} .wb-threshold-tuner .wb-escalation-rate"
        assert text(s, rate) == "0.0%"
        assert tuner.locator(".widget-slider .widget-readout").first.inner_text() == "3,110"
        sw, cw = tuner.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert sw <= cw + 1, (sw, cw)
        tuner.screenshot(path=str(_shot(lab, "ux38_tuner_no_review_1000.png")))
        # dragged to the slider's far left (every run with a step of 115 ms or more), then back to no review
        handle = tuner.locator(".widget-slider .noUi-handle").first
        track = tuner.locator(".widget-slider .noUi-base").first.bounding_box()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(track["x"] - 20, box["y"] + box["height"] / 2, steps=4)
        page.mouse.up()
        # (the drag's continuous updates pass 50 % on the way: wait for where it ends)
        page.wait_for_function(
            "(sel) => document.querySelector(sel).innerText === '100.0%'", arg=rate, timeout=30_000
        )
        tuner.locator("button:has-text('back to the recommended threshold')").click()
        page.wait_for_function(
            "(sel) => document.querySelector(sel).innerText === '0.0%'", arg=rate, timeout=30_000
        )
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
