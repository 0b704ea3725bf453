"""The views ux13 changed, in JupyterLab in headless Chromium: the threshold tuner on raw traces with no
outcomes (a panel saying what is missing, the review-load curve and the histogram over every run, both
drawn, the slider moving the readout), the limit view with a thin p99 tail (bars drawn on a logarithmic
runs axis, the toggle back to linear redraws), and the tuner and limit view on an empty store (words, no
exception, no empty chart frame)."""

from __future__ import annotations

import re
import sys

import pytest
from _lab import (
    HEADER,
    PANEL,
    cell_errors,
    run_cells,
    text,
    wait_charts_drawn,
    wait_text_change,
    widget_errors,
)

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
T0, MS = 1_796_131_000_000_000_000, 1_000_000
def attr(k, v):
    return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
spans = []
for t in range(12):
    trace = f"{t + 1:032x}"
    def span(sid, parent, name, start, end, **attrs):
        s = {"traceId": trace, "spanId": f"{t + 1:08x}{sid:08x}", "name": name, "kind": "SPAN_KIND_INTERNAL",
             "startTimeUnixNano": str(T0 + (t * 10_000 + start) * MS), "endTimeUnixNano": str(T0 + (t * 10_000 + end) * MS),
             "attributes": [attr(k, v) for k, v in attrs.items()], "status": {}}
        if parent:
            s["parentSpanId"] = f"{t + 1:08x}{parent:08x}"
        spans.append(s)
    span(2, 1, "chat gpt-4o-mini", 5, 120 + 9 * t, **{"gen_ai.operation.name": "chat", "gen_ai.system": "openai",
         "gen_ai.usage.input_tokens": 300 + 40 * t, "gen_ai.usage.output_tokens": 20 + t})
    at = 130 + 9 * t
    for i in range(1 + t % 3):
        ms = 2400 if (t, i) == (11, 1) else 40 + 7 * ((t + i) % 5)
        span(3 + i, 1, "execute_tool lookup", at, at + ms, **{"gen_ai.operation.name": "execute_tool",
             "gen_ai.tool.name": "lookup", "gen_ai.tool.call.arguments": json.dumps({"q": i})})
        at += ms + 5
    span(1, None, "handle_request", 0, at + 10, **{"gen_ai.agent.name": "helpdesk"})
with open("ux13_raw.otlp.jsonl", "w") as f:
    f.write(json.dumps({"resourceSpans": [{"resource": {"attributes": [attr("service.name", "helpdesk")]},
                                           "scopeSpans": [{"scope": {"name": "app"}, "spans": spans}]}]}) + "\n")
raw = wb.open()
raw.ingest("ux13_raw.otlp.jsonl", progress=False)
records = []
for r in range(1202):
    run, calls = f"r{r:04d}", 14 if r >= 1200 else 2 + r % 3
    records.append({"record": "run", "run_id": run, "system": "shop", "outcome": "failure" if r >= 1200 else "success"})
    records += [{"run_id": run, "step_id": f"t{i:02d}", "agent": "finder", "kind": "tool", "tool": "search",
                 "input": {"q": f"{r}-{i}"}, "status": "ok", "output": f"result {i}"} for i in range(calls)]
tail = wb.open()
tail.ingest(records, progress=False)
"""
)

_SVG = """(root) => [...root.querySelectorAll('.vega-embed svg.marks')].map(svg => ({
  bars: svg.querySelectorAll('.mark-rect path').length,
  lines: svg.querySelectorAll('.mark-line path').length,
  rules: svg.querySelectorAll('.mark-rule path, .mark-rule line').length,
  texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
  height: svg.getBoundingClientRect().height, width: svg.getBoundingClientRect().width,
}))"""


def test_tuner_without_outcomes_and_limit_log_scale_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser,
        lab,
        "ux13_views.ipynb",
        [
            SETUP,
            "tu = wb.ThresholdTuner(raw, signal='latency_ms')\ntu",
            "lt = wb.LimitTuner(tail, quantile=0.99)\nlt",
            "empty = wb.open()\nwb.ThresholdTuner(empty)",
            "wb.LimitTuner(empty)",
        ],
    ) as s:
        found = wait_charts_drawn(s, 4)
        # the tuner's two charts and the limit view's two: nothing else (the empty store draws no frame)
        assert len(found) == 4 and all(
            c["kind"] == "svg" and c["width"] > 0 and c["marks"] > 10 for c in found
        ), found
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        page = s.page
        tuners = page.locator(f"{PANEL} .wb-threshold-tuner")
        assert tuners.count() == 2
        tuner = tuners.nth(0)
        tuner.scroll_into_view_if_needed()
        missing = tuner.locator(".wb-tuner-missing").inner_text()
        assert "None of the 12 runs has a known outcome" in missing, missing
        assert "ws.label_file('labels.csv')" in missing and "run_id,outcome" in missing, missing
        load, hist = tuner.evaluate(_SVG)
        # the review load: one line for runs and one for steps, the threshold rule; the histogram's bars
        assert load["lines"] >= 2 and load["rules"] >= 1 and load["height"] > 100, load
        assert any("Review load per threshold" in t for t in load["texts"]), load["texts"]
        assert hist["bars"] >= 3 and any("unknown" in t for t in hist["texts"]), hist
        readout = f"{PANEL} .wb-threshold-tuner .wb-review-readout"
        assert "of runs would go to a human" in text(s, readout) and "of 12;" in text(s, readout), text(
            s, readout
        )
        shot = lab.shots / "ux13_tuner_no_outcomes.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        tuner.screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
        # drag the threshold to the far left: every run with a latency goes to a human
        before = text(s, readout)
        handle = tuner.locator(".widget-slider .noUi-handle").first
        track = tuner.locator(".widget-slider .noUi-base").first.bounding_box()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(track["x"] - 40, box["y"] + box["height"] / 2, steps=5)  # past the end: the minimum
        page.mouse.up()
        wait_text_change(s, readout, before, timeout=30)
        page.wait_for_function(
            "sel => (document.querySelector(sel) || {}).innerText?.includes('(12 of 12;')",
            arg=readout,
            timeout=30_000,
        )
        assert "100.0%" in text(s, readout), text(s, readout)
        # the limit view: a thin p99 tail, so a logarithmic runs axis, bars drawn on it
        view = page.locator(f"{PANEL} .wb-limit-tuner").first
        view.scroll_into_view_if_needed()
        stops, peaks = view.evaluate(_SVG)
        assert peaks["bars"] >= 5 and "runs (log scale)" in peaks["texts"], peaks
        assert any(t.startswith("limit ") for t in peaks["texts"]), peaks["texts"]
        # run counts as counts: no tick shares the largest tick's SI prefix ("0k", "0.2k" under "1k")
        assert not [t for t in peaks["texts"] if re.fullmatch(r"0(\.\d+)?k", t)], peaks["texts"]
        assert "too thin to see" in view.locator(".wb-limits-readout").inner_text()
        shot = lab.shots / "ux13_limits_log.png"
        view.screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
        view.locator(".wb-limits-scale button:text-is('linear')").click()
        page.wait_for_function(
            "sel => [...document.querySelectorAll(sel)].some(t => t.textContent === 'runs')",
            arg=f"{PANEL} .wb-limit-tuner .vega-embed svg text",
            timeout=30_000,
        )
        stops, peaks = view.evaluate(_SVG)
        assert peaks["bars"] >= 5 and "runs (log scale)" not in peaks["texts"], peaks
        shot = lab.shots / "ux13_limits_linear.png"
        view.screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
        # the empty store: said in words, in both views
        assert "holds no runs yet" in tuners.nth(1).inner_text()
        assert (
            "No run with steps in this store" in page.locator(f"{PANEL} .wb-limit-tuner").nth(1).inner_text()
        )
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)
        shot = lab.shots / "ux13_empty.png"
        page.locator(f"{PANEL} .jp-Cell").nth(3).screenshot(path=str(shot))
        print(f"screenshot: {shot}", file=sys.stderr)
