"""In JupyterLab (headless Chromium, the session's one server), ux41's three leftovers on real framework traces
(LangGraph through OpenInference, smolagents' managed agent, a pydantic-ai delegation), at 1000 and 1400 px:

- the explorer's run list: every line of it read whole (its text inside the list's box, no line cut at the right;
  the whole page of runs shown without scrolling);
- the threshold tuner per agent on a system of one run (every latency one value): a "no rule" handle sits at the
  end of its slider's track, where its note says ("past every value"), not mid-track;
- the exported policy shown as YAML: a long provenance note wrapped under its key, never back at column 0, and
  the text shown still the file, which loads and validates.
"""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, REAL_TRACES, drawn_at, run_cells

pytestmark = pytest.mark.slow

TRACES = REAL_TRACES

CELLS = [
    HEADER
    + f"""warnings.simplefilter("ignore")
folder = pathlib.Path(tempfile.mkdtemp())
ws = wb.open()
ws.ingest({TRACES!r}, progress=False)
wb.detect(ws)""",
    "ex = IncidentExplorer(ws)\nex",
    "tu = ThresholdTuner(ws, signal='latency_ms', system='quote-graph')\ntu.per_agent.value = True\ntu",
    "policy = tu.export_policy(str(folder / 'policy.yaml'))\nprint(folder / 'policy.yaml')\npolicy",
]

# Per line of the run list: how much of its text lies past its box (px; > 0: cut at the right), and how much the
# list holds past what it shows (px; > 0: a line or more scrolled out of sight).
_RUN_LINES = """(sel) => { const s = document.querySelector(sel);
  return {past: [...s.options].map(o => o.scrollWidth - o.clientWidth), hidden: s.scrollHeight - s.clientHeight,
          texts: [...s.options].map(o => o.textContent)}; }"""

# Per slider of the tuner: its classes, where its handle's centre sits and where its track runs (px).
_HANDLES = """(t) => [...t.querySelectorAll('.widget-slider')].map(s => {
  const h = s.querySelector('.noUi-handle').getBoundingClientRect(), b = s.querySelector('.noUi-base')
    .getBoundingClientRect();
  return {no_rule: s.classList.contains('wb-no-rule'), centre: h.left + h.width / 2, left: b.left, right: b.right,
          name: (s.querySelector('.widget-label') || {}).textContent}; })"""

# The policy's YAML block: per visual line, the left edge of its first printed character against the block's content
# edge (an indented line starts at its first non-space); its text; the width of a character.
_YAML_LINES = """(pre) => { const left = pre.getBoundingClientRect().left + pre.clientLeft
    + parseFloat(getComputedStyle(pre).paddingLeft);
  const lines = {}, walk = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT), r = document.createRange();
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    for (let i = 0; i < n.data.length; i++) { if (/\\s/.test(n.data[i])) continue;
      r.setStart(n, i); r.setEnd(n, i + 1); const x = r.getClientRects()[0]; if (!x) continue;
      const top = Math.round(x.top + x.height / 2); lines[top] = Math.min(lines[top] ?? 1e9, x.left - left); } }
  const m = document.createElement('span'); m.textContent = 'x'.repeat(10); pre.appendChild(m);
  const ch = m.getBoundingClientRect().width / 10; m.remove();
  return {lefts: Object.keys(lines).map(Number).sort((a, b) => a - b).map(k => lines[k]), text: pre.innerText, ch};
}"""


def test_run_list_slider_ends_and_policy_yaml_read_whole(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux42_leftovers.ipynb", CELLS) as s:
        page = s.page
        cells = page.locator(f"{PANEL} .jp-CodeCell")
        ex, tuner = cells.nth(1).locator(".wb-incident-explorer"), cells.nth(2).locator(".wb-threshold-tuner")
        yaml_path = cells.nth(3).locator(".jp-OutputArea-output").first.inner_text().strip()
        wrong = []  # (every width and every leftover checked, then said together)
        for width in (1400, 1000):  # (the page opens at 1400: one resize)
            drawn_at(s, width, 3)  # the explorer's timeline, the tuner's review load and histogram
            lab.shots.mkdir(parents=True, exist_ok=True)
            # 1. every run's line read whole, the page of runs without scrolling
            lines = page.evaluate(_RUN_LINES, f"{PANEL} .wb-run-list select")
            ex.locator(".wb-run-list").screenshot(path=str(lab.shots / f"ux42_run_list_{width}.png"))
            assert len(lines["texts"]) == 3 and max(map(len, lines["texts"])) > 90, lines  # (cut at 1000 px)
            if any(p > 1 for p in lines["past"]) or lines["hidden"] > 1:
                wrong.append(("run list cut", width, lines))
            # 2. a "no rule" slider's handle at its track's end (a latency "≥" rule: the right end)
            tuner.screenshot(path=str(lab.shots / f"ux42_tuner_{width}.png"))
            sliders = [h for h in tuner.evaluate(_HANDLES) if h["no_rule"]]
            assert len(sliders) == 2, (width, tuner.evaluate(_HANDLES))
            if not all(abs(h["centre"] - h["right"]) <= 3 for h in sliders):
                wrong.append(("no-rule handle off the track's end", width, sliders))
            # 3. the YAML: a wrapped line goes on under its key (never at column 0, a top-level key's place)
            pre = cells.nth(3).locator("pre").last
            pre.screenshot(path=str(lab.shots / f"ux42_policy_{width}.png"))
            got = pre.evaluate(_YAML_LINES)
            top_level = [ln for ln in got["text"].splitlines() if ln and not ln.startswith(" ")]
            if len([x for x in got["lefts"] if x < got["ch"] / 2]) != len(top_level):
                wrong.append(("YAML line wrapped to column 0", width, got["lefts"], got["ch"], top_level))
            # the text shown is the file written, line for line (a reader copies it)
            with open(yaml_path, encoding="utf-8") as fh:
                if [ln.rstrip() for ln in got["text"].strip("\n").splitlines()] != fh.read().strip(
                    "\n"
                ).splitlines():
                    wrong.append(("YAML shown is not the file", width, got["text"]))
        assert not wrong, wrong
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)
