"""In JupyterLab: the tuner on Who&When-shaped logs (turns without times or log-probabilities, every run
failed) says what it cannot tune, and the suggested limits and their backtest name the runs they stop."""

from __future__ import annotations

import sys

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + """
records = []
for r in range(12):
    run = f"<b>ww</b>-{r:02d}"       # run ids from logs: shown as text
    records.append({"record": "run", "run_id": run, "system": "whowhen", "outcome": "failure"})
    for i in range(3 + r % 5):
        records.append({"run_id": run, "step_id": f"t{i:03d}", "agent": "Assistant" if i % 2 else "Coder",
                        "kind": "tool" if i % 2 else "agent", "tool": "python" if i % 2 else None,
                        "output": f"turn {i} of run {r}"})
    records.append({"record": "label", "run_id": run, "agent": "Coder", "step_id": "t000", "kind": "bug"})
ws = wb.open()
report = ws.ingest(records, progress=False)
"""
)


def test_tuner_limits_and_backtest_on_real_shaped_logs(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser,
        lab,
        "policy12_real.ipynb",
        [
            SETUP,
            "tu = wb.ThresholdTuner(ws)\ntu",
            "s = wb.suggest_limits(ws, quantile=0.75)\ns",
            "wb.backtest(s.to_policy(), ws)",
        ],
    ) as s:
        charts = wait_charts_drawn(s, 2)
        assert len(charts) >= 2 and all(c["width"] > 0 and c["height"] > 0 for c in charts), charts
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        page = s.page
        panel = page.locator(f"{PANEL} .wb-threshold-tuner .wb-tuner-capabilities").first
        text = panel.inner_text()
        assert "What these logs do not let you tune" in text and "HITL on confidence" in text, text
        assert "false escalations cannot be counted" in text and "wb.suggest_limits(ws)" in text, text
        body = page.locator(PANEL).first.inner_text()
        assert "LimitSuggestions p75" in body and "max_tool_calls_run" in body
        assert "<b>ww</b>-" in body  # run ids shown as text, never as markup
        assert "BacktestReport" in body and "every column" in body
        # (the report shows 7 columns; the others, false_stop_ids among them, open under "every column")
        page.locator(f"{PANEL} details summary", has_text="every column").last.click()
        assert "false_stop_ids" in page.locator(PANEL).first.inner_text()
        stray = page.evaluate(
            f"() => [...document.querySelectorAll('{PANEL} .jp-OutputArea b')]"
            ".filter(b => !b.closest('.wb-threshold-tuner')).map(b => b.outerHTML)"
        )
        assert stray == [], stray
        assert not s.console_errors and not s.dialogs, (s.console_errors, s.dialogs)
        shot = lab.shots / "policy12_real_tuner.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.locator(f"{PANEL} .wb-threshold-tuner").first.screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
