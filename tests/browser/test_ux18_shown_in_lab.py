"""What an SRE sees in JupyterLab (headless Chromium), after ux18: a flagged step's "⚑ repeated_reply" whole in the
closed step box (was cut to "⚑ repeated_rep…"); a LangGraph node's callback wrapper as "human: …" and a JSON
attribute's stack trace on several lines (were raw JSON and one line with \\n); the tuner's latency histogram
with a 30 s call counted past the axis ("1 above … · max 30,000"), not stretching it; the drift panel saying
that detect ran and the runs are too few (was "No drift findings … (run wb.detect)"). A script payload in the
logs never runs."""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
XSS = "<img src=x onerror=alert(1)>"
REPLY = "Please send me the order number so that I can look up the refund for you " + XSS
WRAPPED = {"inputs": {"messages": [{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "HumanMessage"],
                                    "kwargs": {"content": "Where is my refund? " + XSS, "type": "human"}}]},
           "tags": ["seq:step:1"], "metadata": {"langgraph_node": "agent", "langgraph_step": 1}}
TRACE = "Traceback (most recent call last):\n  File \"tools.py\", line 12, in lookup\nTimeoutError: refund service " + XSS
records = []
for r in range(24):
    run, t = f"r{r:02d}", f"2026-03-01T{10 + r // 6:02d}:{r:02d}"
    records.append({"record": "run", "run_id": run, "system": "support", "outcome": "failure" if r % 3 == 0 else "success"})
    records += [{"run_id": run, "step_id": f"s{i}", "agent": "customer_support_specialist", "kind": "llm",
                 "name": "ChatOpenAI.chat gpt-4o-mini-2024-07-18", "output": REPLY if r == 0 else f"answer {i} of run {r}",
                 "input": json.dumps(WRAPPED), "attributes": {"exception.stacktrace": TRACE},
                 "latency_ms": 30000 if (r, i) == (5, 2) else 200 + (r * 37 + i * 11) % 300,
                 "started_at": f"{t}:{i:02d}Z", "ended_at": f"{t}:{i:02d}.5Z"} for i in range(4)]
ws = wb.open()
ws.ingest(records, progress=False)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    wb.detect(ws)
assert ws.sql("SELECT count(*) FROM findings WHERE detector = 'repeated_reply'").fetchall()[0][0] == 1
"""
)

# The width the closed <select> gives its text, and how wide the text up to the end of the flag is drawn.
_FLAG_FITS = """(ex) => {
  const sel = [...ex.querySelectorAll('select')].find(s => [...s.options].some(o => o.text.includes('⚑')));
  if (!sel) return null;
  const text = [...sel.options].find(o => o.text.includes('⚑')).text;
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = getComputedStyle(sel).font;
  const upto = text.slice(0, text.indexOf('repeated_reply') + 'repeated_reply'.length);
  const cs = getComputedStyle(sel);
  const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  return {text: text, need: ctx.measureText(upto).width, room: room};
}"""

# The tuner's histogram (its other charts have the threshold on their x axis): its texts and x-axis labels.
_HISTOGRAM = """(root) => {
  const chart = [...root.querySelectorAll('.vega-embed')].find(e =>
      [...e.querySelectorAll('svg text')].some(t => t.textContent.includes('of steps by run outcome')));
  if (!chart) return null;
  const axes = [...chart.querySelectorAll('svg .role-axis')];
  const x = axes.find(a => (a.getAttribute('aria-label') || '').includes('X-axis')) || axes[0];
  return {texts: [...chart.querySelectorAll('svg text')].map(t => t.textContent),
          ticks: [...x.querySelectorAll('.role-axis-label text')].map(t => t.textContent)};
}"""


def test_explorer_tuner_and_drift_read_right_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser,
        lab,
        "ux18_shown.ipynb",
        [
            SETUP,
            "ex = IncidentExplorer(ws)\nex.show_run('r00')\nex",
            "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
            "    tu = ThresholdTuner(ws, signal='latency_ms')\ntu",
            "DriftMonitor(ws)",
        ],
    ) as s:
        wait_charts_drawn(s, 3)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        ex = s.page.locator(f"{PANEL} .wb-incident-explorer").first
        ex.scroll_into_view_if_needed()
        s.page.wait_for_function(
            "sel => [...document.querySelectorAll(sel)].some(p => p.innerText.includes('human:'))",
            arg=f"{PANEL} .wb-incident-explorer pre.wb-pre",
            timeout=30_000,
        )
        fit = ex.evaluate(_FLAG_FITS)
        assert fit and fit["text"].split()[1] == "⚑", fit  # (ipywidgets writes the spaces as no-break spaces)
        assert fit["need"] <= fit["room"], fit  # "⚑ repeated_reply" drawn whole inside the closed box
        pres = ex.locator("pre.wb-pre").all_inner_texts()
        shown_in = next(p for p in pres if p.startswith("human:"))
        assert shown_in.startswith("human: Where is my refund? <img src=x onerror=alert(1)>"), shown_in
        assert "langgraph_node" not in shown_in and '"lc"' not in shown_in, shown_in
        # r00's own step, not the s0 of the run shown before it (the same step id)
        assert any(p.startswith("Please send me the order number") for p in pres), pres
        attrs = next(p for p in pres if "exception.stacktrace" in p)
        assert "\\n" not in attrs and "Traceback (most recent call last):\n" in attrs, attrs
        assert len([ln for ln in attrs.splitlines() if ln.strip()]) >= 5, attrs
        ex.screenshot(path=str(_shot(lab, "ux18_explorer.png")))

        tuner = s.page.locator(f"{PANEL} .wb-threshold-tuner").first
        tuner.scroll_into_view_if_needed()
        hist = tuner.evaluate(_HISTOGRAM)
        assert hist, "the tuner shows its histogram"
        note = [t for t in hist["texts"] if " above " in t]
        assert note and note[0].startswith("1 above ") and note[0].endswith("max 30,000"), hist
        assert "30,000" not in hist["ticks"] and "25,000" not in hist["ticks"], (
            hist
        )  # the axis ends with the bulk
        tuner.screenshot(path=str(_shot(lab, "ux18_tuner.png")))

        drift = s.page.locator(f"{PANEL} .wb-drift-monitor").first
        drift.scroll_into_view_if_needed()
        said = drift.inner_text()
        assert "Too few runs to judge drift" in said and "run wb.detect" not in said, said
        drift.screenshot(path=str(_shot(lab, "ux18_drift.png")))
        assert not s.dialogs, s.dialogs


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
