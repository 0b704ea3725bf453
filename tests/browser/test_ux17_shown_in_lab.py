"""What an SRE sees in JupyterLab (headless Chromium): the tuner's slider names its signal in full ("latency_ms
≥", was cut to "latency_m…" by the 80 px default label width) and its number in whole ms ("1,280", was
"1280.000"); a DSPy step's messages in the explorer are
"role: text" with line breaks on screen (was one line of JSON with escaped \\n); a run of a second has a
timeline axis in ms from its start with several distinct labels (was one clock label)."""

from __future__ import annotations

import re

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
msgs = {"prompt": None, "messages": [{"role": "system", "content": "Your input fields are:\n1. `question`"},
                                     {"role": "user", "content": "[[ ## question ## ]]\nWhat is 100 EUR in USD?"}]}
records = []
for r in range(24):
    run = f"r{r:02d}"
    records.append({"record": "run", "run_id": run, "system": "dspy", "outcome": "failure" if r % 4 == 0 else "success"})
    records += [{"run_id": run, "step_id": f"s{i}", "agent": "react", "kind": "llm", "name": "DummyLM.__call__",
                 "input": json.dumps(msgs), "output": json.dumps([{"role": "assistant", "content": f"[[ ## next_thought ## ]]\nstep {i}"}]),
                 "latency_ms": 100 + 40 * i + (900 if r % 4 == 0 else 0),
                 "started_at": f"2026-03-01T10:{r:02d}:00.{100 * i:03d}Z", "ended_at": f"2026-03-01T10:{r:02d}:00.{100 * i + 90:03d}Z"}
                for i in range(8)]
ws = wb.open()
ws.ingest(records, progress=False)
"""
)

_LABELS = """(root) => [...root.querySelectorAll('.widget-slider .widget-label')].map(l => ({
  text: l.innerText, scroll: l.scrollWidth, client: l.clientWidth}))"""


def test_slider_label_messages_and_short_run_axis_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser,
        lab,
        "ux17_shown.ipynb",
        [
            SETUP,
            "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
            "    tu = wb.ThresholdTuner(ws, signal='latency_ms')\ntu",
            "ex = IncidentExplorer(ws)\nex.runs.value = ex.runs.options[0][1]\nex.select_step('s0')\nex",
        ],
    ) as s:
        wait_charts_drawn(s, 3)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        tuner = s.page.locator(f"{PANEL} .wb-threshold-tuner").first
        tuner.scroll_into_view_if_needed()
        labels = tuner.evaluate(_LABELS)
        mine = [lab_ for lab_ in labels if lab_["text"].startswith("latency_ms")]
        assert mine and all(lab_["scroll"] <= lab_["client"] for lab_ in mine), labels
        # the slider's own number as the readout writes it: whole ms, thousands separated (was "1280.000")
        shown = tuner.locator(".widget-slider .widget-readout").first.inner_text()
        assert re.fullmatch(r"\d{1,3}(,\d{3})*", shown), shown
        ex = s.page.locator(f"{PANEL} .wb-incident-explorer").first
        ex.scroll_into_view_if_needed()
        s.page.wait_for_function(
            "sel => [...document.querySelectorAll(sel)].some(p => p.innerText.includes('user:'))",
            arg=f"{PANEL} .wb-incident-explorer pre.wb-pre",
            timeout=30_000,
        )
        pres = ex.locator("pre.wb-pre").all_inner_texts()
        shown = next(p for p in pres if p.startswith("system:"))
        assert shown.splitlines()[:2] == ["system: Your input fields are:", "1. `question`"], shown
        assert "\nuser: [[ ## question ## ]]\nWhat is 100 EUR in USD?" in shown and "\\n" not in shown, shown
        axis = ex.evaluate(
            "e => [...e.querySelectorAll('svg .role-axis-title text')].map(t => t.textContent)"
        )
        assert any(t.startswith("ms from the first move") for t in axis), axis
        ticks = ex.evaluate(
            "e => [...e.querySelectorAll('svg .role-axis-label')][0].querySelectorAll('text').length"
        )
        assert ticks >= 4, ticks
        shot = lab.shots / "ux17_shown.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        tuner.screenshot(path=str(shot))
        ex.screenshot(path=str(lab.shots / "ux17_explorer.png"))
